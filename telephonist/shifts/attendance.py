"""Attendance: each rostered shift against the agent's time logged in to the ACD.

The ACD logs every change of an agent's state (acd_agent_log, docs/acd.md): leaving ``logged_out`` is a login,
entering it a logout. From those, each agent's logged-in intervals; a shift (its day's start and end in the site's
time zone, an end before the start being the next day) is then

    absent        no logged-in time within the shift (once its start plus the grace has passed)
    late          the first login within the shift came after the start plus the grace
    early_leave   the last logout within the shift came before the end minus the grace (once the shift ended)
    on_time       neither
    not_started   the shift has not begun yet

with the minutes late, the minutes left early and the minutes logged in during the shift.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from telephonist.acd.schema import agent_log
from telephonist.shifts.store import roster

LOOK_AROUND = timedelta(days=1)          # the log read before the first shift and after the last one


@dataclass(frozen=True)
class Shift:
    agent: str
    day: date
    name: str
    start: datetime
    end: datetime
    grace: timedelta


def shift_of(row: dict[str, Any], tz: ZoneInfo) -> Shift:
    start = datetime.combine(row["day"], time.fromisoformat(row["starts"]), tz)
    end = datetime.combine(row["day"], time.fromisoformat(row["ends"]), tz)
    if end <= start:
        end += timedelta(days=1)
    return Shift(row["agent_id"], row["day"], row["name"], start, end, timedelta(minutes=row["grace_min"]))


def logged_in(entries: list[Any], since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
    """The intervals an agent was logged in, from its log entries (oldest first) read between since and until."""
    out: list[tuple[datetime, datetime]] = []
    opened: datetime | None = since if entries and entries[0].from_state != "logged_out" else None
    for e in entries:
        if e.to_state == "logged_out":
            if opened is not None:
                out.append((opened, e.at))
            opened = None
        elif opened is None:
            opened = e.at
    if opened is not None:
        out.append((opened, until))
    return out


def judge(shift: Shift, intervals: list[tuple[datetime, datetime]], now: datetime) -> dict[str, Any]:
    row = {"agent": shift.agent, "day": shift.day, "shift": shift.name, "start": shift.start, "end": shift.end,
           "first_login": None, "last_logout": None, "late_min": 0, "early_min": 0, "logged_in_min": 0}
    if now < shift.start:
        return {**row, "status": "not_started"}
    overlap = [(max(a, shift.start), min(b, shift.end)) for a, b in intervals if a < shift.end and b > shift.start]
    if not overlap:
        return {**row, "status": "absent" if now > shift.start + shift.grace else "not_started"}
    first_in = min(a for a, _ in overlap)
    last_out = max(b for _, b in overlap)
    late = first_in - shift.start if first_in > shift.start + shift.grace else timedelta(0)
    early = shift.end - last_out if now >= shift.end and last_out < shift.end - shift.grace else timedelta(0)
    worked = sum(((b - a) for a, b in overlap), timedelta(0))
    status = "late_and_early_leave" if late and early else "late" if late else "early_leave" if early else "on_time"
    return {**row, "status": status, "first_login": first_in if first_in > shift.start else None,
            "last_logout": last_out if last_out < shift.end else None, "late_min": int(late.total_seconds() // 60),
            "early_min": int(early.total_seconds() // 60), "logged_in_min": int(worked.total_seconds() // 60)}


def report(conn: Connection, first: date, last: date, tz: ZoneInfo, now: datetime,
           agent: str | None = None) -> list[dict[str, Any]]:
    """Every rostered shift from ``first`` to ``last`` (of one agent, or all) judged against the agent log."""
    shifts = [shift_of(r, tz) for r in roster(conn, first, last, agent)]
    if not shifts:
        return []
    since = min(s.start for s in shifts) - LOOK_AROUND
    until = max(s.end for s in shifts) + LOOK_AROUND
    agents = sorted({s.agent for s in shifts})
    q = (select(agent_log.c.agent, agent_log.c.at, agent_log.c.from_state, agent_log.c.to_state)
         .where(and_(agent_log.c.agent.in_(agents), agent_log.c.at >= since, agent_log.c.at < until))
         .order_by(agent_log.c.agent, agent_log.c.at, agent_log.c.id))
    by_agent: dict[str, list[Any]] = {}
    for e in conn.execute(q):
        by_agent.setdefault(e.agent, []).append(e)
    intervals = {a: logged_in(by_agent.get(a, []), since, min(until, now)) for a in agents}
    return [judge(s, intervals[s.agent], now) for s in shifts]


def summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per agent: shifts, on time, late, early leaves, absences, minutes late."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        s = out.setdefault(r["agent"], {"shifts": 0, "on_time": 0, "late": 0, "early_leave": 0, "absent": 0,
                                         "late_min": 0})
        if r["status"] == "not_started":
            continue
        s["shifts"] += 1
        s["late_min"] += r["late_min"]
        if r["status"] in ("on_time", "absent"):
            s[r["status"]] += 1
        s["late"] += r["status"] in ("late", "late_and_early_leave")
        s["early_leave"] += r["status"] in ("early_leave", "late_and_early_leave")
    return out
