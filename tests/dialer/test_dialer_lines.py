"""A campaign's line coming free is dialled again at once: on one sim line, busy numbers and answered calls whose
flow hangs up, each next dial starts within a fraction of a second of engine time after the last call's leg ended
(chand's call legs; a leg's record may close a little after the line is free again). The dialer measures what it
does (latency.py): its status says its pass times, and the line-free-to-dial times it kept for the campaign are as
short. (Whether the line is still clearing when the flow's end reaches the dialer depends on when ivrd publishes
it; `telephonist bench dialer-campaigns` shows the 100 ms look again where it is: docs/performance.md.)"""
from datetime import datetime

from telephonist.dialer.lists import import_rows
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.dialer.harness import running_dialer

NUMBERS = [NumberBehaviour("1390*", "busy"), NumberBehaviour("1380*", "answer", after_rings=1)]
STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "max_attempts": 1,
            "retry": {"busy": None}, "batch": 1}


def at(value) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


async def test_a_line_that_clears_is_dialled_again_at_once(tmp_path):
    async with running_dialer(tmp_path, NUMBERS, lines=1) as d:
        cid = d.store.create_campaign("busy-lines", "notice", "agentless", "bill_notice", "out", STRATEGY)
        rows = [[f"r{i}", f"13{8 if i % 2 else 9}000000{i:02d}", "1"] for i in range(6)]
        import_rows(d.store.engine, cid, ["name", "phone", "amount"], rows, {"name": "name", "phones": "phone"})
        d.store.set_state(cid, "running")
        watcher = await d.chand.client("watcher")
        await watcher.call("subscribe", lines=False, topics=["dialer"])
        m = watcher.mark()
        service = await d.start()
        await watcher.wait_for(lambda e: e.get("event") == "published" and e["body"].get("kind") == "campaign_finished",
                               since=m, timeout=60)
        attempts = d.rows("SELECT id, outcome FROM dl_attempts WHERE campaign_id = :c ORDER BY id", c=cid)
        assert [a["outcome"] for a in attempts] == ["busy", "answered"] * 3
        legs = {r["call_id"]: r for r in d.rows("SELECT call_id, started_at, ended_at FROM call_legs")}
        calls = [legs[f"dl-{a['id']}"] for a in attempts]
        gaps = [(at(b["started_at"]) - at(a["ended_at"])).total_seconds() for a, b in zip(calls, calls[1:])]
        assert all(g < 0.5 for g in gaps), gaps
        measured = service.latency.figures(cid)
        assert measured["dials"] == 5 and measured["engine_p99_ms"] < 500, measured
        status = await watcher.request("dialer", {"action": "status"})
        assert status["pass_ms"]["passes"] >= 6 and status["pass_ms"]["p99_ms"] is not None
