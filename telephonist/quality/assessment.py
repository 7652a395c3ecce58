"""The staff assessment (考核): per agent over a period, the quality score next to the workload and the errors,
combined with weights the supervisor chooses; and each team's (queue's) average score week by week.

    assessment = (w_quality * average score
                  + w_workload * min(100, 100 * calls answered / the agents' mean)
                  + w_errors * max(0, 100 - 50 * fatal items failed)) / (w_quality + w_workload + w_errors)

Every figure that goes into it is shown beside it, so an agent can see how theirs was made.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, cast, func, select
from sqlalchemy.engine import Connection

from telephonist.acd.schema import calls as acd_calls
from telephonist.quality.schema import reviews


@dataclass(frozen=True)
class Weights:
    quality: int = 60
    workload: int = 30
    errors: int = 10

    def __post_init__(self) -> None:
        if min(self.quality, self.workload, self.errors) < 0 or self.quality + self.workload + self.errors == 0:
            raise ValueError("weights are 0 or more, and not all 0")


def agent_rows(conn: Connection, since: datetime, until: datetime, weights: Weights,
               agents: set[str] | None = None) -> list[dict[str, Any]]:
    r = reviews.c
    scored = dict(((row.agent), row) for row in conn.execute(
        select(r.agent, func.count().label("reviews"), func.avg(r.score).label("avg_score"),
               func.sum(cast(r.fatal_failed, Integer)).label("fatal"))
        .where(and_(r.call_at >= since, r.call_at < until)).group_by(r.agent)))
    c = acd_calls.c
    handle = func.coalesce(c.talk_ms, 0) + func.coalesce(c.hold_ms, 0) + func.coalesce(c.wrapup_ms, 0)
    work = dict(((row.agent), row) for row in conn.execute(
        select(c.agent, func.count().label("calls"), func.avg(handle).label("aht_ms"))
        .where(and_(c.answered_at >= since, c.answered_at < until, c.agent.is_not(None))).group_by(c.agent)))
    names = set(scored) | set(work)
    if agents is not None:
        names &= agents
    mean_calls = (sum(work[a].calls for a in names if a in work) / len(names)) if names else 0
    total = weights.quality + weights.workload + weights.errors
    out = []
    for agent in sorted(names):
        s, w = scored.get(agent), work.get(agent)
        calls = w.calls if w else 0
        avg = round(float(s.avg_score), 1) if s else None
        fatal = int(s.fatal or 0) if s else 0
        workload = min(100.0, 100.0 * calls / mean_calls) if mean_calls else 0.0
        errors = max(0.0, 100.0 - 50.0 * fatal)
        assessment = (round((weights.quality * avg + weights.workload * workload + weights.errors * errors) / total, 1)
                      if avg is not None else None)
        out.append({"agent": agent, "reviews": s.reviews if s else 0, "avg_score": avg, "fatal": fatal,
                    "calls": calls, "aht_s": round(float(w.aht_ms) / 1000) if w and w.aht_ms is not None else None,
                    "workload": round(workload, 1), "errors": round(errors, 1), "assessment": assessment})
    return out


def team_weeks(conn: Connection, since: datetime, until: datetime, week_starts: list[datetime]) -> dict[str, Any]:
    """Average score per queue and week: {"weeks": [...], "rows": [{"queue", "scores": [avg or None per week]}]}."""
    r = reviews.c
    acc: dict[str, list[list[float]]] = {}
    for row in conn.execute(select(r.queue, r.call_at, r.score).where(and_(r.call_at >= since, r.call_at < until))):
        i = max(n for n, start in enumerate(week_starts) if start <= row.call_at) if week_starts else 0
        acc.setdefault(row.queue, [[] for _ in week_starts])[i].append(row.score)
    rows = [{"queue": q, "scores": [round(sum(v) / len(v), 1) if v else None for v in weeks]}
            for q, weeks in sorted(acc.items())]
    return {"weeks": week_starts, "rows": rows}


def week_starts(since: datetime, until: datetime) -> list[datetime]:
    """Monday-midnight edges from the week containing ``since`` (in since's time zone) until ``until``."""
    start = (since - timedelta(days=since.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    while start < until:
        out.append(start)
        start += timedelta(days=7)
    return out
