"""Applications' timers run on the engine clock: a five-minute wait takes five minutes of engine time,
and far less on a fast clock."""
import pytest

from telephonist.client import ApiCallError
from tests.support.chand_harness import SpanSpec, running_chand


async def test_timers_fire_in_engine_time_in_order_and_can_be_cancelled(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 1)]) as chand:
        acd = await chand.client("acd")
        mark = acd.mark()
        set_long = await acd.call("timer", ms=300_000, key="max_wait:c1")
        set_short = await acd.call("timer", ms=30_000, key="announce:c1")
        long, short = set_long["timer"], set_short["timer"]
        gone = (await acd.call("timer", ms=60_000, key="wrapup:1001"))["timer"]
        assert (await acd.call("timer_cancel", timer=gone))["cancelled"] is True
        assert (await acd.call("timer_cancel", timer=gone))["cancelled"] is False
        first = await acd.wait_for("timer", since=mark, timeout=60)
        second = await acd.wait_for(lambda e: e.get("event") == "timer" and e["timer"] == long, since=mark, timeout=60)
        assert (first["timer"], first["key"], second["key"]) == (short, "announce:c1", "max_wait:c1")
        # each fires its own time after it was set, to the frame (the engine clock, whatever the machine's load)
        assert set_short["due_ms"] - set_short["time_ms"] == 30_000
        assert 0 <= first["time_ms"] - set_short["due_ms"] <= 40
        assert 0 <= second["time_ms"] - set_long["due_ms"] <= 40
        assert not [e for e in acd.events[mark:] if e.get("event") == "timer" and e["timer"] == gone]
        for bad in (dict(ms=0), dict(ms=10 ** 12), dict(ms=10, key="x" * 200)):
            with pytest.raises(ApiCallError) as e:
                await acd.call("timer", **bad)
            assert e.value.code == "bad_request"
        # a session's timers go with it
        other = await chand.client("other")
        await other.call("timer", ms=1000)
        await other.close()
        await acd.call("timer", ms=2000, key="after")
        await acd.wait_for(lambda e: e.get("event") == "timer" and e["key"] == "after", since=mark, timeout=60)
        assert len(chand.board.timers) < 50
