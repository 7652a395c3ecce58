"""Shift patterns, rosters and attendance from the ACD's agent log, on SQLite and PostgreSQL: a late login, an
early logout, an absence, an on-time shift and an overnight one, with the minutes each."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from telephonist.acd.schema import agent_log
from telephonist.shifts import attendance, store
from telephonist.shifts.store import ShiftError

TZ = ZoneInfo("Asia/Shanghai")
MON = date(2026, 11, 30)                       # a Monday


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, datetime.min.time(), TZ) + timedelta(hours=hh, minutes=mm)


def _log(conn, agent: str, moves: list[tuple[datetime, str, str]]) -> None:
    conn.execute(sa.insert(agent_log), [dict(agent=agent, at=t, from_state=a, to_state=b, signal="x", reason="")
                                        for t, a, b in moves])


def test_patterns_and_rosters_refuse_bad_input_and_follow_the_weekdays(engine):
    with engine.begin() as conn:
        day = store.add_pattern(conn, "早班", "08:00", "16:00", "54321", 5)
        for bad in (("", "08:00", "16:00", "1", 5), ("x", "8:00", "16:00", "1", 5), ("y", "08:00", "08:00", "1", 5),
                    ("z", "08:00", "16:00", "8", 5), ("早班", "09:00", "17:00", "1", 5)):
            with pytest.raises(ShiftError):
                store.add_pattern(conn, *bad)
        assert store.assign(conn, ["1001", "1002"], day, MON, MON + timedelta(days=6)) == 10   # Mon-Fri each
        night = store.add_pattern(conn, "夜班", "22:00", "06:00", "67", 0)
        assert store.assign(conn, ["1001"], night, MON + timedelta(days=4), MON + timedelta(days=6)) == 2
        with pytest.raises(ShiftError):
            store.assign(conn, ["1001"], day, MON, MON + timedelta(days=200))
        with pytest.raises(ShiftError):
            store.remove_pattern(conn, day)
        mine = store.roster(conn, MON, MON + timedelta(days=6), "1001")
        assert [(r["day"].isoweekday(), r["name"]) for r in mine] == [(1, "早班"), (2, "早班"), (3, "早班"), (4, "早班"),
                                                                       (5, "早班"), (6, "夜班"), (7, "夜班")]
        assert store.clear(conn, ["1002"], MON, MON + timedelta(days=6)) == 5
        assert store.pattern_list(conn)[0]["name"] == "早班"


def test_attendance_from_the_agent_log(engine):
    with engine.begin() as conn:
        day = store.add_pattern(conn, "day", "08:00", "16:00", "1234567", 5)
        night = store.add_pattern(conn, "night", "22:00", "06:00", "1234567", 5)
        store.assign(conn, ["1001", "1002", "1003"], day, MON, MON)
        store.assign(conn, ["1004"], night, MON, MON)
        store.assign(conn, ["1001"], day, MON + timedelta(days=1), MON + timedelta(days=1))
        _log(conn, "1001", [(at(MON, 7, 58), "logged_out", "not_ready"), (at(MON, 8, 0), "not_ready", "ready"),
                            (at(MON, 12), "ready", "logged_out"), (at(MON, 12, 30), "logged_out", "ready"),
                            (at(MON, 16, 2), "ready", "logged_out")])
        _log(conn, "1002", [(at(MON, 8, 20), "logged_out", "ready"), (at(MON, 15, 0), "on_call", "logged_out")])
        _log(conn, "1004", [(at(MON, 21, 55), "logged_out", "ready"),
                            (at(MON + timedelta(days=1), 6, 1), "ready", "logged_out")])
        now = at(MON + timedelta(days=1), 9, 0)               # the Tuesday day shift of 1001 is under way
        rows = attendance.report(conn, MON, MON + timedelta(days=1), TZ, now)
    got = {(r["agent"], r["day"]): (r["status"], r["late_min"], r["early_min"], r["logged_in_min"]) for r in rows}
    assert got == {
        ("1001", MON): ("on_time", 0, 0, 450),                # 8:00-12:00 and 12:30-16:00
        ("1002", MON): ("late_and_early_leave", 20, 60, 400),
        ("1003", MON): ("absent", 0, 0, 0),
        ("1004", MON): ("on_time", 0, 0, 480),                # overnight, logged in across midnight
        ("1001", MON + timedelta(days=1)): ("absent", 0, 0, 0),
    }
    late = next(r for r in rows if r["agent"] == "1002")
    assert late["first_login"] == at(MON, 8, 20) and late["last_logout"] == at(MON, 15)
    summary = attendance.summary(rows)
    assert summary["1002"] == {"shifts": 1, "on_time": 0, "late": 1, "early_leave": 1, "absent": 0, "late_min": 20}
    assert summary["1001"]["shifts"] == 2 and summary["1001"]["absent"] == 1


def test_a_shift_not_begun_and_an_agent_logged_in_from_before_the_log_window(engine):
    with engine.begin() as conn:
        day = store.add_pattern(conn, "day", "08:00", "16:00", "1234567", 5)
        store.assign(conn, ["1001", "1002"], day, MON + timedelta(days=3), MON + timedelta(days=3))
        thursday = MON + timedelta(days=3)
        # 1001 logged in on Monday and stayed: its first entry in the window is a change between logged-in states
        _log(conn, "1001", [(at(MON, 9), "logged_out", "ready"), (at(thursday, 10), "ready", "on_call")])
        rows = attendance.report(conn, thursday, thursday, TZ, at(thursday, 7, 0))
        assert {r["status"] for r in rows} == {"not_started"}
        rows = attendance.report(conn, thursday, thursday, TZ, at(thursday, 17, 0))
    got = {r["agent"]: (r["status"], r["logged_in_min"]) for r in rows}
    assert got == {"1001": ("on_time", 480), "1002": ("absent", 0)}
