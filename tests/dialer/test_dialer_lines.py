"""A campaign on one sim line, busy numbers and answered calls whose flow hangs up: each freed line is dialled
again until the list is done, every call has its leg in chand's records, and the dialer measures what it does
(latency.py): its status says its pass times and it kept a line-free-to-dial time for each redial. How soon each
redial came in engine time is not asserted (see the test)."""

import pytest

from telephonist.dialer.lists import import_rows
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.dialer.harness import running_dialer

NUMBERS = [NumberBehaviour("1390*", "busy"), NumberBehaviour("1380*", "answer", after_rings=1)]
STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "max_attempts": 1,
            "retry": {"busy": None}, "batch": 1}


@pytest.mark.long
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
        assert all(c["started_at"] for c in calls), calls
        # Not asserted: how soon in engine time each next dial came. On the lockstep clock the engine runs on while
        # the dialer works outside an event's handler, so on a loaded host those gaps measure the host (CI on
        # 2026-12-07: -1.9 to +1.2 s); they come back when the dialer holds the clock (issue 15's notes).
        measured = service.latency.figures(cid)
        assert measured["dials"] == 5 and measured["engine_p99_ms"] is not None, measured
        status = await watcher.request("dialer", {"action": "status"})
        assert status["pass_ms"]["passes"] >= 6 and status["pass_ms"]["p99_ms"] is not None
