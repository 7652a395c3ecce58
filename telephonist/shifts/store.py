"""Shift patterns and rosters. A roster is made by giving an agent a pattern for a range of days: the days of the
pattern's weekdays get a row each (replacing what the agent had on those days); clearing removes the rows."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, delete, insert, select
from sqlalchemy.engine import Connection

from telephonist.shifts.schema import patterns, rosters

CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
DAYS = re.compile(r"^[1-7]{1,7}$")
AGENT = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
MAX_RANGE_DAYS = 92


class ShiftError(ValueError):
    """Refused input (the message says which)."""


def pattern_list(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(select(patterns).order_by(patterns.c.starts, patterns.c.name))]


def add_pattern(conn: Connection, name: str, starts: str, ends: str, days: str, grace_min: int) -> int:
    name, days = name.strip(), "".join(sorted(set(days.strip())))
    if not name or len(name) > 64:
        raise ShiftError("a shift's name is 1 to 64 characters")
    if not CLOCK.match(starts) or not CLOCK.match(ends) or starts == ends:
        raise ShiftError("a shift starts and ends at HH:MM (24 h), not at the same time")
    if not DAYS.match(days):
        raise ShiftError("a shift's days are ISO weekday numbers, 1 (Monday) to 7 (Sunday)")
    if not 0 <= grace_min <= 120:
        raise ShiftError("the grace is 0 to 120 minutes")
    if conn.execute(select(patterns.c.id).where(patterns.c.name == name)).first():
        raise ShiftError(f"there is a shift {name!r} already")
    return int(conn.execute(insert(patterns).values(name=name, starts=starts, ends=ends, days=days,
                                                    grace_min=grace_min)).inserted_primary_key[0])


def remove_pattern(conn: Connection, pattern_id: int) -> str | None:
    """The pattern's name once removed; refused while a roster uses it."""
    name = conn.execute(select(patterns.c.name).where(patterns.c.id == pattern_id)).scalar()
    if name is None:
        return None
    if conn.execute(select(rosters.c.id).where(rosters.c.pattern_id == pattern_id).limit(1)).first():
        raise ShiftError(f"the shift {name!r} is on the roster; clear those days first")
    conn.execute(delete(patterns).where(patterns.c.id == pattern_id))
    return name


def _range(first: date, last: date) -> list[date]:
    if last < first or (last - first).days >= MAX_RANGE_DAYS:
        raise ShiftError(f"the last day is on or after the first, at most {MAX_RANGE_DAYS} days in all")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def assign(conn: Connection, agents: list[str], pattern_id: int, first: date, last: date) -> int:
    """Give each agent the pattern on its weekdays from ``first`` to ``last``; the number of shifts written."""
    days = conn.execute(select(patterns.c.days).where(patterns.c.id == pattern_id)).scalar()
    if days is None:
        raise ShiftError("no such shift")
    if not agents or not all(AGENT.match(a) for a in agents):
        raise ShiftError("choose the agents (their numbers)")
    worked = [d for d in _range(first, last) if str(d.isoweekday()) in days]
    for agent in agents:
        conn.execute(delete(rosters).where(and_(rosters.c.agent_id == agent, rosters.c.day.in_(worked))))
    rows = [{"agent_id": a, "day": d, "pattern_id": pattern_id} for a in agents for d in worked]
    if rows:
        conn.execute(insert(rosters), rows)
    return len(rows)


def clear(conn: Connection, agents: list[str], first: date, last: date) -> int:
    days = _range(first, last)
    return conn.execute(delete(rosters).where(and_(rosters.c.agent_id.in_(agents), rosters.c.day >= days[0],
                                                   rosters.c.day <= days[-1]))).rowcount


def roster(conn: Connection, first: date, last: date, agent: str | None = None) -> list[dict[str, Any]]:
    """The rostered shifts from ``first`` to ``last`` (of one agent, or all), by day and agent."""
    q = (select(rosters.c.agent_id, rosters.c.day, patterns.c.id.label("pattern_id"), patterns.c.name,
                patterns.c.starts, patterns.c.ends, patterns.c.grace_min)
         .select_from(rosters.join(patterns, patterns.c.id == rosters.c.pattern_id))
         .where(and_(rosters.c.day >= first, rosters.c.day <= last)).order_by(rosters.c.day, rosters.c.agent_id))
    if agent is not None:
        q = q.where(rosters.c.agent_id == agent)
    return [dict(r._mapping) for r in conn.execute(q)]
