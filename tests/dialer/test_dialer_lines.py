"""A campaign's line coming free is dialled again at once: on one sim line, busy numbers and answered calls whose
flow hangs up, each next dial starts within a fraction of a second of engine time after the last call on the line
ended, as chand's line states say (the engine times a subscriber to lines is told). The dialer measures what it
does (latency.py): its status says its pass times, and the line-free-to-dial times it kept for the campaign are as
short. On the lockstep clock this holds only if nothing the redial waits for is done while the clock runs on: the
dialer's passes in the handlers of the events that bring them, ivrd's end of a flow written and published before
it acknowledges the event the flow last reacted to, and the news published held by chand until its subscribers
have handled it (before those, an idle engine ran on for seconds between a call's end and the redial; CI saw the
gaps of the call records, which mix wall and engine time, anywhere from -1.9 to +1.2 s). (Whether the line is
still clearing when the flow's end reaches the dialer depends on the tick; `telephonist bench dialer-campaigns`
shows the 100 ms look again where it is: docs/performance.md.)"""

import pytest

from telephonist.dialer.lists import import_rows
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.dialer.harness import running_dialer

NUMBERS = [NumberBehaviour("1390*", "busy"), NumberBehaviour("1380*", "answer", after_rings=1)]
STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "max_attempts": 1,
            "retry": {"busy": None}, "batch": 1}
IN_CALL = ("dialing", "proceeding", "up")


@pytest.mark.long
async def test_a_line_that_clears_is_dialled_again_at_once(tmp_path):
    async with running_dialer(tmp_path, NUMBERS, lines=1) as d:
        cid = d.store.create_campaign("busy-lines", "notice", "agentless", "bill_notice", "out", STRATEGY)
        rows = [[f"r{i}", f"13{8 if i % 2 else 9}000000{i:02d}", "1"] for i in range(6)]
        import_rows(d.store.engine, cid, ["name", "phone", "amount"], rows, {"name": "name", "phones": "phone"})
        d.store.set_state(cid, "running")
        watcher = await d.chand.client("watcher")
        await watcher.call("subscribe", lines=True, topics=["dialer"])
        m = watcher.mark()
        service = await d.start()
        await watcher.wait_for(lambda e: e.get("event") == "published" and e["body"].get("kind") == "campaign_finished",
                               since=m, timeout=60)
        attempts = d.rows("SELECT id, outcome FROM dl_attempts WHERE campaign_id = :c ORDER BY id", c=cid)
        assert [a["outcome"] for a in attempts] == ["busy", "answered"] * 3
        await d.chand.board.recorder.drain()                  # chand writes its call records behind
        legs = {r["call_id"]: r for r in d.rows("SELECT call_id, started_at, ended_at FROM call_legs")}
        assert all(legs[f"dl-{a['id']}"]["started_at"] for a in attempts), legs
        line = [e for e in watcher.events if e.get("event") == "line_state" and e.get("chan") == "pstn/1"]
        dials = [e for e in line if e.get("signal") == "dial"]
        ended = [e["time_ms"] for e in line if e.get("previous") in IN_CALL and e.get("state") in ("clearing", "idle")]
        assert len(dials) == 6 and len(ended) == 6, line
        gaps = [dial["time_ms"] - max(t for t in ended if t <= dial["time_ms"]) for dial in dials[1:]]
        assert all(0 <= g < 500 for g in gaps), gaps       # engine ms from a call's end to the next dial
        measured = service.latency.figures(cid)
        assert measured["dials"] == 5 and measured["engine_p99_ms"] < 500, measured
        status = await watcher.request("dialer", {"action": "status"})
        assert status["pass_ms"]["passes"] >= 6 and status["pass_ms"]["p99_ms"] is not None
