"""Queue and agent statistics per interval, from the ACD's tables (what wallboards and reports show).

Per queue and interval (by the time callers joined the queue):
    offered            callers who joined
    answered           ... and reached an agent
    abandoned          ... and hung up waiting (or while an agent's phone rang)
    abandoned_short    ... within `short_abandon_s` (5 s): not counted against the service level
    answered_in_sl     answered within the queue's service-level threshold
    service_level      answered_in_sl / (offered - abandoned_short - still waiting), None with no calls
    avg_wait_ms        average speed of answer (answered callers' waits)
    p90_wait_ms        the wait 90 % of the answered callers did not exceed (nearest rank)
    longest_wait_ms    the longest wait of any caller, whatever became of it
    aht_ms             average handle time: talk + hold + wrap-up of the answered calls
    timeout, callback, moved    callers who left for the queue's timeout target, for a call back, elsewhere

Per agent and interval (from acd_agent_log, each state's time cut at the interval's edges):
    login_ms, ready_ms, not_ready_ms (and not_ready_by_reason), ringing_ms (reserved + ringing), talk_ms,
    hold_ms, wrapup_ms, outbound_ms, calls (answered in the interval), calls_made (its own calls out),
    aht_ms = (talk + hold + wrap-up) / calls, occupancy = (talk + hold + wrap-up + outbound) / (that + ready +
    ringing), None when the agent was never available.

Dispositions: how many calls of each queue ended with each wrap-up code, in the period.

A period is cut into equal intervals, or (`Period.at_edges`) at given times: calendar days and months of the
site's time zone, which are not all the same length.

The sums are made in Python over the rows of the period, read in one pass in time order: the same code
on SQLite and PostgreSQL.
"""
from __future__ import annotations

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from telephonist.acd import schema as T

SHORT_ABANDON_S = 5
HANDLING = ("talk_ms", "hold_ms", "wrapup_ms", "outbound_ms")
STATE_FIELD = {"ready": "ready_ms", "not_ready": "not_ready_ms", "reserved": "ringing_ms", "ringing": "ringing_ms",
               "on_call": "talk_ms", "on_hold": "hold_ms", "wrap_up": "wrapup_ms", "outbound": "outbound_ms"}


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    interval: timedelta                 # 0: the whole period as one interval (unless edges are given)
    edges: tuple[datetime, ...] = ()    # the intervals' starts, when they are not all alike (start first)

    @classmethod
    def at_edges(cls, edges: list[datetime], end: datetime) -> "Period":
        return cls(edges[0], end, timedelta(0), tuple(edges))

    def buckets(self) -> list[datetime]:
        if self.edges:
            return list(self.edges)
        if not self.interval:
            return [self.start]
        out, t = [], self.start
        while t < self.end:
            out.append(t)
            t += self.interval
        return out

    def bucket_of(self, at: datetime) -> datetime:
        if self.edges:
            return self.edges[max(0, bisect.bisect_right(self.edges, at) - 1)]
        if not self.interval:
            return self.start
        return self.start + self.interval * int((at - self.start) / self.interval)

    def bucket_end(self, start: datetime) -> datetime:
        if self.edges:
            i = bisect.bisect_right(self.edges, start)
            return self.edges[i] if i < len(self.edges) else self.end
        return min(self.end, start + self.interval) if self.interval else self.end


def queue_stats(conn: Connection, period: Period, service_levels: dict[str, int],
                queues: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """One row per queue and interval that had callers. service_levels: queue -> threshold in seconds."""
    c = T.calls.c
    stmt = sa.select(c.queue, c.entered_at, c.outcome, c.wait_ms, c.talk_ms, c.hold_ms, c.wrapup_ms).where(
        c.entered_at >= period.start, c.entered_at < period.end).order_by(c.entered_at)
    if queues is not None:
        stmt = stmt.where(c.queue.in_(list(queues)))
    acc: dict[tuple[str, datetime], dict[str, Any]] = {}
    for r in conn.execute(stmt):
        key = (r.queue, period.bucket_of(r.entered_at))
        a = acc.get(key)
        if a is None:
            a = acc[key] = dict(offered=0, answered=0, abandoned=0, abandoned_short=0, answered_in_sl=0,
                                timeout=0, callback=0, moved=0, waiting=0, _wait=0, _handled=0, _handle=0,
                                longest_wait_ms=0, _waits=[])
        a["offered"] += 1
        wait = r.wait_ms or 0
        a["longest_wait_ms"] = max(a["longest_wait_ms"], wait)
        if r.outcome == "answered":
            a["answered"] += 1
            a["_wait"] += wait
            a["_waits"].append(wait)
            if wait <= service_levels.get(r.queue, 20) * 1000:
                a["answered_in_sl"] += 1
            if r.talk_ms is not None:
                a["_handled"] += 1
                a["_handle"] += (r.talk_ms or 0) + (r.hold_ms or 0) + (r.wrapup_ms or 0)
        elif r.outcome == "abandoned":
            a["abandoned"] += 1
            if wait < SHORT_ABANDON_S * 1000:
                a["abandoned_short"] += 1
        elif r.outcome in ("timeout", "callback", "moved"):
            a[r.outcome] += 1
        else:
            a["waiting"] += 1                   # no outcome yet: still in the queue (or being called back)
    rows = []
    for (queue, start), a in sorted(acc.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        base = a["offered"] - a["abandoned_short"] - a["waiting"]
        wait_sum, handled, handle, waits = a.pop("_wait"), a.pop("_handled"), a.pop("_handle"), a.pop("_waits")
        rows.append({"queue": queue, "start": start.isoformat(), "end": period.bucket_end(start).isoformat(), **a,
                     "service_level": round(a["answered_in_sl"] / base, 4) if base > 0 else None,
                     "avg_wait_ms": round(wait_sum / a["answered"]) if a["answered"] else None,
                     "p90_wait_ms": percentile(waits, 0.9),
                     "aht_ms": round(handle / handled) if handled else None})
    return rows


def percentile(values: list[int], share: float) -> int | None:
    """The nearest-rank percentile: the smallest value that `share` of the values do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def dispositions(conn: Connection, period: Period, queues: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """How many answered calls of each queue (joined in the period) ended with each disposition code."""
    c = T.calls.c
    code = sa.func.coalesce(c.wrapup_code, "")
    stmt = sa.select(c.queue, code.label("code"), sa.func.count().label("calls")).where(
        c.entered_at >= period.start, c.entered_at < period.end, c.outcome == "answered").group_by(c.queue, code)
    if queues is not None:
        stmt = stmt.where(c.queue.in_(list(queues)))
    return [{"queue": r.queue, "code": r.code, "calls": r.calls}
            for r in conn.execute(stmt.order_by(c.queue, sa.desc("calls"), code))]


def agent_stats(conn: Connection, period: Period, agents: Iterable[str] | None = None,
                now: datetime | None = None) -> list[dict[str, Any]]:
    """One row per agent and interval in which it was logged in. `now` ends the state agents are in still
    (default: the period's end)."""
    log = T.agent_log.c
    chosen = list(agents) if agents is not None else None
    before = sa.select(sa.func.max(log.id).label("id")).where(log.at < period.start).group_by(log.agent)
    if chosen is not None:
        before = before.where(log.agent.in_(chosen))
    last_before = sa.select(log.agent, log.at, log.to_state, log.reason, log.signal).where(
        log.id.in_(before.scalar_subquery()))
    within = sa.select(log.agent, log.at, log.to_state, log.reason, log.signal).where(
        log.at >= period.start, log.at < period.end)
    if chosen is not None:
        within = within.where(log.agent.in_(chosen))
    state: dict[str, tuple[datetime, str, str]] = {}
    acc: dict[tuple[str, datetime], dict[str, Any]] = defaultdict(_agent_row)
    for r in conn.execute(last_before):
        state[r.agent] = (period.start, r.to_state, r.reason or "")
    for r in conn.execute(within.order_by(log.at, log.id)):
        if r.agent in state:
            _spend(acc, period, r.agent, *state[r.agent], r.at)
        state[r.agent] = (r.at, r.to_state, r.reason or "")
        if r.signal == "answer" and r.to_state == "on_call":
            acc[(r.agent, period.bucket_of(r.at))]["calls"] += 1
        elif r.signal == "dial":
            acc[(r.agent, period.bucket_of(r.at))]["calls_made"] += 1
    end = min(period.end, now) if now is not None else period.end
    for agent, st in state.items():
        _spend(acc, period, agent, *st, max(end, st[0]))
    rows = []
    for (agent, start), a in sorted(acc.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if not a["login_ms"] and not a["calls"]:
            continue
        busy = sum(a[k] for k in HANDLING)
        available = busy + a["ready_ms"] + a["ringing_ms"]
        handle = a["talk_ms"] + a["hold_ms"] + a["wrapup_ms"]
        rows.append({"agent": agent, "start": start.isoformat(), "end": period.bucket_end(start).isoformat(), **a,
                     "not_ready_by_reason": dict(a["not_ready_by_reason"]),
                     "aht_ms": round(handle / a["calls"]) if a["calls"] else None,
                     "occupancy": round(busy / available, 4) if available else None})
    return rows


def _agent_row() -> dict[str, Any]:
    return dict(login_ms=0, ready_ms=0, not_ready_ms=0, ringing_ms=0, talk_ms=0, hold_ms=0, wrapup_ms=0,
                outbound_ms=0, calls=0, calls_made=0, not_ready_by_reason=defaultdict(int))


def _spend(acc, period: Period, agent: str, since: datetime, state: str, reason: str, until: datetime) -> None:
    """The time from `since` to `until` in `state`, shared out over the intervals it crosses."""
    if state == "logged_out" or until <= since:
        return
    t = max(since, period.start)
    until = min(until, period.end)
    while t < until:
        bucket = period.bucket_of(t)
        stop = min(until, period.bucket_end(bucket))
        ms = int((stop - t).total_seconds() * 1000)
        a = acc[(agent, bucket)]
        a["login_ms"] += ms
        a[STATE_FIELD[state]] += ms
        if state == "not_ready":
            a["not_ready_by_reason"][reason or "none"] += ms
        t = stop
