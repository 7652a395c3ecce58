"""Queue and agent statistics: what happened to callers and agents, summed per interval from what the ACD
wrote (acd_calls, acd_agent_log), as a wallboard or a report asks for them."""
from datetime import datetime, timedelta, timezone

import pytest

from telephonist.client import ApiCallError
from tests.acd.harness import running_acd

QUEUES = """
[[queues]]
name = "sales"
strategy = "linear"
wrapup_s = 5
service_level_s = 20
"""
AGENTS = """
[[agents]]
number = "1001"
extension = "8001"
queues = ["sales"]
"""


async def engine_time_passes(t, ms: int) -> None:
    mark = t.mark()
    handle = (await t.call("timer", ms=ms))["timer"]
    await t.wait_for(lambda e: e.get("event") == "timer" and e["timer"] == handle, since=mark)


def near(value: int, expected: int) -> bool:
    """Engine time, counted in 20 ms frames: an event lands on a frame's edge."""
    return abs(value - expected) <= 60


async def test_a_day_of_one_queue_adds_up(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t = acd.tester
        since = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
        await acd.login("1001", "8001")
        # caller A talks, is held for 2 s, talks on; the agent hangs up and wraps up (5 s), noting a sale
        mark, m = t.mark(), acd.desk.mark()
        await acd.call(caller="13900000001")
        await t.wait_for("far", far=acd.phone("8001"), what="ringing", since=mark)
        await t.call("sim.answer", far=acd.phone("8001"))
        await acd.wait_agent("1001", "on_call", since=m)
        await engine_time_passes(t, 3000)
        await acd.ask("hold", agent="1001")
        await engine_time_passes(t, 2000)
        await acd.ask("unhold", agent="1001")
        await engine_time_passes(t, 1000)
        m = acd.desk.mark()
        await t.call("sim.hangup", far=acd.phone("8001"))
        await acd.wait_agent("1001", "wrap_up", since=m)
        await acd.ask("disposition", agent="1001", code="sale", note="two lines, fibre")
        await acd.wait_agent("1001", "ready", since=m)
        # on a break, B gives up after 2 s (a short abandon) and C after 30 s
        await acd.ask("not_ready", agent="1001", reason="break")
        for caller, patience in (("13900000002", 2000), ("13900000003", 30000)):
            m = acd.desk.mark()
            far = await acd.call(caller=caller)
            await acd.queued(caller, since=m)
            await engine_time_passes(t, patience)
            await t.call("sim.hangup", far=far)
            await acd.desk.wait_for(lambda e, c=caller: e.get("event") == "published"
                                    and e["body"]["kind"] == "caller_left" and e["body"].get("caller") == c, since=m)
        await acd.ask("ready", agent="1001")
        await acd.service.roster.drain()
        await acd.service.store.writer.submit(lambda c: None)      # what was written before is committed

        row = acd.rows("SELECT * FROM acd_calls WHERE caller = '13900000001'")[0]
        assert (row["wrapup_code"], row["note"]) == ("sale", "two lines, fibre")
        assert near(row["hold_ms"], 2000) and near(row["talk_ms"], 4000) and near(row["wrapup_ms"], 5000)

        period = {"from": since, "to": acd.service.wall().isoformat()}       # both askings see the same time
        whole = await acd.ask("stats", **period, interval_min=0)
        [q] = whole["queues"]
        assert {k: q[k] for k in ("queue", "offered", "answered", "abandoned", "abandoned_short", "answered_in_sl",
                                  "waiting")} == {"queue": "sales", "offered": 3, "answered": 1, "abandoned": 2,
                                                  "abandoned_short": 1, "answered_in_sl": 1, "waiting": 0}
        assert q["service_level"] == 0.5                    # 1 in 20 s of 2 (the short abandon does not count)
        assert q["aht_ms"] == row["talk_ms"] + row["hold_ms"] + row["wrapup_ms"]
        assert q["avg_wait_ms"] == row["wait_ms"] and near(q["longest_wait_ms"], 30000)
        [ag] = whole["agents"]
        assert ag["agent"] == "1001" and ag["calls"] == 1
        assert near(ag["hold_ms"], 2000) and near(ag["talk_ms"], 4000) and near(ag["wrapup_ms"], 5000)
        assert 32000 <= ag["not_ready_by_reason"]["break"] <= 32300     # the two waits, and the callers' set-up
        states = ("ready_ms", "not_ready_ms", "ringing_ms", "talk_ms", "hold_ms", "wrapup_ms", "outbound_ms")
        assert ag["login_ms"] == sum(ag[k] for k in states)
        busy = ag["talk_ms"] + ag["hold_ms"] + ag["wrapup_ms"]
        assert ag["occupancy"] == round(busy / (busy + ag["ready_ms"] + ag["ringing_ms"]), 4)

        # in quarter hours the same, shared out
        quarters = await acd.ask("stats", **period, interval_min=15)
        assert sum(r["offered"] for r in quarters["queues"]) == 3
        assert sum(r["login_ms"] for r in quarters["agents"]) == ag["login_ms"]
        assert all(r["end"] > r["start"] for r in quarters["queues"] + quarters["agents"])

        # a wallboard (role monitor) may look; nobody may ask for nonsense
        wallboard = await acd.chand.client("wallboard", role="monitor")
        assert (await wallboard.request("queue", {"action": "stats", "from": since}))["queues"][0]["offered"] == 3
        for bad in ({"from": "yesterday"}, {"interval_min": -1}, {"from": since, "to": since},
                    {"from": "2020-01-01T00:00:00Z", "interval_min": 1}, {"queues": "sales"}):
            with pytest.raises(ApiCallError) as exc:
                await acd.ask("stats", **bad)
            assert exc.value.code == "bad_request"
