"""Traffic figures for the reports: calls per hour, day or month, answered, missed and abandoned.

Legs are bucketed in Python in the site's time zone (the same code on SQLite
and PostgreSQL, and hours that follow the local clock). Only the two columns
needed are read, over one bounded range; a site with millions of legs a month
will want SQL-side grouping later.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Connection

from telephonist.storage.schema import call_legs
from telephonist.webadmin.accounts import User
from telephonist.webadmin.calllog import visible

L = call_legs.c
PERIODS = ("hour", "day", "month")
SERIES = ("total", "answered", "missed", "abandoned")
MISSED = {"no_answer", "busy", "failed", "interrupted"}


@dataclass
class Traffic:
    period: str
    since: datetime
    until: datetime
    labels: list[str] = field(default_factory=list)
    rows: dict[str, list[int]] = field(default_factory=dict)      # series -> counts per bucket

    def totals(self) -> dict[str, int]:
        return {k: sum(v) for k, v in self.rows.items()}

    def table(self) -> list[list]:
        return [[lab, *(self.rows[s][i] for s in SERIES)] for i, lab in enumerate(self.labels)]


def default_range(period: str, today: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    if period == "hour":
        start = today
        end = today + timedelta(days=1)
    elif period == "day":
        start, end = today - timedelta(days=29), today + timedelta(days=1)
    else:
        first = today.replace(day=1)
        y, m = first.year, first.month - 11
        while m < 1:
            y, m = y - 1, m + 12
        start = date(y, m, 1)
        end = _next_month(first)
    return datetime.combine(start, time(0), tz), datetime.combine(end, time(0), tz)


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _buckets(period: str, since: datetime, until: datetime) -> list[datetime]:
    out, t = [], since
    while t < until and len(out) < 2000:
        out.append(t)
        if period == "hour":
            t = (t + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        elif period == "day":
            t = datetime.combine(t.date() + timedelta(days=1), time(0), t.tzinfo)
        else:
            t = datetime.combine(_next_month(t.date().replace(day=1)), time(0), t.tzinfo)
    return out


def _key(period: str, t: datetime) -> str:
    return t.strftime({"hour": "%Y-%m-%d %H:00", "day": "%Y-%m-%d", "month": "%Y-%m"}[period])


def traffic(conn: Connection, user: User, period: str, since: datetime, until: datetime, tz: ZoneInfo) -> Traffic:
    if period not in PERIODS:
        raise ValueError(f"period: one of {', '.join(PERIODS)}")
    since, until = since.astimezone(tz), until.astimezone(tz)
    if period == "hour" and until - since > timedelta(days=31):
        raise ValueError("hourly reports cover at most 31 days")
    keys = [_key(period, b) for b in _buckets(period, since, until)]
    index = {k: i for i, k in enumerate(keys)}
    rep = Traffic(period, since, until, keys, {s: [0] * len(keys) for s in SERIES})
    stmt = visible(select(L.started_at, L.disposition, L.direction)
                   .where(L.started_at >= since, L.started_at < until), user)
    for started, disposition, direction in conn.execute(stmt):
        i = index.get(_key(period, started.astimezone(tz)))
        if i is None:
            continue
        rep.rows["total"][i] += 1
        if disposition == "answered":
            rep.rows["answered"][i] += 1
        elif disposition == "abandoned":
            rep.rows["abandoned"][i] += 1
        elif direction == "inbound" and disposition in MISSED:
            rep.rows["missed"][i] += 1
    return rep
