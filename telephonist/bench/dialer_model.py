"""`telephonist bench dialer-model`: predictive pacing (telephonist/dialer/predictive.py) against progressive
dialling on a model of a campaign — the pacing function alone, decisions every second, calls and agents
simulated event by event (not the engine; the end-to-end benchmark on sim lines is `bench dialer`).

The model, stated: 50 agents for 8 hours. A dial is answered by a person with probability 0.25 after a ring
time uniform in 4-20 s; otherwise it ends unanswered after 25 s (55 %), busy after 2-4 s (12 %) or as a
machine detected 2.5 s after an answer uniform in 4-20 s (8 %). A call a person answers with no agent free is
abandoned. Talk is log-normal (mean 120 s, s.d. 60 s), wrap-up 15 s. The pacing sees only what a dialer
measures: the answer rate, mean connect and handle times of the calls so far (starting from neutral guesses),
and the abandonment so far. Occupancy: talk and wrap-up over the agents' logged-in time.
"""
from __future__ import annotations

import argparse
import heapq
import json
import math
import random
from dataclasses import dataclass, field
from typing import Any

from telephonist.dialer.predictive import PredictiveInputs, decide

AGENTS = 50
HOURS = 8.0
P_PERSON, P_NOANSWER, P_BUSY = 0.25, 0.55, 0.12          # the rest: machines
WRAP_S = 15.0


@dataclass(order=True)
class _Ev:
    at: float
    seq: int
    kind: str = field(compare=False)
    data: Any = field(compare=False, default=None)


def _talk(rng: random.Random) -> float:
    mean, sd = 120.0, 60.0
    sigma2 = math.log(1 + (sd / mean) ** 2)
    return rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))


def simulate(mode: str, seed: int = 1, agents: int = AGENTS, hours: float = HOURS,
             lines: int = 200) -> dict[str, Any]:
    rng = random.Random(seed)
    end = hours * 3600
    events: list[_Ev] = []
    seq = 0

    def at(t: float, kind: str, data: Any = None) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, _Ev(t, seq, kind, data))

    ready, busy, on_way = agents, 0, 0
    busy_s = 0.0
    dials = answered = abandoned = 0
    connect_sum, connect_n, handle_sum, handle_n = 0.0, 0, 0.0, 0
    decisions = 0
    at(0.0, "pace")
    while events:
        ev = heapq.heappop(events)
        t = ev.at
        if t >= end and ev.kind == "pace":
            continue
        if ev.kind == "pace":
            decisions += 1
            room = lines - on_way
            if mode == "progressive":
                n = max(0, min(room, ready - on_way))
            else:
                n = decide(PredictiveInputs(
                    "model", ready, busy, on_way, (answered / dials) if dials >= 50 else 0.3,
                    (connect_sum / connect_n) if connect_n else 12.0,
                    (handle_sum / handle_n) if handle_n else 120.0, max(0, room),
                    abandon_today=(abandoned / answered) if answered >= 50 else None)).dials
            for _ in range(n):
                dials += 1
                on_way += 1
                u = rng.random()
                if u < P_PERSON:
                    at(t + rng.uniform(4, 20), "person", t)
                elif u < P_PERSON + P_NOANSWER:
                    at(t + 25.0, "gone")
                elif u < P_PERSON + P_NOANSWER + P_BUSY:
                    at(t + rng.uniform(2, 4), "gone")
                else:
                    at(t + rng.uniform(4, 20) + 2.5, "gone")
            at(t + 1.0, "pace")
        elif ev.kind == "gone":
            on_way -= 1
        elif ev.kind == "person":
            on_way -= 1
            answered += 1
            connect_sum += t - ev.data
            connect_n += 1
            if ready > 0:
                ready -= 1
                busy += 1
                handle = _talk(rng) + WRAP_S
                at(t + handle, "free", (t, handle))
            else:
                abandoned += 1
        elif ev.kind == "free":
            start, handle = ev.data
            busy -= 1
            ready += 1
            handle_sum += handle
            handle_n += 1
            busy_s += min(t, end) - start
        if t >= end and not any(e.kind in ("free",) for e in events):
            break
    return {"occupancy": round(busy_s / (agents * end), 3),
            "abandon_rate": round(abandoned / answered, 4) if answered else 0.0,
            "answered": answered, "abandoned": abandoned, "dials": dials, "decisions": decisions}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--hours", type=float, default=HOURS)
    p.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    pred = simulate("predictive", args.seed, hours=args.hours)
    prog = simulate("progressive", args.seed, hours=args.hours)
    result = {"agents": AGENTS, "hours": args.hours, "occupancy": pred["occupancy"],
              "abandon_rate": pred["abandon_rate"], "progressive_occupancy": prog["occupancy"],
              "progressive_abandon_rate": prog["abandon_rate"], "predictive": pred, "progressive": prog}
    print(json.dumps(result) if args.json else
          f"predictive: occupancy {pred['occupancy']:.1%}, abandoned {pred['abandon_rate']:.2%} of "
          f"{pred['answered']} answered; progressive: occupancy {prog['occupancy']:.1%}")
    return 0
