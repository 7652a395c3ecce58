"""Opening hours for flows: schedules.toml in the flows directory, plus the holiday overrides of the database.

    [schedules.office]
    time_zone = "Asia/Shanghai"       # default: the system's ([system] time_zone)
    calendar = "cn"                   # Chinese statutory holidays and make-up working days (chinese-calendar)
    # holidays = "US"                 # or a country's public holidays (holidays package) ...
    # subdivision = "CA"              # ... optionally of a state or province
    hours = { "mon-fri" = "09:00-12:00,13:30-18:00", sat = "09:00-12:00" }
    workday_hours = "09:00-18:00"     # hours of a make-up working day (调休) or a "workday" override;
                                      # default: Monday's hours
    holiday_hours = ""                # hours on a holiday; default "" (closed all day)

A day not in `hours` is closed; "00:00-24:00" is all day. What a date is comes
first from the ivr_holidays table (edited in the web admin: kind holiday or
workday, for one schedule or for all with schedule ""), then from the calendar,
then from the weekday. `Schedule.state_at(when, overrides)` says open, closed or
holiday; it is pure, the node reads the overrides (`load_overrides`).
"""
from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.engine import Connection

from telephonist.config import toml_text
from telephonist.config.locate import key_line
from telephonist.ivrd.schema import holidays as holidays_table

log = logging.getLogger("telephonist.ivrd")

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAME = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
KEYS = ("time_zone", "calendar", "holidays", "subdivision", "hours", "workday_hours", "holiday_hours", "comment")

Span = tuple[int, int]            # minutes after midnight, [start, end)
Problem = tuple[str, int, str]    # file, line, message


@dataclass(frozen=True)
class Override:
    """A row of ivr_holidays: this day is a holiday (closed) or a workday (open on workday_hours)."""
    day: date
    kind: str                     # holiday | workday
    name: str = ""
    schedule: str = ""            # "" = every schedule


@dataclass(frozen=True)
class ScheduleState:
    state: str                    # open | closed | holiday
    day_kind: str                 # normal | holiday | workday
    holiday: str                  # the holiday's (or make-up day's) name, "" on a normal day
    local: datetime               # the time it was judged at, in the schedule's zone


class Calendar:
    """What kind a date is: ("holiday", name), ("workday", name) for a make-up working day, or ("normal", "")."""
    def day(self, d: date) -> tuple[str, str]:
        return "normal", ""


class ChineseCalendar(Calendar):
    """Statutory holidays and 调休 working days, as the State Council publishes them each year
    (chinese-calendar). A year it does not know yet falls back to the holidays package's CN list,
    which has the holidays but not the make-up working days."""
    def __init__(self) -> None:
        self._fallback: Any = None
        self._warned: set[int] = set()

    def day(self, d: date) -> tuple[str, str]:
        import chinese_calendar
        try:
            on_holiday, name = chinese_calendar.get_holiday_detail(d)
        except NotImplementedError:
            return self._fallback_day(d)
        if name is None:
            return "normal", ""            # a plain weekend or weekday
        label = _chinese_name(name)
        return ("holiday", label) if on_holiday else ("workday", label)

    def _fallback_day(self, d: date) -> tuple[str, str]:
        import holidays
        if d.year not in self._warned:
            self._warned.add(d.year)
            log.warning("event=schedule_calendar_year_unknown calendar=cn year=%d using=holidays.CN "
                        "hint=upgrade chinese-calendar for this year's make-up working days", d.year)
        if self._fallback is None:
            self._fallback = holidays.country_holidays("CN")
        name = self._fallback.get(d)
        return ("holiday", name) if name else ("normal", "")


class CountryCalendar(Calendar):
    """Public holidays of a country (and subdivision) from the holidays package."""
    def __init__(self, country: str, subdivision: str = "") -> None:
        import holidays
        self.days = holidays.country_holidays(country, subdiv=subdivision or None)

    def day(self, d: date) -> tuple[str, str]:
        name = self.days.get(d)
        return ("holiday", name) if name else ("normal", "")


@dataclass(frozen=True)
class Schedule:
    name: str
    hours: tuple[tuple[Span, ...], ...]        # Monday .. Sunday
    workday_hours: tuple[Span, ...]
    holiday_hours: tuple[Span, ...] = ()
    time_zone: str = ""                        # "" = the zone of the time given (the system's)
    calendar: Calendar = field(default_factory=Calendar, compare=False)
    file: str = ""
    line: int = 0

    def day_kind(self, d: date, overrides: Iterable[Override] = ()) -> tuple[str, str]:
        """An override for this schedule beats one for all schedules, which beats the calendar."""
        mine = [o for o in overrides if o.day == d and o.schedule in (self.name, "")]
        mine.sort(key=lambda o: o.schedule != self.name)
        if mine:
            return ("holiday" if mine[0].kind == "holiday" else "workday"), mine[0].name
        return self.calendar.day(d)

    def state_at(self, when: datetime, overrides: Iterable[Override] = ()) -> ScheduleState:
        local = when.astimezone(ZoneInfo(self.time_zone)) if self.time_zone and when.tzinfo else when
        kind, name = self.day_kind(local.date(), overrides)
        spans = {"holiday": self.holiday_hours, "workday": self.workday_hours}.get(kind, self.hours[local.weekday()])
        minute = local.hour * 60 + local.minute
        if any(a <= minute < b for a, b in spans):
            return ScheduleState("open", kind, name, local)
        return ScheduleState("holiday" if kind == "holiday" else "closed", kind, name, local)


def load_overrides(conn: Connection, day: date, schedule: str) -> list[Override]:
    """The ivr_holidays rows for a day that concern a schedule."""
    t = holidays_table
    rows = conn.execute(select(t.c.day, t.c.kind, t.c.name, t.c.schedule)
                        .where(t.c.day == day, t.c.schedule.in_([schedule, ""])))
    return [Override(r.day, r.kind, r.name or "", r.schedule or "") for r in rows]


# ---- schedules.toml -------------------------------------------------------------------------------
def parse_schedules(path: str, text: str) -> tuple[dict[str, Schedule], list[Problem]]:
    """Every schedule of a schedules.toml, and its problems with file:line (the flow loader calls this)."""
    problems: list[Problem] = []
    try:
        doc = toml_text.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        return {}, [(path, int(m.group(1)) if m else 1, f"TOML syntax: {exc}")]

    def problem(keys: tuple, message: str) -> None:
        problems.append((path, key_line(text, keys), message))

    for key in doc:
        if key != "schedules":
            problem((key,), f"unknown table [{key}]; schedules.toml has [schedules.NAME] tables")
    tables = doc.get("schedules", {})
    if not isinstance(tables, dict):
        problem(("schedules",), "schedules must be tables: [schedules.NAME]")
        return {}, problems
    found: dict[str, Schedule] = {}
    for name, table in tables.items():
        before = len(problems)
        sched = _parse_one(name, table, path, text, problem)
        if sched is not None and len(problems) == before:
            found[name] = sched
    return found, problems


def schedule_from_table(name: str, table: Any, source: str) -> tuple[Schedule | None, list[str]]:
    """One schedule from a table already read (a dialer campaign's calling windows for a customer type),
    with the keys of schedules.toml: the schedule, or None and what is wrong with it."""
    problems: list[str] = []
    sched = _parse_one(name, table, source, "", lambda keys, message: problems.append(message))
    return (None if problems else sched), problems


def _parse_one(name: str, table: Any, path: str, text: str, problem) -> Schedule | None:
    where = ("schedules", name)
    if not NAME.match(name):
        problem(where, f"schedule name {name!r}: use letters, digits, _ and - (at most 64)")
    if not isinstance(table, dict):
        problem(where, f"schedules.{name} must be a table")
        return None
    for key, value in table.items():
        if key not in KEYS:
            problem(where + (key,), f"schedule {name!r}: unknown key {key!r}; known: {', '.join(KEYS)}")
        elif key != "hours" and not isinstance(value, str):
            problem(where + (key,), f"schedule {name!r}: {key} must be a string")
    strings = {k: v for k, v in table.items() if isinstance(v, str)}

    tz = strings.get("time_zone", "")
    if tz:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            problem(where + ("time_zone",), f"schedule {name!r}: unknown time zone {tz!r} (e.g. Asia/Shanghai)")

    calendar: Calendar = Calendar()
    cal, country = strings.get("calendar", ""), strings.get("holidays", "")
    if cal and country:
        problem(where + ("holidays",), f"schedule {name!r}: use calendar = \"cn\" or holidays = \"XX\", not both")
    elif cal:
        if cal.lower() != "cn":
            problem(where + ("calendar",), f"schedule {name!r}: calendar must be \"cn\" (Chinese statutory "
                    "holidays and make-up working days); for another country use holidays = \"US\"")
        else:
            calendar = ChineseCalendar()
    elif country:
        try:
            calendar = CountryCalendar(country.upper(), strings.get("subdivision", ""))
        except NotImplementedError as exc:
            problem(where + ("holidays",), f"schedule {name!r}: {exc}")
    if strings.get("subdivision") and not country:
        problem(where + ("subdivision",), f"schedule {name!r}: subdivision goes with holidays = \"COUNTRY\"")

    hours: list[tuple[Span, ...]] = [()] * 7
    table_hours = table.get("hours")
    if table_hours is None:
        problem(where, f"schedule {name!r} needs hours, e.g. hours = {{ \"mon-fri\" = \"09:00-18:00\" }}")
    elif not isinstance(table_hours, dict):
        problem(where + ("hours",), f"schedule {name!r}: hours must be a table of days = \"HH:MM-HH:MM,...\"")
    else:
        seen: set[int] = set()
        for days, value in table_hours.items():
            at = where + ("hours", days)
            idx = _days(days)
            if idx is None:
                problem(at, f"schedule {name!r}: {days!r} is not a day or a range of days "
                        f"({', '.join(WEEKDAYS)}, e.g. mon-fri)")
                continue
            if seen & set(idx):
                problem(at, f"schedule {name!r}: {days!r} names a day that already has hours")
            seen |= set(idx)
            spans = _spans(value, at, name, problem)
            for i in idx:
                hours[i] = spans
    workday = (_spans(strings["workday_hours"], where + ("workday_hours",), name, problem)
               if "workday_hours" in strings else hours[0])
    holiday = (_spans(strings["holiday_hours"], where + ("holiday_hours",), name, problem)
               if "holiday_hours" in strings else ())
    return Schedule(name=name, hours=tuple(hours), workday_hours=workday, holiday_hours=holiday, time_zone=tz,
                    calendar=calendar, file=path, line=key_line(text, where))


def _days(key: str) -> list[int] | None:
    """"mon" -> [0]; "mon-fri" -> [0..4]; None when it is neither."""
    first, sep, last = key.strip().lower().partition("-")
    if first not in WEEKDAYS or (sep and last not in WEEKDAYS):
        return None
    a, b = WEEKDAYS.index(first), WEEKDAYS.index(last) if sep else WEEKDAYS.index(first)
    return list(range(a, b + 1)) if a <= b else None


def _spans(value: Any, at: tuple, name: str, problem) -> tuple[Span, ...]:
    """"09:00-12:00,13:30-18:00" -> ((540, 720), (810, 1080)); "" or "closed" -> ()."""
    if not isinstance(value, str):
        problem(at, f"schedule {name!r}: hours must be a string like \"09:00-12:00,13:30-18:00\"")
        return ()
    if value.strip().lower() in ("", "closed"):
        return ()
    spans: list[Span] = []
    for piece in value.split(","):
        m = SPAN.match(piece.strip())
        if not m:
            problem(at, f"schedule {name!r}: {piece.strip()!r} is not HH:MM-HH:MM")
            return ()
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        a, b = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 23 or m1 > 59 or m2 > 59 or b > 24 * 60 or a >= b:
            problem(at, f"schedule {name!r}: {piece.strip()!r}: a span runs from 00:00 to at most 24:00 and ends "
                    "after it starts (split a night shift over two days)")
            return ()
        spans.append((a, b))
    spans.sort()
    for (a1, b1), (a2, b2) in zip(spans, spans[1:]):
        if a2 < b1:
            problem(at, f"schedule {name!r}: hours {value!r} overlap")
            return ()
    return tuple(spans)


def _chinese_name(english: str) -> str:
    import chinese_calendar
    for h in chinese_calendar.Holiday:
        if h.value == english:
            return h.chinese
    return english
