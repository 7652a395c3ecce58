"""The client library applications use: a waiter's own mistake does not stop the client."""
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
