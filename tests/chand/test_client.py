"""The client library applications use: a waiter's own mistake does not stop the client; an event that
follows a reply at once still reaches a wait the caller starts right after the reply."""
import pytest

from tests.support.chand_harness import SpanSpec, running_chand


async def test_a_waiter_whose_test_fails_hears_of_it_and_the_client_goes_on(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("e1", "e1", 2)]) as chand:
        c = await chand.client("tester")
        await c.call("subscribe", lines=True)
        with pytest.raises(KeyError):                   # line events have no "far": the test itself is wrong
            waiting = c.expect(lambda e: e["far"] == "nowhere")         # registered now
            await c.call("sim.call", span="e1", caller="1", dialled="2")
            await waiting
        mark = c.mark()
        far = (await c.call("sim.call", span="e1", caller="1", dialled="2"))["far"]
        assert await c.wait_for(lambda e: e.get("event") == "far" and e.get("far") == far, since=mark)


async def test_a_wait_started_right_after_a_reply_sees_the_event_that_came_with_it(tmp_path):
    """A 20 ms timer fires on the next tick, so its event often arrives in the same read as the reply; a
    wait_for(from now on) the caller starts at once must still get it (it used to time out, about one
    round in fifty)."""
    async with running_chand(tmp_path, [SpanSpec("pstn", "fxo", 1)]) as chand:
        c = await chand.client("tester")
        for _ in range(500):
            handle = (await c.call("timer", ms=20))["timer"]
            await c.wait_for(lambda e: e.get("event") == "timer" and e["timer"] == handle, timeout=30)
