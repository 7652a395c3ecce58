"""On the lockstep clock, what a command sends other applications holds the clock until they acknowledged it, as
an engine event does: news published to subscribers, a request to the application that serves it, a call handed
to another application. The command here comes from outside any event's handler (as an IVR flow's task publishes
a session's end); each receiving handler works a while off the event loop (as a database write does) and reads
the engine time before and after. Without the hold an idle engine ran on meanwhile (some 100 simulated seconds a
wall millisecond with a few sim lines)."""
import asyncio
import time

import pytest

from tests.support.chand_harness import SpanSpec, running_chand

WORK_S = 0.05          # the handler's work away from the event loop


async def _engine_times(client) -> tuple[int, int]:
    """The engine time now and after a piece of work off the event loop (both by `status`)."""
    before = (await client.call("status"))["time_ms"]
    await asyncio.to_thread(time.sleep, WORK_S)
    return before, (await client.call("status"))["time_ms"]


@pytest.mark.parametrize("how", ["publish", "request"])
async def test_what_a_command_sends_holds_the_lockstep_clock_until_handled(tmp_path, how):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)]) as chand:
        ivr = await chand.client("ivr")
        dialer = await chand.client("dialer")
        await dialer.call("subscribe", lines=False, topics=["ivr"])
        handled: asyncio.Queue[tuple[int, int]] = asyncio.Queue()

        async def on_published(ev):
            handled.put_nowait(await _engine_times(dialer))
        dialer.on("published", on_published)

        async def on_request(ev):
            handled.put_nowait(await _engine_times(dialer))
            return {"ok": True}
        dialer.serve_requests(on_request)

        if how == "publish":
            await ivr.call("publish", topic="ivr", event={"kind": "session_ended"})
        else:
            assert await ivr.request("dialer", {"action": "poke"}) == {"ok": True}
        before, after = await asyncio.wait_for(handled.get(), 10)
        assert after == before, f"the clock ran {after - before} ms while the {how} was handled"
