"""`telephonist bench dialer-campaigns`: many campaigns at once, each against itself alone, on the lockstep clock.

The real daemons run in this process, as the tests run them: chand on the lockstep (simulated) engine clock with
sim spans, ivrd and the dialer. Every campaign is an agentless notice campaign with its own list and its own lines
(a span of `lines` E1 channels, its own trunk group), so nothing but the dialer is shared between them. Each
number of a list does, drawn with the seed (the same draws for every campaign, in every round):

    answers    60 %   after one ring; the flow plays a 2 s notice, sets its result and hangs up
    busy       20 %   refused at once
    no answer  20 %   rings until the dialer's 30 s ring timeout

A round runs N campaigns together for `minutes` simulated minutes from the dialer's first pass, on a fresh
system (database, chand, ivrd, dialer); the first round is one campaign alone, the reference. Per campaign: its
dials per simulated minute, and the time from a line of it coming free (an attempt's end) to the dial that takes it, in engine ms (what the
customer would see) and in wall ms (what the dialer's work costs on this machine); per round: each pass's wall
time (p50, p99). A campaign is starved when its dials per minute fall below STARVED of the reference's. The
engine time stands still while the daemons work (lockstep), so the engine figures do not depend on the machine;
the wall figures do, and the round's wall time is reported.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import shutil
import struct
import sys
import tempfile
import time
import wave
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SHARES = {"answer": 0.6, "busy": 0.2, "no_answer": 0.2}
PREFIX = {"answer": "1381", "busy": "1370", "no_answer": "1360"}
START = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
log = logging.getLogger("telephonist.bench")
STARVED = 0.8                    # below this share of the reference's dials per minute a campaign counts as starved
NOTICE_S = 2.0
WALL_LIMIT_S = 600                # a round whose simulated time stops passing for this long is reported stalled
FLOW = """
[flow]
description = "bench notice"
start = "notice"
language = "zh"

[nodes.notice]
type = "play"
prompts = ["zh/notice.wav"]
next = "heard"

[nodes.heard]
type = "set"
vars = { result = "'notified'" }
next = "bye"

[nodes.bye]
type = "hangup"
"""


def _tone(path: str, seconds: float) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    n = int(8000 * seconds)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(3000 * ((i // 10) % 2 * 2 - 1))) for i in range(n)))


def numbers_for(campaign: int, count: int, seed: int) -> list[str]:
    """The k-th campaign's list: the same draws for every campaign (its own numbers), so that any difference
    between campaigns is what they do to each other."""
    rng = random.Random(seed)
    kinds = list(SHARES)
    weights = [SHARES[k] for k in kinds]
    return [f"{PREFIX[rng.choices(kinds, weights)[0]]}{campaign:02d}{i:05d}" for i in range(count)]


async def run_round(n: int, lines: int, minutes: float, seed: int, tmp: str) -> dict[str, Any]:
    import sqlalchemy as sa

    from telephonist.chand.assembly import SpanSpec, TrunkGroupSpec, assemble
    from telephonist.chand.core import ChandCore, CoreSettings
    from telephonist.client import Client
    from telephonist.config.model import IvrdConfig
    from telephonist.dialer import schema as T
    from telephonist.dialer.lists import import_rows
    from telephonist.dialer.service import DialerService
    from telephonist.dialer.store import DialerStore
    from telephonist.drivers.sim.far_end import NumberBehaviour
    from telephonist.engine import Clock
    from telephonist.ivrd.flow_loader import LoadOptions, load_flows
    from telephonist.ivrd.service import IvrService
    from telephonist.ivrd.services import IvrServices
    from telephonist.storage import migrate

    db_url = f"sqlite:///{tmp}/telephonist.db"
    await asyncio.to_thread(migrate, db_url)
    prompts, flows = f"{tmp}/prompts", f"{tmp}/flows"
    _tone(f"{prompts}/zh/notice.wav", NOTICE_S)
    os.makedirs(flows, exist_ok=True)
    Path(flows, "notice.toml").write_text(FLOW)
    numbers = [NumberBehaviour(f"{PREFIX['answer']}*", "answer", after_rings=1),
               NumberBehaviour(f"{PREFIX['busy']}*", "busy"), NumberBehaviour(f"{PREFIX['no_answer']}*", "no_answer")]
    spans = [SpanSpec(f"c{k}", "e1", lines) for k in range(n)]
    groups = [TrunkGroupSpec(f"out{k}", [f"c{k}/*"]) for k in range(n)]
    sock = f"{tmp}/chand.sock"
    core = await ChandCore.start(
        CoreSettings(socket=sock, clock=Clock.LOCKSTEP, db_url=db_url, node="bench", max_channels=n * lines * 2 + 16),
        lambda engine, recorder: assemble(engine, spans, trunk_groups=groups, numbers=numbers, recorder=recorder,
                                          recordings_dir=tmp, prompts_dir=prompts, play_dirs=(tmp,)))
    clients: list[Client] = []

    async def client(app: str) -> Client:
        c = await Client.connect_unix(sock, app=app)
        c.keep_events = False
        clients.append(c)
        return c

    settings = IvrdConfig(flows_dir=flows, languages=("zh",))
    services = IvrServices(settings=settings, database_url=db_url, prompts_dir=prompts,
                           recordings_dir=f"{tmp}/recordings", state_dir=tmp)
    flowset = load_flows(flows, LoadOptions(prompts_dir=prompts, languages=("zh",), lookup_sources=frozenset()))
    IvrService(await client("ivr"), services, flowset)
    store = DialerStore(db_url)
    per_list = int(lines * minutes * 60 / 1.5) + 50       # more than the lines can dial in the time
    strategy = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "batch": lines, "max_attempts": 1,
                "retry": {k: None for k in ("busy", "no_answer", "machine", "failed")}}
    ids = []
    for k in range(n):
        cid = store.create_campaign(f"notice-{k:02d}", "notice", "agentless", "notice", f"out{k}", strategy)
        import_rows(store.engine, cid, ["name", "phone"], [[f"r{i}", num] for i, num in
                                                          enumerate(numbers_for(k, per_list, seed))],
                    {"name": "name", "phones": "phone"})
        store.set_state(cid, "running")
        ids.append(cid)

    drv = await client("bench")
    done = asyncio.Event()
    end_ms = 0

    async def on_timer(ev: dict[str, Any]) -> None:
        nonlocal end_ms
        if ev.get("key") == "end":
            end_ms = int(ev["time_ms"])
            done.set()
    drv.on("timer", on_timer)
    dialer = DialerService(await client("dialer"), store, starts_at=START)
    wall0 = time.perf_counter()
    await dialer.start()
    # The round is the `minutes` from the dialer's first pass (what its start cost before it is not the
    # campaigns'); the end timer, set a moment later, fires after that, and dials after it are not counted.
    window_ms = int(minutes * 60_000)
    await drv.call("timer", ms=window_ms, key="end")
    log.info("event=bench_round_started campaigns=%d", n)
    try:
        await asyncio.wait_for(done.wait(), WALL_LIMIT_S)
    except asyncio.TimeoutError:                 # the engine stood still: say so, with what was measured
        log.error("event=bench_round_stalled campaigns=%d", n)
    wall = time.perf_counter() - wall0
    stalled = not done.is_set()
    if stalled:
        end_ms = int((await drv.call("status"))["time_ms"])
    assert dialer.origin is not None and dialer.started_ms is not None
    end_ms = min(end_ms, dialer.started_ms + window_ms)
    until = dialer.origin + timedelta(milliseconds=end_ms)      # dials after the end (while this counts) are not
    with store.engine.connect() as conn:
        dials = dict(conn.execute(sa.select(T.attempts.c.campaign_id, sa.func.count()).where(
            T.attempts.c.outcome.is_distinct_from("unplaced"), T.attempts.c.claimed_at < until)
            .group_by(T.attempts.c.campaign_id)).all())
    campaigns = [{"campaign": f"notice-{k:02d}", "dials_per_min": round(dials.get(cid, 0) / minutes, 1),
                  "line_free_to_dial": dialer.latency.figures(cid)} for k, cid in enumerate(ids)]
    result = {"campaigns": n, "pass_ms": dialer.latency.figures(), "wall_s": round(wall, 1),
              "dials": sum(dials.values()), "stalled": stalled, "per_campaign": campaigns}
    log.info("event=bench_round_done campaigns=%d dials=%d wall_s=%.1f", n, result["dials"], wall)
    for step in [*(c.close() for c in clients), core.stop(), services.close()]:
        try:                                     # a daemon slow to stop does not hold the figures back
            await asyncio.wait_for(step, 60)
        except (asyncio.TimeoutError, Exception) as exc:   # noqa: BLE001 - the figures are taken already
            log.warning("event=bench_stop_slow error=%r", exc)
    store.close()
    return result


def summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The reference (the first round: one campaign alone) and, per round, the slowest campaign against it."""
    ref = rounds[0]["per_campaign"][0]["dials_per_min"]
    for r in rounds:
        rates = [c["dials_per_min"] for c in r["per_campaign"]]
        starved = [c["campaign"] for c in r["per_campaign"] if c["dials_per_min"] < STARVED * ref]
        p99s = [c["line_free_to_dial"]["engine_p99_ms"] for c in r["per_campaign"]
                if c["line_free_to_dial"]["engine_p99_ms"] is not None]
        wall99 = [c["line_free_to_dial"]["wall_p99_ms"] for c in r["per_campaign"]
                  if c["line_free_to_dial"]["wall_p99_ms"] is not None]
        r["min_dials_per_min"], r["max_dials_per_min"] = min(rates), max(rates)
        r["worst_vs_reference"] = round(min(rates) / ref, 3) if ref else None
        r["starved"] = starved
        r["worst_engine_p99_ms"] = max(p99s, default=None)
        r["worst_wall_p99_ms"] = max(wall99, default=None)
    return {"reference_dials_per_min": ref, "reference": rounds[0], "rounds": rounds}


async def measure(counts: list[int], lines: int, minutes: float, seed: int) -> dict[str, Any]:
    base = tempfile.mkdtemp(prefix="telephonist-bench-campaigns-")
    rounds = []
    try:
        for n in counts:
            tmp = os.path.join(base, f"n{n}")
            os.makedirs(tmp)
            rounds.append(await run_round(n, lines, minutes, seed, tmp))
            print(json.dumps({k: v for k, v in rounds[-1].items() if k != "per_campaign"}), file=sys.stderr,
                  flush=True)            # each round's figures as it ends
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return {**summary(rounds), "lines_per_campaign": lines, "minutes": minutes, "seed": seed, "numbers": SHARES,
            "ring_s": {"answer": 1, "no_answer": 30, "busy": 0}, "notice_s": NOTICE_S, "starved_below": STARVED,
            "clock": "lockstep (simulated)"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--campaigns", default="1,5,20,50",
                   help="campaigns running together in each round (comma separated); the first round is the reference")
    p.add_argument("--lines", type=int, default=2, help="lines of each campaign")
    p.add_argument("--minutes", type=float, default=3.0, help="simulated minutes of each round")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("telephonist.chand.switchboard").setLevel(logging.ERROR)   # the daemons' goodbyes at the end
    counts = [int(x) for x in args.campaigns.split(",") if x.strip()]
    if not counts or min(counts) < 1 or counts[0] != 1:
        raise SystemExit("--campaigns: whole numbers, the first 1 (one campaign alone: the reference)")
    result = asyncio.run(measure(counts, args.lines, args.minutes, args.seed))
    if args.json:
        print(json.dumps(result))
    else:
        print(f"one campaign alone: {result['reference_dials_per_min']} dials/min")
        for r in result["rounds"]:
            print(f"{r['campaigns']:>3} campaigns: {r['min_dials_per_min']}-{r['max_dials_per_min']} dials/min each "
                  f"({r['worst_vs_reference']:.0%} of alone at worst), line free to dial p99 "
                  f"{r['worst_engine_p99_ms']} ms engine / {r['worst_wall_p99_ms']} ms wall, pass p50/p99 "
                  f"{r['pass_ms']['p50_ms']}/{r['pass_ms']['p99_ms']} ms, starved: {r['starved'] or 'none'}, "
                  f"wall {r['wall_s']} s")
    return 0
