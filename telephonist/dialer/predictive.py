"""Predictive pacing: how many more numbers to dial now so that agents wait little and few answered people
find no agent — one pure function, its inputs and its decision logged.

At any moment some calls are on their way (dialled, not yet answered or failed), some agents are ready and
some are busy talking or wrapping up. In the next connect window (the mean time from dial to a person's
answer) each call on its way, and each new one, is answered by a person with the measured answer rate p; each
busy agent comes free with probability q = 1 - exp(-window / mean handle time). So the answers A are
Binomial(on_way + n, p) and the agents free then F = ready + Binomial(busy, q). An answer with no agent free
is abandoned (the caller hears the recorded message). The function dials the largest n whose expected
abandonment E[max(0, A - F)] / E[A] stays within the budget, and at least what progressive dialling would
(one call per agent free now that no call is on its way to).

The budget is the limit (3 % of answered calls in US and UK rules) with a margin, lowered as the abandonment
measured today and over the rolling 30 days nears the limit, and 0 once either reaches it: the campaign then
dials no more than progressively until the rates fall back.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass

log = logging.getLogger("telephonist.dialer")

MARGIN = 0.8            # aim at 80 % of the limit


@dataclass(frozen=True)
class PredictiveInputs:
    campaign: str
    ready_agents: int           # ready now, no call on its way to them
    busy_agents: int            # talking or wrapping up
    on_way: int                 # dialled, not yet answered or failed
    answer_rate: float          # measured share of dials a person answers (0-1)
    connect_s: float            # measured mean time from dial to a person's answer
    handle_s: float             # measured mean talk + wrap-up
    max_dials: int              # what lines and the strategy's batch allow now
    limit: float = 0.03         # abandoned / answered
    abandon_today: float | None = None
    abandon_30d: float | None = None


@dataclass(frozen=True)
class PredictiveDecision:
    dials: int
    budget: float               # the abandonment aimed at for this decision
    expected_abandon: float     # E[abandoned] / E[answered] with these dials
    expected_free: float        # agents expected free in the window


def _binomial(n: int, p: float) -> list[float]:
    pmf = [1.0]
    for _ in range(n):
        nxt = [0.0] * (len(pmf) + 1)
        for k, v in enumerate(pmf):
            nxt[k] += v * (1 - p)
            nxt[k + 1] += v * p
        pmf = nxt
    return pmf


def budget(i: PredictiveInputs) -> float:
    worst = max(x for x in (i.abandon_today, i.abandon_30d, 0.0) if x is not None)
    aim = MARGIN * i.limit
    if worst >= i.limit:
        return 0.0
    if worst <= aim:
        return aim
    return aim * (i.limit - worst) / (i.limit - aim)


def decide(i: PredictiveInputs) -> PredictiveDecision:
    p = min(max(i.answer_rate, 0.01), 1.0)
    q = 1 - math.exp(-max(i.connect_s, 0.1) / max(i.handle_s, 1.0))
    progressive = max(0, min(i.max_dials, i.ready_agents - i.on_way))
    free_pmf = [0.0] * i.ready_agents + _binomial(max(0, i.busy_agents), q)      # F = ready + Bin(busy, q)
    expected_free = sum(f * v for f, v in enumerate(free_pmf))
    b = budget(i)
    # G(a): expected answers beyond the free agents when a people answer
    cap = max(0, i.on_way) + max(0, i.max_dials)
    over = [sum(v * max(0, a - f) for f, v in enumerate(free_pmf)) for a in range(cap + 1)]
    answers = _binomial(max(0, i.on_way), p)
    best, best_ratio = 0, _ratio(answers, over, i.on_way * p)
    for n in range(1, max(0, i.max_dials) + 1):
        nxt = [0.0] * (len(answers) + 1)
        for k, v in enumerate(answers):
            nxt[k] += v * (1 - p)
            nxt[k + 1] += v * p
        answers = nxt
        ratio = _ratio(answers, over, (i.on_way + n) * p)
        if ratio > b and n > progressive:
            break
        best, best_ratio = n, ratio
    decision = PredictiveDecision(max(best, progressive), b, round(best_ratio, 4), round(expected_free, 2))
    log.info("event=dialer_predictive campaign=%s ready=%d busy=%d on_way=%d answer_rate=%.3f connect_s=%.1f "
             "handle_s=%.1f max_dials=%d abandon_today=%s abandon_30d=%s budget=%.4f dials=%d expected_abandon=%.4f "
             "expected_free=%.2f", i.campaign, i.ready_agents, i.busy_agents, i.on_way, p, i.connect_s, i.handle_s,
             i.max_dials, i.abandon_today, i.abandon_30d, b, decision.dials, decision.expected_abandon,
             decision.expected_free)
    return decision


def _ratio(answers: list[float], over: list[float], expected_answers: float) -> float:
    if expected_answers <= 0:
        return 0.0
    return sum(v * over[a] for a, v in enumerate(answers) if a < len(over)) / expected_answers
