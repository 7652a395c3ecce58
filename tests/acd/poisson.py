"""Poisson callers and exponential calls on chand's engine clock, for the Erlang C check.

Every wait is a chand timer, so arrivals and call lengths are in engine time, and a lockstep chand holds
its clock while this driver (and the ACD) handle each event: the figures do not depend on the machine.
Caller i rings in on the "callers" span at arrivals[i] with the number 139xxxxxxxx (i in it) and is
given the handling time services[i] (both drawn here); agents' phones answer at the first ring
(sim.take auto_answer_rings), and a phone hangs up when its caller's handling time has passed since
the ACD connected them.
"""
from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class PoissonRun:
    lam: float                      # arrivals per second
    mean_talk_s: float
    calls: int                      # callers to send in
    seed: int = 1
    arrivals: list[float] = field(default_factory=list)   # engine seconds caller i rang in
    services: list[float] = field(default_factory=list)   # seconds caller i talks with its agent
    finished: int = 0               # calls answered and hung up
    blocked: int = 0                # no idle caller line: the run's span was too small (must stay 0)
    done: asyncio.Event = field(default_factory=asyncio.Event)


def caller_number(i: int) -> str:
    return f"139{i:08d}"


async def drive(acd, run: PoissonRun, phone_of: Callable[[str], str], dialled: str = "40080001234") -> None:
    """Starts sending run.calls callers in; run.done is set once each has been answered and hung up.
    phone_of(agent number) is the far end of the agent's phone."""
    t = acd.tester
    rng = random.Random(run.seed)
    timers: dict[int, str] = {}

    async def later(seconds: float, what: str) -> None:
        reply = await t.call("timer", ms=max(1, round(seconds * 1000)), key=what)
        timers[reply["timer"]] = what

    async def on_timer(ev: dict[str, Any]) -> None:
        what = timers.pop(ev["timer"], None)
        if what == "arrive":
            i = len(run.arrivals)
            run.arrivals.append(ev["time_ms"] / 1000.0)
            run.services.append(rng.expovariate(1.0 / run.mean_talk_s))
            try:
                await t.call("sim.call", span="callers", caller=caller_number(i), dialled=dialled)
            except Exception:
                run.blocked += 1
                _finish()
            if len(run.arrivals) < run.calls:
                await later(rng.expovariate(run.lam), "arrive")
        elif what and what.startswith("talk:"):
            await t.call("sim.hangup", far=what[5:])
            run.finished += 1
            _finish()

    def _finish() -> None:
        if run.finished + run.blocked >= run.calls:
            run.done.set()

    async def on_published(ev: dict[str, Any]) -> None:
        body = ev["body"]
        if body.get("kind") == "call_answered":
            i = int(body["caller"][3:])
            await later(run.services[i], f"talk:{phone_of(body['agent'])}")

    t.on("timer", on_timer)
    t.on("published", on_published)
    await t.call("subscribe", lines=True, topics=["queue"])
    for i in range(acd.phones):
        await t.call("sim.take", far=f"phones/{i + 1}~far", auto_answer_rings=1)
    await later(rng.expovariate(run.lam), "arrive")
