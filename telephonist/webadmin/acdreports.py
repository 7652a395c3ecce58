"""The queue and agent reports: the ACD's figures (telephonist/acd/stats.py, the same sums the `stats` request
gives wallboards) over the calendar of the site's time zone.

Queue report: per 15 minutes, hour, day or month and per queue — offered, answered, abandoned (and within
5 s), service level, average and 90th-percentile wait, longest wait, average handle time — with the whole
period's line per queue and the dispositions agents gave. Agent report: per agent over the period — login,
ready, not ready by reason, talk, hold, wrap-up, calls answered and made, average handle time, occupancy and
the satisfaction survey's answers bound to the agent. A user without the `calls.all` data right sees only
the agent whose number is theirs.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Connection

from telephonist.acd.stats import Period, agent_stats, dispositions, queue_stats
from telephonist.ivrd.schema import survey_results
from telephonist.webadmin import stats
from telephonist.webadmin.accounts import User

INTERVALS = ("15min", "hour", "day", "month")
MAX_BUCKETS = 3000
QUEUE_SERIES = ("offered", "answered", "abandoned")
QUEUE_COLUMNS = ("offered", "answered", "abandoned", "abandoned_short", "service_level", "avg_wait_s", "p90_wait_s",
                 "longest_wait_s", "aht_s")
AGENT_COLUMNS = ("login", "ready", "not_ready", "talk", "hold", "wrap_up", "calls", "calls_made", "aht",
                 "occupancy", "survey_answers", "satisfied")
STATE_SERIES = ("ready_ms", "not_ready_ms", "ringing_ms", "talk_ms", "hold_ms", "wrapup_ms", "outbound_ms")


def default_range(interval: str, today: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return stats.default_range("hour" if interval == "15min" else interval, today, tz)


def edges(interval: str, since: datetime, until: datetime, tz: ZoneInfo) -> list[datetime]:
    """The starts of the intervals from since to until, on the site's clock (local midnights, first days)."""
    since, until = since.astimezone(tz), until.astimezone(tz)
    if interval == "month":
        t = datetime.combine(since.date().replace(day=1), time(0), tz)
    elif interval == "day":
        t = datetime.combine(since.date(), time(0), tz)
    else:
        step = 15 if interval == "15min" else 60
        t = since.replace(minute=since.minute - since.minute % step, second=0, microsecond=0)
    out: list[datetime] = []
    while t < until:
        out.append(t)
        if len(out) > MAX_BUCKETS:
            raise ValueError(f"at most {MAX_BUCKETS} intervals: choose longer ones or a shorter period")
        if interval == "month":
            t = datetime.combine(date(t.year + (t.month == 12), t.month % 12 + 1, 1), time(0), tz)
        elif interval == "day":
            t = datetime.combine(t.date() + timedelta(days=1), time(0), tz)
        else:
            t = t + timedelta(minutes=15 if interval == "15min" else 60)
    return out


LABELS = {"month": "%Y-%m", "day": "%Y-%m-%d", "hour": "%Y-%m-%d %H:%M", "15min": "%Y-%m-%d %H:%M"}


def label(at: datetime, interval: str, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime(LABELS[interval])


def _s(ms: int | None) -> float | None:
    return None if ms is None else round(ms / 1000.0, 1)


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.1f}%"


@dataclass
class QueueReport:
    interval: str
    since: datetime
    until: datetime
    labels: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)          # per interval and queue
    totals: list[dict[str, Any]] = field(default_factory=list)        # per queue, the whole period
    series: dict[str, list[int]] = field(default_factory=dict)        # offered / answered / abandoned per interval
    dispositions: list[dict[str, Any]] = field(default_factory=list)

    def table(self) -> list[list]:
        return [[r["label"], r["queue"], *(r[c] for c in QUEUE_COLUMNS)] for r in self.rows]


def _queue_row(r: dict[str, Any]) -> dict[str, Any]:
    return {**r, "service_level": _pct(r["service_level"]), "avg_wait_s": _s(r["avg_wait_ms"]),
            "p90_wait_s": _s(r["p90_wait_ms"]), "longest_wait_s": _s(r["longest_wait_ms"]), "aht_s": _s(r["aht_ms"])}


def queue_report(conn: Connection, interval: str, since: datetime, until: datetime, tz: ZoneInfo,
                 service_levels: dict[str, int], queues: list[str] | None = None) -> QueueReport:
    starts = edges(interval, since, until, tz)
    rep = QueueReport(interval, since, until, [label(t, interval, tz) for t in starts])
    if not starts:
        return rep
    period = Period.at_edges(starts, until)
    index = {t: i for i, t in enumerate(starts)}
    rep.series = {s: [0] * len(starts) for s in QUEUE_SERIES}
    for r in queue_stats(conn, period, service_levels, queues):
        i = index[datetime.fromisoformat(r["start"])]
        for s in QUEUE_SERIES:
            rep.series[s][i] += r[s]
        rep.rows.append({**_queue_row(r), "label": rep.labels[i]})
    whole = Period(since, until, timedelta(0))
    rep.totals = [_queue_row(r) for r in sorted(queue_stats(conn, whole, service_levels, queues),
                                                 key=lambda r: r["queue"])]
    rep.dispositions = dispositions(conn, whole, queues)
    return rep


@dataclass
class AgentReport:
    since: datetime
    until: datetime
    rows: list[dict[str, Any]] = field(default_factory=list)

    def table(self) -> list[list]:
        return [[r["agent"], r["name"], *(r[c] for c in AGENT_COLUMNS), r["not_ready_reasons"]] for r in self.rows]


def hms(ms: int) -> str:
    s = int(ms // 1000)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def agent_report(conn: Connection, since: datetime, until: datetime, names: dict[str, str],
                 agents: list[str] | None = None, now: datetime | None = None) -> AgentReport:
    rep = AgentReport(since, until)
    rows = agent_stats(conn, Period(since, until, timedelta(0)), agents, now)
    survey = _survey(conn, since, until, agents)
    for r in sorted(rows, key=lambda r: r["agent"]):
        answers = survey.get(r["agent"], {})
        total = sum(answers.values())
        rep.rows.append({
            "agent": r["agent"], "name": names.get(r["agent"], ""), "login": hms(r["login_ms"]),
            "ready": hms(r["ready_ms"]), "not_ready": hms(r["not_ready_ms"]), "talk": hms(r["talk_ms"]),
            "hold": hms(r["hold_ms"]), "wrap_up": hms(r["wrapup_ms"]), "calls": r["calls"],
            "calls_made": r["calls_made"], "aht": hms(r["aht_ms"]) if r["aht_ms"] is not None else "-",
            "occupancy": _pct(r["occupancy"]), "survey_answers": total,
            "satisfied": _pct(answers.get("satisfied", 0) / total if total else None),
            "not_ready_reasons": ", ".join(f"{k} {hms(v)}" for k, v in sorted(r["not_ready_by_reason"].items())),
            "ms": {k: r[k] for k in STATE_SERIES}})
    return rep


def _survey(conn: Connection, since: datetime, until: datetime, agents: list[str] | None) -> dict[str, dict[str, int]]:
    """Survey answers by the agent the caller spoke to (ivrd's survey node, after the agent's call)."""
    R = survey_results.c
    stmt = select(R.agent, R.answer).where(R.created_at >= since, R.created_at < until)
    if agents is not None:
        stmt = stmt.where(R.agent.in_(agents))
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for agent, answer in conn.execute(stmt):
        out[agent][answer] += 1
    return out


def visible_agents(user: User) -> list[str] | None:
    """Whose figures the user may see: everyone's with `calls.all`, else only the user's own agent's."""
    if user.can("calls.all"):
        return None
    return [user.agent_id] if user.agent_id else []
