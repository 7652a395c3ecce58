"""The IVR, fax and survey reports: counts by day (or by agent) in the site's time zone.

Each report is a cross table (rows x columns of counts) so that one page, one chart and one
CSV/XLSX export serve them all. Rows are bucketed in Python like stats.py, over one bounded range.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Connection

from telephonist.faxd.schema import faxes
from telephonist.ivrd.schema import sessions, steps, survey_results

OUTCOMES = ("hangup", "abandoned", "queue", "extension", "external", "voicemail", "fax", "fallback")
ANSWERS = ("satisfied", "neutral", "dissatisfied", "complaint")
FAX_COLUMNS = ("inbound ok", "inbound failed", "outbound ok", "outbound failed")
MAX_DAYS = 366


@dataclass
class Crosstab:
    name: str
    row_header: str                          # "day" or "agent"
    since: datetime
    until: datetime
    rows: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    counts: dict[str, list[int]] = field(default_factory=dict)     # column -> a count per row

    def totals(self) -> dict[str, int]:
        return {c: sum(self.counts[c]) for c in self.columns}

    def row_total(self, i: int) -> int:
        return sum(self.counts[c][i] for c in self.columns)

    def table(self) -> list[list]:
        return [[r, *(self.counts[c][i] for c in self.columns)] for i, r in enumerate(self.rows)]


def default_range(today: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return (datetime.combine(today - timedelta(days=29), time(0), tz),
            datetime.combine(today + timedelta(days=1), time(0), tz))


def _days(since: datetime, until: datetime, tz: ZoneInfo) -> list[str]:
    since, until = since.astimezone(tz), until.astimezone(tz)
    if until - since > timedelta(days=MAX_DAYS):
        raise ValueError(f"a report covers at most {MAX_DAYS} days")
    out, d = [], since.date()
    while datetime.combine(d, time(0), tz) < until:
        out.append(d.isoformat())
        d += timedelta(days=1)
    return out


def _by_day(name: str, since: datetime, until: datetime, tz: ZoneInfo, pairs, fixed: tuple[str, ...] = ()) -> Crosstab:
    """A day x column table from (time, column) pairs; ``fixed`` columns come first, in order, even when empty."""
    days = _days(since, until, tz)
    index = {d: i for i, d in enumerate(days)}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for c in fixed:
        counts[c]
    for at, column in pairs:
        i = index.get(at.astimezone(tz).date().isoformat())
        if i is not None:
            counts[column][i] += 1
    extra = sorted((c for c in counts if c not in fixed), key=lambda c: -sum(counts[c]))
    columns = list(fixed) + extra
    return Crosstab(name, "day", since, until, days, columns, {c: counts[c] for c in columns})


def self_service(conn: Connection, since: datetime, until: datetime, tz: ZoneInfo) -> Crosstab:
    """Calls that used each self-service type (ivr_steps.tag) a day; a call counts once a type a day."""
    S = steps.c
    seen = set()
    pairs = []
    for at, tag, call_id in conn.execute(select(S.at, S.tag, S.call_id)
                                         .where(S.tag.is_not(None), S.tag != "", S.at >= since, S.at < until)):
        key = (at.astimezone(tz).date(), tag, call_id)
        if key not in seen:
            seen.add(key)
            pairs.append((at, tag))
    return _by_day("ivr", since, until, tz, pairs)


def outcomes(conn: Connection, since: datetime, until: datetime, tz: ZoneInfo) -> Crosstab:
    """How calls left the IVR (ivr_sessions.outcome) a day; "open" for a call still in a flow."""
    S = sessions.c
    rows = conn.execute(select(S.started_at, S.outcome).where(S.started_at >= since, S.started_at < until))
    tab = _by_day("outcomes", since, until, tz, ((at, outcome or "open") for at, outcome in rows), OUTCOMES)
    return tab


def fax_traffic(conn: Connection, since: datetime, until: datetime, tz: ZoneInfo) -> Crosstab:
    F = faxes.c
    rows = conn.execute(select(F.created_at, F.direction, F.result_code)
                        .where(F.created_at >= since, F.created_at < until))
    return _by_day("fax", since, until, tz,
                   ((at, f"{direction} {'ok' if code == 0 else 'failed'}") for at, direction, code in rows), FAX_COLUMNS)


def satisfaction(conn: Connection, since: datetime, until: datetime, tz: ZoneInfo) -> Crosstab:
    """Survey answers by the agent the caller spoke to (agents with the most answers first)."""
    _days(since, until, tz)
    R = survey_results.c
    by_agent: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    answers = set(ANSWERS)
    for agent, answer in conn.execute(select(R.agent, R.answer).where(R.created_at >= since, R.created_at < until)):
        by_agent[agent or "-"][answer] += 1
        answers.add(answer)
    columns = list(ANSWERS) + sorted(answers - set(ANSWERS))
    agents = sorted(by_agent, key=lambda a: (-sum(by_agent[a].values()), a))
    return Crosstab("survey", "agent", since, until, agents, columns,
                    {c: [by_agent[a][c] for a in agents] for c in columns})


def satisfied_rate(tab: Crosstab, i: int | None = None) -> str:
    """Satisfied answers as a share of all, for one row or (i None) the whole table."""
    sat = tab.counts["satisfied"][i] if i is not None else sum(tab.counts["satisfied"])
    total = tab.row_total(i) if i is not None else sum(tab.totals().values())
    return f"{100 * sat / total:.1f}%" if total else "-"


REPORTS = {"ivr": self_service, "outcomes": outcomes, "fax": fax_traffic, "survey": satisfaction}
