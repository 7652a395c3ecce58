"""The proof of issue 15, scaled for CI: a notice campaign on sim lines whose numbers answer, are busy,
ring out, are empty (SIT) or are busy once, worked by the dialer with ivrd reading each customer's amount.
It finishes; retries exactly as the strategy says; never dials a do-not-call number or outside the window
of the customer's type; a customer who refuses goes on the do-not-call list; and a dialer killed while
calls ring, and one that died between a claim and its dial, never dial an attempt twice."""
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from telephonist.dialer.lists import import_rows, read_table
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.dialer.harness import ORIGIN, running_dialer

SH = ZoneInfo("Asia/Shanghai")
NUMBERS = [NumberBehaviour("1380*", "answer", after_rings=1), NumberBehaviour("1390*", "busy"),
           NumberBehaviour("1370*", "no_answer"), NumberBehaviour("1360*", "unallocated"),
           NumberBehaviour("1350*", "answer", after_rings=1, busy_first=1)]
STRATEGY = {"windows": {"default": {"time_zone": "Asia/Shanghai", "calendar": "cn", "hours": {"mon-fri": "09:00-12:00"}},
                        "vip": {"time_zone": "Asia/Shanghai", "calendar": "cn", "hours": {"mon-fri": "10:00-11:00"}}},
            "min_attempts": 1, "max_attempts": 2, "min_interval_s": 60, "max_interval_s": 3600,
            "retry": {"busy": 120, "no_answer": 90, "failed": 300}, "batch": 3}
LIST = """name,phone,type,id,amount,wants
answers,13800000001,default,,215.60,yes
answers-vip,13800000002,vip,,88,yes
refuses,13800000003,default,110101199003030033,12.5,no
busy,13900000001,default,,1,yes
ringing,13700000001,default,,2,yes
empty,13600000001,default,,3,yes
busy-once,13500000001,default,,4,yes
on-dnc,13800000009,default,,5,yes
card-on-dnc,13800000008,default,110101199009090099,6,yes
"""


def local(dt) -> datetime:
    """A time the database gave back (text on SQLite), in Shanghai."""
    dt = datetime.fromisoformat(dt) if isinstance(dt, str) else dt
    return dt.replace(tzinfo=UTC).astimezone(SH) if dt.tzinfo is None else dt.astimezone(SH)


async def finished(watcher, name: str, since: int) -> None:
    """The dialer's word that the campaign is done."""
    await watcher.wait_for(lambda e: e.get("event") == "published" and e["body"].get("kind") == "campaign_finished"
                           and e["body"]["campaign"] == name, since=since, timeout=120)


@pytest.mark.long
async def test_notice_campaign_on_sim_lines(tmp_path):
    async with running_dialer(tmp_path, NUMBERS) as d:
        cid = d.store.create_campaign("gas-bills", "notice", "agentless", "bill_notice", "out", STRATEGY,
                                      caller_id="95158")
        header, rows = read_table("list.csv", LIST.encode())
        report = import_rows(d.store.engine, cid, header, rows,
                             {"name": "name", "phones": "phone", "customer_type": "type", "id_card": "id"})
        assert report.added == 9
        d.store.dnc_add("phone", "13800000009")
        d.store.dnc_add("id_card", "110101199009090099")
        d.store.set_state(cid, "running")
        watcher = await d.chand.client("watcher")
        await watcher.call("subscribe", lines=False, topics=["ivr", "dialer"])
        m = watcher.mark()
        await d.start()
        await finished(watcher, "gas-bills", m)

        recs = {r["name"]: r for r in d.rows("SELECT * FROM dl_records WHERE campaign_id = :c", c=cid)}
        assert {n: (r["state"], r["outcome"], r["result"], r["attempts"]) for n, r in recs.items()} == {
            "answers": ("done", "answered", "notified", 1),
            "answers-vip": ("done", "answered", "notified", 1),
            "refuses": ("done", "answered", "dnc", 1),
            "busy": ("exhausted", "busy", None, 2),
            "ringing": ("exhausted", "no_answer", None, 2),
            "empty": ("exhausted", "sit", None, 1),
            "busy-once": ("done", "answered", "notified", 2),
            "on-dnc": ("dnc", None, None, 0),
            "card-on-dnc": ("dnc", None, None, 0)}
        attempts = d.rows("SELECT a.*, r.name, r.customer_type FROM dl_attempts a JOIN dl_records r "
                          "ON r.id = a.record_id ORDER BY a.id")
        await d.chand.board.recorder.drain()                  # chand writes its call records behind
        legs = d.rows("SELECT call_id, dialled FROM call_legs WHERE direction = 'outbound'")
        assert sorted(leg["call_id"] for leg in legs) == sorted(f"dl-{a['id']}" for a in attempts)   # one each
        assert not {"13800000009", "13800000008"} & {leg["dialled"] for leg in legs}
        for a in attempts:                              # each inside the window of its customer's type
            t = local(a["claimed_at"])
            assert (10, 0) <= (t.hour, t.minute) < (11, 0) if a["customer_type"] == "vip" else 9 <= t.hour < 12
        by_name: dict[str, list] = {}
        for a in attempts:
            by_name.setdefault(a["name"], []).append(local(a["claimed_at"]))
        assert by_name["answers-vip"][0] >= ORIGIN + timedelta(minutes=1)          # waited for 10:00
        assert by_name["busy"][1] - by_name["busy"][0] >= timedelta(seconds=120)
        assert by_name["ringing"][1] - by_name["ringing"][0] >= timedelta(seconds=90)
        dnc = {(r["kind"], r["value"], r["reason"]) for r in d.rows("SELECT * FROM dl_dnc")}
        assert {("phone", "13600000001", "sit"), ("phone", "13800000003", "asked"),
                ("id_card", "110101199003030033", "asked")} <= dnc
        said = [e["body"]["vars"] for e in watcher.events if e.get("event") == "published" and e["topic"] == "ivr"]
        assert sorted(v["amount"] for v in said) == ["12.5", "215.60", "4", "88"]    # the flow had the fields
        answered = [f"dl-{a['id']}" for a in attempts if a["outcome"] == "answered"]
        read_out = d.rows("SELECT call_id, result FROM ivr_steps WHERE node = 'amount'")
        assert sorted((r["call_id"], r["result"]) for r in read_out) == sorted((c, "done") for c in answered)


@pytest.mark.long
async def test_a_killed_dialer_never_dials_an_attempt_twice(tmp_path):
    async with running_dialer(tmp_path, NUMBERS, lines=2) as d:
        cid = d.store.create_campaign("gas-bills", "notice", "agentless", "bill_notice", "out",
                                      {**STRATEGY, "batch": 2, "retry": {**STRATEGY["retry"], "failed": 60}})
        header, rows = read_table("list.csv", LIST.encode())
        import_rows(d.store.engine, cid, header, rows, {"name": "name", "phones": "phone", "customer_type": "type"})
        d.store.set_state(cid, "running")
        (camp,) = d.store.campaigns(["running"])
        # a dialer that died between its claim and its dial: the claim is committed, chand never heard of it
        (orphan,) = d.store.claim(camp, ORIGIN.astimezone(UTC), 1, lambda t: True)
        watcher = await d.chand.client("watcher")
        await watcher.call("subscribe", lines=True, topics=["dialer"])
        m = watcher.mark()
        await d.start()
        await watcher.wait_for(lambda e: e.get("event") == "line_state" and e.get("chan", "").startswith("pstn/")
                               and e.get("state") == "proceeding", since=m)
        out = [a["id"] for a in d.rows("SELECT id FROM dl_attempts WHERE state = 'dialing'")]
        assert out
        await d.kill()                                  # calls ring with nobody owning them
        await d.start()
        await finished(watcher, "gas-bills", m)
        await d.chand.board.recorder.drain()
        legs = d.rows("SELECT call_id, COUNT(*) AS n FROM call_legs WHERE direction = 'outbound' GROUP BY call_id")
        assert all(leg["n"] == 1 for leg in legs)
        assert f"dl-{orphan.attempt_id}" not in {leg["call_id"] for leg in legs}
        settled = {a["id"]: a["outcome"] for a in d.rows("SELECT id, outcome FROM dl_attempts")}
        left = [{"id": i, "outcome": settled[i]} for i in [orphan.attempt_id, *out]]
        assert all(a["outcome"] for a in left)          # each settled by the restart, none dialled again
        assert all(settled[i] == "lost" for i in out)   # ringing when chand hung up on the killed dialer
        per_record = d.rows("SELECT record_id, COUNT(*) AS n FROM dl_attempts GROUP BY record_id")
        assert max(r["n"] for r in per_record) <= 2      # max_attempts holds across the restart
        assert all(json.loads(r["phones"]) for r in d.rows("SELECT phones FROM dl_records"))
