"""`telephonist bench calls`: call set-ups per second through chand's control API.

Each call: a sim E1 far end sends SETUP, chand offers it to an application (a
separate process, over the Unix socket), which answers, plays a short prompt
and hangs up when it ends; chand writes the call record (SQLite, WAL) and
the line is free again. The engine runs on its real-time clock. The figure
is completed calls per wall-clock second, counted only for calls whose
record was committed.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time

SPANS = 20           # x 30 bearer channels


async def _app(socket: str) -> None:
    from telephonist.client import Client
    c = await Client.connect_unix(socket, app="bench")
    c.keep_events = False

    async def offer(ev):
        await c.call("answer", chan=ev["chan"])

    async def answered(ev):
        await c.call("play", chan=ev["chan"], items=[{"tone": "ringback", "ms": 200}])

    async def played(ev):
        await c.call("hangup", chan=ev["chan"])
    c.on("offer", offer)
    c.on("answered", answered)
    c.on("play_done", played)
    print("ready", flush=True)
    await c.closed.wait()


async def _measure(seconds: float, concurrency: int) -> dict:
    from telephonist.chand.assembly import SpanSpec, assemble
    from telephonist.chand.core import ChandCore, CoreSettings
    from telephonist.drivers.sim.far_end import FarState
    from telephonist.engine import Clock

    tmp = tempfile.mkdtemp(prefix="telephonist-bench-")
    url = f"sqlite:///{tmp}/calls.db"
    sock = os.path.join(tmp, "chand.sock")
    core = await ChandCore.start(
        CoreSettings(socket=sock, clock=Clock.REALTIME, db_url=url, node="bench", max_channels=SPANS * 60 + 16),
        lambda engine, recorder: assemble(engine, [SpanSpec(f"e{i}", "e1", 30) for i in range(SPANS)],
                                          default_route="app:bench", recorder=recorder, recordings_dir=tmp,
                                          prompts_dir=tmp))
    engine, board = core.engine, core.board
    app = subprocess.Popen([sys.executable, "-m", "telephonist.bench.calls_bench", "--app", sock],
                           stdout=subprocess.PIPE, text=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, app.stdout.readline)
    fars = list(board.sim.by_chan.values())
    placed = 0
    lines = board.lines

    def place() -> None:
        nonlocal placed
        busy = sum(1 for f in fars if f.state != FarState.IDLE)
        for f in fars:
            if busy >= concurrency:
                break
            if f.state == FarState.IDLE and lines[f.near_name].state.value == "idle":
                board.sim.call(f, caller="13800000000", dialled="4008001234")
                placed += 1
                busy += 1

    async def generator() -> None:
        while True:
            place()
            await asyncio.sleep(0.005)

    warm = loop.create_task(generator())
    await asyncio.sleep(1.0)                        # warm up: fill the pipeline
    c0 = _closed_count(url)
    t0 = time.perf_counter()
    await asyncio.sleep(seconds)
    c1 = _closed_count(url)
    t1 = time.perf_counter()
    warm.cancel()
    cps = (c1 - c0) / (t1 - t0)
    st = engine.stats()
    app.terminate()
    await loop.run_in_executor(None, app.wait)
    await core.stop()
    return {"cps": round(cps, 1), "calls_completed": c1 - c0, "seconds": round(t1 - t0, 2),
            "concurrency": concurrency, "channels": SPANS * 30, "late_ticks": st.late_ticks,
            "max_tick_work_ms": round(st.work_ns_max / 1e6, 2), "database": "sqlite (WAL)",
            "prompt_ms": 200}


def _closed_count(url: str) -> int:
    import sqlalchemy as sa
    eng = sa.create_engine(url)
    with eng.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM call_legs WHERE ended_at IS NOT NULL")).scalar_one()
    eng.dispose()
    return int(n)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--concurrency", type=int, default=400)
    p.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    import logging
    logging.basicConfig(level=logging.WARNING)
    result = asyncio.run(_measure(args.seconds, args.concurrency))
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['cps']} call set-ups per second ({result['calls_completed']} calls in "
              f"{result['seconds']} s, {result['concurrency']} at once)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--app":
        asyncio.run(_app(sys.argv[2]))
