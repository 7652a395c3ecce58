"""`telephonist bench dialer`: a predictive campaign against a progressive one, end to end, on the lockstep clock.

The real daemons run in this process, as the tests run them: chand on the lockstep (simulated) engine clock
with sim spans (E1 lines to the simulated public network, one FXS phone per agent), the ACD (one queue, all
agents) and the dialer. Simulated agents log in and are ready; their phones answer at the first ring and hang
up when the call's drawn talk time has passed; the queue's wrap-up follows. The campaign's list holds one
number per record; what each number does when dialled is drawn (and stated in the output):

    a person       25 %   answers after 1, 2, 3 or 4 rings (1, 6, 11, 16 s; equally likely), says "hello?"
    a machine      15 %   answers after 2 rings with a voicemail greeting (the campaign's AMD hangs up on it)
    no answer      35 %   rings until the dialer's 30 s ring timeout
    busy           25 %   refused at once

Talk time: 30 s + an exponential of mean 90 s (mean 120 s); wrap-up 10 s. The same list and the same draws
(seed) run twice, each on a fresh system: the campaign in mode `predictive`, then in `progressive` (the
reference). Occupancy is the share of the agents' logged-in time on a call (reserved, ringing, talking, on hold,
wrapping up) over the run; the abandonment rate is abandoned / answered (by a person) calls of the campaign,
from dl_attempts. The engine time stands still while the daemons work, so the figures do not depend on the
machine; the wall time does, and is reported.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import shutil
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

LINES_PER_SPAN = 30
SHARES = {"person": 0.25, "machine": 0.15, "no_answer": 0.35, "busy": 0.25}
TALK_MIN_S, TALK_EXP_MEAN_S, WRAPUP_S = 30.0, 90.0, 10
START = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PREFIX = {"busy": "1370", "no_answer": "1360", "machine": "1350"}      # a person: 138N (N rings)


@dataclass
class Draws:
    """What each record's number does and each answered call's talk time, drawn once for both runs."""
    kinds: list[str]
    talk_s: list[float]

    @classmethod
    def make(cls, n: int, seed: int) -> "Draws":
        rng = random.Random(seed)
        names, weights = list(SHARES), list(SHARES.values())
        return cls(rng.choices(names, weights, k=n), [TALK_MIN_S + rng.expovariate(1 / TALK_EXP_MEAN_S)
                                                      for _ in range(n)])

    def number(self, i: int) -> str:
        kind = self.kinds[i]
        prefix = PREFIX.get(kind) or f"138{1 + i % 4}"
        return f"{prefix}{i:07d}"


@dataclass
class Occupancy:
    """Each agent's time on calls, from the ACD's agent_state events (engine ms)."""
    busy_since: dict[str, int] = field(default_factory=dict)
    busy_ms: int = 0
    logged_since: dict[str, int] = field(default_factory=dict)

    until: int | None = None           # the run's end (engine ms): later changes are not the run's

    BUSY = ("reserved", "ringing", "on_call", "on_hold", "wrap_up")

    def state(self, agent: str, state: str, now: int) -> None:
        if self.until is not None and now > self.until:
            return
        if state != "logged_out":
            self.logged_since.setdefault(agent, now)
        if state in self.BUSY:
            self.busy_since.setdefault(agent, now)
        elif agent in self.busy_since:
            self.busy_ms += now - self.busy_since.pop(agent)

    def share(self, end: int, start: int) -> float:
        busy = self.busy_ms + sum(end - t for t in self.busy_since.values())
        logged = sum(end - max(start, t) for t in self.logged_since.values())
        return busy / logged if logged else 0.0


def _config(tmp: str, agents: int, spans: int) -> str:
    lines = [f"""
[system]
state_dir = "{tmp}"
prompts_dir = "{tmp}/prompts"
[database]
url = "sqlite:///{tmp}/telephonist.db"
[[spans]]
name = "phones"
driver = "sim"
type = "fxs"
channels = {agents}
extensions = {[str(8001 + i) for i in range(agents)]}
[[trunk_groups]]
name = "desks"
lines = ["phones/*"]
"""]
    for s in range(spans):
        lines.append(f'[[spans]]\nname = "pstn{s}"\ndriver = "sim"\ntype = "e1"\nchannels = {LINES_PER_SPAN}\n')
    lines.append('[[trunk_groups]]\nname = "out"\nlines = [' + ", ".join(f'"pstn{s}/*"' for s in range(spans)) + "]\n")
    lines.append(f'[acd]\nagents_trunk_group = "desks"\n[[queues]]\nname = "sales"\nwrapup_s = {WRAPUP_S}\n')
    for i in range(agents):
        lines.append(f'[[agents]]\nnumber = "{1001 + i}"\nextension = "{8001 + i}"\nqueues = ["sales"]\n')
    return "".join(textwrap.dedent(x) for x in lines)


def _voices(tmp: str) -> tuple[str, str]:
    """The person's "hello?" and the machine's greeting (espeak-ng and sox, as the AMD corpus makes them)."""
    from telephonist.bench.amd_corpus import speak
    hello, greeting = Path(tmp, "hello.wav"), Path(tmp, "greeting.wav")
    speak("Hello?", "en-us", 160, hello)
    speak("Hi, you have reached the voice mail of John Smith. I cannot take your call right now. Please leave "
          "your name and number after the tone and I will call you back.", "en-us", 160, greeting)
    return str(hello), str(greeting)


async def run_mode(mode: str, draws: Draws, agents: int, hours: float, spans: int, tmp: str,
                   voices: tuple[str, str]) -> dict[str, Any]:
    from telephonist.acd.requests import RequestHandler
    from telephonist.acd.service import AcdService
    from telephonist.acd.store import AcdStore
    from telephonist.chand.assembly import SpanSpec, TrunkGroupSpec, assemble
    from telephonist.chand.core import ChandCore, CoreSettings
    from telephonist.client import Client
    from telephonist.config import load_config
    from telephonist.dialer.lists import import_rows
    from telephonist.dialer.service import DialerService
    from telephonist.dialer.store import DialerStore
    from telephonist.drivers.sim.far_end import NumberBehaviour
    from telephonist.engine import Clock
    from telephonist.prompts import PROMPTS
    from telephonist.storage import migrate

    os.makedirs(f"{tmp}/prompts/zh/dialer", exist_ok=True)
    _abandon_prompt(f"{tmp}/prompts/zh/dialer/abandon.wav", PROMPTS)
    conf = Path(tmp, "telephonist.toml")
    conf.write_text(_config(tmp, agents, spans))
    cfg = load_config(str(conf))
    db_url = cfg.database.url
    await asyncio.to_thread(migrate, db_url)
    hello, greeting = voices
    numbers = [NumberBehaviour(f"138{r}*", "answer", after_rings=r, audio=hello) for r in (1, 2, 3, 4)]
    numbers += [NumberBehaviour("1350*", "machine", after_rings=2, audio=greeting),
                NumberBehaviour("1360*", "no_answer"), NumberBehaviour("1370*", "busy")]
    span_specs = [SpanSpec("phones", "fxs", agents, extensions=[str(8001 + i) for i in range(agents)])]
    span_specs += [SpanSpec(f"pstn{s}", "e1", LINES_PER_SPAN) for s in range(spans)]
    groups = [TrunkGroupSpec("desks", ["phones/*"]), TrunkGroupSpec("out", [f"pstn{s}/*" for s in range(spans)])]
    sock = f"{tmp}/chand.sock"
    core = await ChandCore.start(
        CoreSettings(socket=sock, clock=Clock.LOCKSTEP, db_url=db_url, node="bench",
                     max_channels=(agents + spans * LINES_PER_SPAN) * 2 + 16),
        lambda engine, recorder: assemble(engine, span_specs, trunk_groups=groups, numbers=numbers,
                                          recorder=recorder, recordings_dir=tmp, prompts_dir=f"{tmp}/prompts",
                                          play_dirs=(tmp,)))
    clients: list[Client] = []

    async def client(app: str) -> Client:
        c = await Client.connect_unix(sock, app=app)
        c.keep_events = False
        clients.append(c)
        return c

    acd_store = AcdStore(db_url)
    acd_client = await client("queue")
    acd = AcdService(acd_client, cfg, acd_store, rng=random.Random(1))
    acd_client.serve_requests(RequestHandler(acd))
    await acd.start()
    store = DialerStore(db_url)
    records = len(draws.kinds)
    strategy = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "batch": min(500, spans * LINES_PER_SPAN),
                "max_attempts": 1, "retry": {k: None for k in ("busy", "no_answer", "machine", "failed", "abandoned")},
                "amd": True}
    cid = store.create_campaign("bench", "sales", mode, "sales", "out", strategy)
    import_rows(store.engine, cid, ["name", "phone"], [[f"r{i}", draws.number(i)] for i in range(records)],
                {"name": "name", "phones": "phone"})
    store.set_state(cid, "running")

    # the simulated agents: phones answer at the first ring, hang up after the call's talk time
    drv = await client("bench")
    occupancy = Occupancy()
    talk: dict[int, str] = {}
    done = asyncio.Event()
    end_ms: int | None = None

    async def on_published(ev: dict[str, Any]) -> None:
        body = ev.get("body") or {}
        now = int(body.get("time_ms") or ev.get("time_ms") or 0)
        if body.get("kind") == "agent_state":
            occupancy.state(str(body["agent"]), str(body["state"]), now)
        elif body.get("kind") == "call_answered":
            call_id = str(body.get("call_id") or "")
            i = _record_index(store, call_id)
            seconds = draws.talk_s[i] if i is not None else TALK_MIN_S + TALK_EXP_MEAN_S
            phone = f"phones/{int(body['agent']) - 1000}~far"
            reply = await drv.call("timer", ms=max(1, round(seconds * 1000)), key="talk")
            talk[reply["timer"]] = phone

    async def on_timer(ev: dict[str, Any]) -> None:
        nonlocal end_ms
        phone = talk.pop(ev["timer"], None)
        if phone is not None:
            try:
                await drv.call("sim.hangup", far=phone)
            except Exception:            # the call ended already (the customer's side)
                pass
        elif ev.get("key") == "end":
            end_ms = int(ev["time_ms"])
            done.set()

    drv.on("published", on_published)
    drv.on("timer", on_timer)
    await drv.call("subscribe", lines=False, topics=["queue", "dialer"])
    for i in range(agents):
        await drv.call("sim.take", far=f"phones/{i + 1}~far", auto_answer_rings=1)
    for i in range(agents):
        await drv.request("queue", {"action": "login", "agent": str(1001 + i), "extension": str(8001 + i)})
        await drv.request("queue", {"action": "ready", "agent": str(1001 + i)})
    dialer = DialerService(await client("dialer"), store, starts_at=START)
    wall0 = time.perf_counter()
    await dialer.start()
    # The run is the `hours` from the dialer's first pass (the agents idle before it are not the campaign's);
    # the end timer, set a moment later, fires after that.
    assert dialer.started_ms is not None
    start_ms, run_ms = dialer.started_ms, int(hours * 3600 * 1000)
    occupancy.until = start_ms + run_ms
    await drv.call("timer", ms=run_ms, key="end")
    await done.wait()
    wall = time.perf_counter() - wall0
    assert end_ms is not None
    end_ms = start_ms + run_ms
    result = {"occupancy": round(occupancy.share(end_ms, start_ms), 4), **_attempt_figures(store, cid, dialer, end_ms),
              "wall_s": round(wall, 1)}
    for c in clients:
        await c.close()
    await core.stop()
    store.close()
    await acd_store.close()
    return result


def _record_index(store, call_id: str) -> int | None:
    """The list's row of the record a dialer call id ("dl-N") dialled (for its drawn talk time)."""
    import sqlalchemy as sa

    from telephonist.dialer import schema as T
    from telephonist.dialer.store import attempt_of
    aid = attempt_of(call_id)
    if aid is None:
        return None
    with store.engine.connect() as conn:
        name = conn.execute(sa.select(T.records.c.name).join(T.attempts, T.attempts.c.record_id == T.records.c.id)
                            .where(T.attempts.c.id == aid)).scalar()
    return int(name[1:]) if name else None


def _attempt_figures(store, cid: int, dialer, end_ms: int) -> dict[str, Any]:
    """The campaign's attempts claimed before the run's end (engine ms), by outcome."""
    from datetime import timedelta

    import sqlalchemy as sa

    from telephonist.dialer import schema as T
    until = dialer.origin + timedelta(milliseconds=end_ms)
    with store.engine.connect() as conn:
        rows = dict(conn.execute(sa.select(T.attempts.c.outcome, sa.func.count()).where(
            T.attempts.c.campaign_id == cid, T.attempts.c.claimed_at < until).group_by(T.attempts.c.outcome)).all())
    answered = rows.get("answered", 0) + rows.get("abandoned", 0)
    return {"abandon_rate": round(rows.get("abandoned", 0) / answered, 4) if answered else 0.0,
            "dials": sum(n for k, n in rows.items() if k is not None), "answered": answered,
            "abandoned": rows.get("abandoned", 0), "outcomes": {str(k): n for k, n in rows.items()}}


def _abandon_prompt(path: str, prompts: dict[str, tuple[str, str]]) -> None:
    """The shipped abandoned-call message, made with espeak-ng and sox as `telephonist prompts` makes it."""
    import subprocess

    from telephonist.prompts import espeak_command, sox_command
    voice, text = prompts["zh/dialer/abandon"]
    raw = path + ".raw.wav"
    subprocess.run(espeak_command(voice, text, raw), check=True, capture_output=True)
    subprocess.run(sox_command(raw, path), check=True, capture_output=True)
    os.unlink(raw)


def records_needed(agents: int, hours: float) -> int:
    """Enough numbers that the list does not run out: every agent on calls of the shortest mean length the
    whole time, a quarter of dials answered, and a margin."""
    handle = TALK_MIN_S + TALK_EXP_MEAN_S + WRAPUP_S
    return int(agents * hours * 3600 / handle / SHARES["person"] * 1.5) + 100


async def measure(agents: int, hours: float, seed: int, spans: int) -> dict[str, Any]:
    draws = Draws.make(records_needed(agents, hours), seed)
    base = tempfile.mkdtemp(prefix="telephonist-bench-dialer-")
    try:
        voices = _voices(base)
        out: dict[str, dict[str, Any]] = {}
        for mode in ("predictive", "progressive"):
            tmp = os.path.join(base, mode)
            os.makedirs(tmp)
            out[mode] = await run_mode(mode, draws, agents, hours, spans, tmp, voices)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    pred, prog = out["predictive"], out["progressive"]
    return {"occupancy": pred["occupancy"], "abandon_rate": pred["abandon_rate"],
            "progressive_occupancy": prog["occupancy"], "progressive_abandon_rate": prog["abandon_rate"],
            "goal": {"occupancy": 0.85, "abandon_rate": 0.03},
            "agents": agents, "hours": hours, "lines": spans * LINES_PER_SPAN, "seed": seed,
            "numbers": SHARES, "ring_s": {"person": "1, 6, 11 or 16 (equally likely)", "machine": 6,
                                           "no_answer": 30, "busy": 0},
            "talk_s": f"{TALK_MIN_S:g} + exponential(mean {TALK_EXP_MEAN_S:g})", "wrapup_s": WRAPUP_S,
            "amd": True, "wait_limit_ms": 2000, "clock": "lockstep (simulated)",
            "predictive": pred, "progressive": prog}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--agents", type=int, default=50)
    p.add_argument("--hours", type=float, default=8.0, help="simulated hours of each run")
    p.add_argument("--spans", type=int, default=4, help="E1 spans (30 lines each) to the simulated network")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("telephonist.chand.switchboard").setLevel(logging.ERROR)   # the daemons' goodbyes at the end
    result = asyncio.run(measure(args.agents, args.hours, args.seed, args.spans))
    if args.json:
        print(json.dumps(result))
    else:
        print(f"predictive: occupancy {result['occupancy']:.1%}, abandoned {result['abandon_rate']:.2%} of answered "
              f"calls; progressive: occupancy {result['progressive_occupancy']:.1%} ({args.agents} agents, "
              f"{args.hours:g} simulated hours; wall {result['predictive']['wall_s']} s + "
              f"{result['progressive']['wall_s']} s)")
    return 0
