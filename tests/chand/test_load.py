"""Load: 500 concurrent sim calls, set up and torn down at 100 calls per second for 60 simulated seconds.

The callers are the sim far ends, paced by engine timers; the answering
application is a real control-API client. Every call must leave a closed
record, and the daemon's memory must not grow with the number of calls.
"""
import asyncio
import resource

import pytest

from telephonist.drivers.sim.far_end import FarState
from tests.support.chand_harness import SpanSpec, running_chand

CPS = 100
SECONDS = 60
HOLD_MS = 5000          # 100 calls/s x 5 s = 500 calls up at once


def rss_kib() -> int:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() // 1024


@pytest.mark.slow
async def test_500_concurrent_calls_at_100_cps(tmp_path):
    spans = [SpanSpec(f"e{i}", "e1", 30) for i in range(20)]        # 600 bearer channels
    async with running_chand(tmp_path, spans, default_route="app:load", records=True) as chand:
        board = chand.board
        app = await chand.client("load")
        app.keep_events = False
        peak = {"up": 0}

        async def on_offer(ev):
            await app.call("answer", chan=ev["chan"])

        async def on_answered(ev):
            await app.call("play", chan=ev["chan"], items=[{"silence": HOLD_MS}])
            up = sum(1 for ln in board.lines.values() if ln.state.value == "up")
            peak["up"] = max(peak["up"], up)

        async def on_play_done(ev):
            await app.call("hangup", chan=ev["chan"])

        app.on("offer", on_offer)
        app.on("answered", on_answered)
        app.on("play_done", on_play_done)

        sim = board.sim
        fars = list(sim.by_chan.values())
        placed = {"n": 0, "refused": 0}
        finished = asyncio.Event()
        samples = []

        def place_calls():
            # two calls every 20 ms tick
            for _ in range(CPS // 50):
                idle = next((f for f in fars if f.state == FarState.IDLE
                             and board.lines[f.near_name].state.value == "idle"), None)
                if idle is None:
                    placed["refused"] += 1
                    continue
                sim.call(idle, caller=f"139{placed['n']:08d}", dialled="4008001234")
                placed["n"] += 1
                if placed["n"] in (CPS * 20, CPS * SECONDS):
                    samples.append(rss_kib())
            if placed["n"] + placed["refused"] < CPS * SECONDS:
                board.timers.call_later(20, place_calls)
            else:
                finished.set()
        board.timers.call_later(20, place_calls)
        await asyncio.wait_for(finished.wait(), 600)
        # let every call finish
        for _ in range(600):
            if all(ln.state.value == "idle" for ln in board.lines.values()):
                break
            await asyncio.sleep(0.1)
        await board.recorder.drain()
        assert placed["refused"] == 0
        assert placed["n"] == CPS * SECONDS
        assert peak["up"] >= 450, peak
        legs = await chand.store.recent(CPS * SECONDS + 10)
        assert len(legs) == CPS * SECONDS
        assert all(leg.ended_at is not None for leg in legs)
        assert sum(1 for leg in legs if leg.disposition == "answered") == CPS * SECONDS
        # memory: what 4,000 more calls added after the first 2,000 (warm-up) stays small
        assert samples[1] - samples[0] < 40 * 1024, samples
