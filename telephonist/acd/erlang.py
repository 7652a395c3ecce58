"""Erlang C: what a queue with c agents, Poisson arrivals (rate lam) and exponential handling (rate mu) is
expected to do: for staffing figures, and to check the ACD against theory (tests/acd/test_erlang_c.py).

    p_wait(c, a)            the probability that a caller waits (a = lam / mu, the offered load in erlangs)
    asa(c, lam, mu)         average speed of answer over all callers: p_wait / (c mu - lam)
    p_wait_longer(...)      the probability that a caller waits longer than t
    fifo_waits(...)         the waits of an ideal first-come-first-served queue for given draws
    batch_mean_ci(...)      a run's mean and its 95 % confidence interval by batch means
"""
from __future__ import annotations

import heapq
import math
import statistics

T95 = {9: 2.262, 19: 2.093, 29: 2.045}   # Student's t, two-sided 95 %, by degrees of freedom


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of c servers offered a erlangs (the stable recurrence, no factorials)."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def p_wait(c: int, a: float) -> float:
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


def asa(c: int, lam: float, mu: float) -> float:
    """Average wait of every caller (those served at once count as 0), in the unit of 1 / lam."""
    if lam >= c * mu:
        return math.inf
    return p_wait(c, lam / mu) / (c * mu - lam)


def p_wait_longer(c: int, lam: float, mu: float, t: float) -> float:
    if lam >= c * mu:
        return 1.0
    return p_wait(c, lam / mu) * math.exp(-(c * mu - lam) * t)


def fifo_waits(arrivals: list[float], services: list[float], c: int) -> list[float]:
    """The waits of an ideal first-come-first-served queue with c agents for these arrival times and
    handling times (the Kiefer-Wolfowitz recursion): what the ACD's waits are compared with, call by call,
    for the same random draws."""
    free = [0.0] * c                     # when each agent is next free (a heap)
    waits = []
    for a, s in zip(arrivals, services):
        start = max(a, heapq.heappop(free))
        waits.append(start - a)
        heapq.heappush(free, start + s)
    return waits


def batch_mean_ci(values: list[float], batches: int = 20) -> tuple[float, float]:
    """The mean of a run's values and the half-width of its 95 % confidence interval by batch means (the
    values of a queue are correlated; batches of consecutive values are nearly independent)."""
    k = len(values) // batches
    if k < 1:
        raise ValueError(f"{len(values)} values cannot make {batches} batches")
    means = [statistics.fmean(values[i * k:(i + 1) * k]) for i in range(batches)]
    return statistics.fmean(values), T95[batches - 1] * statistics.stdev(means) / math.sqrt(batches)

