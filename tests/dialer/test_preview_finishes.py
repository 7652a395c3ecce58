"""A preview campaign finishes like the others once every record is settled: a dialer on a real chand sees its
records given their outcomes by the agent (the desk's calls: claim, then the outcome code) and sets the campaign
`finished` (published as `campaign_finished`); not before, while a record is still to be dialled."""
from datetime import UTC

from telephonist.dialer import appointments, preview
from telephonist.dialer.lists import import_rows, read_table
from tests.dialer.harness import ORIGIN, running_dialer
from tests.dialer.test_notice_campaign import finished

STRATEGY = {"windows": {"default": {"time_zone": "Asia/Shanghai", "hours": {"mon-sun": "00:00-24:00"}}},
            "max_attempts": 2}


async def test_a_preview_campaign_finishes_when_its_records_are_settled(tmp_path):
    async with running_dialer(tmp_path, []) as d:
        cid = d.store.create_campaign("renewals", "sales", "preview", "sales", "out", STRATEGY)
        header, rows = read_table("l.csv", "name,phone\nwang,13800001111\nli,13800002222\n".encode())
        import_rows(d.store.engine, cid, header, rows, {"name": "name", "phones": "phone"})
        d.store.set_state(cid, "running")
        first, second = [r["id"] for r in d.rows("SELECT id FROM dl_records ORDER BY id")]
        now = ORIGIN.astimezone(UTC)
        preview.assign(d.store.engine, cid, [first, second], "1001", now)
        watcher = await d.chand.client("watcher")
        await watcher.call("subscribe", lines=False, topics=["dialer"])
        m = watcher.mark()
        await d.start()

        def settle(record_id: int, code: str) -> str:
            claim, _ = preview.claim(d.store.engine, record_id, "1001", now)
            return appointments.finish_by_agent(d.store, claim.attempt_id, "1001", code, now)
        assert settle(first, "sold") == "done"
        await watcher.request("dialer", {"action": "poke"})
        assert d.rows("SELECT state FROM dl_campaigns")[0]["state"] == "running"     # the second is still to do
        assert settle(second, "refused") == "done"
        await watcher.request("dialer", {"action": "poke"})
        await d.unless_dropped(finished(watcher, "renewals", m))
        assert d.rows("SELECT state FROM dl_campaigns")[0]["state"] == "finished"
