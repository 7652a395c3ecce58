"""The Erlang C check: the whole stack (chand's engine clock and lines, the ACD, agents' phones) run as a
queue with c agents, Poisson arrivals and exponential handling, reports the probability of waiting and
the average speed of answer of the Erlang C formula for the same lambda, mu, c.

Raw figures of a queue converge slowly (a few thousand calls leave ±15-40 % on the average wait, whatever
simulates the queue), so the estimate is sharpened with a control variate: the same random arrivals and
handling times are run through an ideal first-come-first-served queue (erlang.fifo_waits), whose mean
is known to be the formula's, and the estimate is formula + mean(stack's wait - ideal queue's wait) per
caller. What the stack adds or loses (an agent not rung while a caller waits, a phone's ring time, a
caller served out of turn) shows in those differences, and their confidence interval is the estimate's.
"""
from __future__ import annotations

import asyncio
import json

import pytest

from telephonist.acd import erlang
from tests.acd.harness import running_acd
from tests.acd.poisson import PoissonRun, caller_number, drive

pytestmark = pytest.mark.long       # minutes of calls on the lockstep clock: make test, not test-fast

AGENTS = 5
MEAN_TALK_S = 30.0
CALLS = 2000
WARM_UP = 200                   # callers left out at the start (the queue starts empty)


def agents_toml(c: int) -> str:
    return "".join(f'[[agents]]\nnumber = "{1001 + i}"\nextension = "{8001 + i}"\nqueues = ["q"]\n' for i in range(c))


QUEUE = """
[[queues]]
name = "q"
strategy = "longest_idle"
wrapup_s = 0
ring_timeout_s = 30
record = "none"
"""


def estimate(waits: list[float], ideal: list[float], theory: float) -> dict[str, float]:
    raw, raw_hw = erlang.batch_mean_ci(waits)
    diff, hw = erlang.batch_mean_ci([w - r for w, r in zip(waits, ideal)])
    value = theory + diff
    return {"formula": round(theory, 4), "estimate": round(value, 4), "ci95": round(hw, 4),
            "ci95_rel": round(hw / value, 4), "error_rel": round(value / theory - 1, 4),
            "raw": round(raw, 4), "raw_ci95": round(raw_hw, 4)}


async def run_queue(tmp_path, load: float, seed: int) -> dict:
    mu = 1.0 / MEAN_TALK_S
    lam = load * AGENTS * mu
    async with running_acd(tmp_path, QUEUE, agents_toml(AGENTS), caller_lines=120, phones=AGENTS,
                           records=False) as acd:
        for i in range(AGENTS):
            await acd.login(str(1001 + i), str(8001 + i))
        run = PoissonRun(lam, MEAN_TALK_S, CALLS + WARM_UP, seed=seed)
        await drive(acd, run, phone_of=lambda agent: acd.phone(str(int(agent) + 7000)))
        await asyncio.wait_for(run.done.wait(), 1800)
        rows = {r["caller"]: r for r in acd.rows("SELECT caller, wait_ms, outcome FROM acd_calls")}
    assert run.blocked == 0, "the callers' span was too small for the run"
    got = [rows[caller_number(i)] for i in range(len(run.arrivals))]
    assert all(r["outcome"] == "answered" for r in got)
    waits = [r["wait_ms"] / 1000.0 for r in got][WARM_UP:]
    ideal = erlang.fifo_waits(run.arrivals, run.services, AGENTS)[WARM_UP:]
    ring_s = min(waits)                         # an agent's phone rings before anyone talks: every wait has it
    waited = [1.0 if w > ring_s + 0.1 else 0.0 for w in waits]
    ideal_waited = [1.0 if r > 0 else 0.0 for r in ideal]
    return {"agents": AGENTS, "load": load, "lambda_per_s": round(lam, 6), "mean_talk_s": MEAN_TALK_S,
            "calls": len(waits), "warm_up": WARM_UP, "ring_s": ring_s,
            "p_wait": estimate(waited, ideal_waited, erlang.p_wait(AGENTS, lam / mu)),
            "asa_s": estimate(waits, ideal, erlang.asa(AGENTS, lam, mu))}


@pytest.mark.parametrize("load,seed", [(0.7, 11), (0.9, 12)])
async def test_the_queue_waits_as_erlang_c_says(tmp_path, load, seed):
    report = await run_queue(tmp_path, load, seed)
    print(json.dumps(report))
    for figure in ("p_wait", "asa_s"):
        f = report[figure]
        assert abs(f["error_rel"]) <= 0.10, f"{figure}: {f}"
        assert f["ci95_rel"] <= 0.05, f"{figure}: the confidence interval is too wide: {f}"
