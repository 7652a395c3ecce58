"""A campaign's figures and its export: reads of the dialer's tables, for the console and reports.

contact rate   records answered at least once / records dialled at least once
success        answered records whose result is not a refusal or a wrong number / records dialled
refusals       results "refused", "dnc", "do_not_call" (the customer asked not to be called)
wrong numbers  records with an attempt the network refused as empty or wrong (SIT), or result "wrong_number"
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from telephonist.dialer import schema as T

REFUSALS = ("refused", "dnc", "do_not_call")
WRONG = ("wrong_number",)
EXPORTS = ("all", "finished", "unfinished", "to_fix")
FINISHED = ("done", "exhausted", "dnc", "stopped")


def figures(conn: Connection, campaign_id: int) -> dict[str, Any]:
    r, a = T.records, T.attempts
    by_state = dict(conn.execute(sa.select(r.c.state, sa.func.count()).where(r.c.campaign_id == campaign_id)
                                 .group_by(r.c.state)).all())
    dialled = conn.execute(sa.select(sa.func.count()).select_from(r).where(
        r.c.campaign_id == campaign_id, r.c.attempts > 0)).scalar_one()
    answered = conn.execute(sa.select(sa.func.count(sa.distinct(a.c.record_id))).where(
        a.c.campaign_id == campaign_id, a.c.outcome == "answered")).scalar_one()
    refusals = conn.execute(sa.select(sa.func.count()).select_from(r).where(
        r.c.campaign_id == campaign_id, r.c.result.in_(REFUSALS))).scalar_one()
    sit = sa.select(a.c.record_id).where(a.c.campaign_id == campaign_id, a.c.outcome == "sit")
    wrong = conn.execute(sa.select(sa.func.count()).select_from(r).where(
        r.c.campaign_id == campaign_id, sa.or_(r.c.id.in_(sit), r.c.result.in_(WRONG)))).scalar_one()
    success = conn.execute(sa.select(sa.func.count()).select_from(r).where(
        r.c.campaign_id == campaign_id, r.c.state == "done", r.c.outcome == "answered",
        sa.or_(r.c.result.is_(None), r.c.result.notin_(REFUSALS + WRONG)))).scalar_one()
    attempts = conn.execute(sa.select(sa.func.count()).select_from(a).where(a.c.campaign_id == campaign_id)).scalar_one()

    def share(n: int) -> float | None:
        return round(n / dialled, 4) if dialled else None
    return {"records": sum(by_state.values()), "by_state": by_state, "attempts": attempts, "dialled": dialled,
            "answered": answered, "contact_rate": share(answered), "success": success, "success_rate": share(success),
            "refusals": refusals, "wrong_numbers": wrong}


def _to_fix(conn: Connection, campaign_id: int) -> sa.ColumnElement[bool]:
    """Records whose data needs fixing before they can be worked: a number the network refused as empty or
    wrong (SIT), a result "wrong_number", or a record that ended with no number left to dial."""
    r, a = T.records, T.attempts
    sit = sa.select(a.c.record_id).where(a.c.campaign_id == campaign_id, a.c.outcome == "sit")
    return sa.or_(r.c.id.in_(sit), r.c.result.in_(WRONG),
                  sa.and_(r.c.state == "exhausted", r.c.outcome == "sit"))


def export_columns(conn: Connection, campaign_id: int) -> list[str]:
    """Every column an export of this campaign can have, in their order: the record's own, its fields, the
    results, then the call script's answers (by result field, from each record's latest attempt with answers)."""
    from telephonist.dialer.scripts import answers_by_record
    custom: set[str] = set()
    for (text,) in conn.execute(sa.select(T.records.c.fields).where(T.records.c.campaign_id == campaign_id)):
        custom.update(json.loads(text))
    asked = {k for a in answers_by_record(conn, campaign_id).values() for k in a} - custom
    return [*BASE_COLUMNS, *sorted(custom), *RESULT_COLUMNS, *sorted(asked)]


BASE_COLUMNS = ("name", "phones", "customer_type", "id_card")
RESULT_COLUMNS = ("state", "outcome", "result", "attempts")


def export_rows(conn: Connection, campaign_id: int, which: str,
                columns: list[str] | None = None) -> Iterator[list[str]]:
    """A header, then one row per record of `which` (all, finished, unfinished, to_fix) with the columns chosen
    (default: all of export_columns); ValueError for a column the campaign does not have."""
    if which not in EXPORTS:
        raise ValueError(f"which must be one of {', '.join(EXPORTS)}")
    known = export_columns(conn, campaign_id)
    columns = list(columns or known)
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise ValueError(f"the campaign's records have no column {', '.join(unknown)}")
    r = T.records
    q = sa.select(r).where(r.c.campaign_id == campaign_id).order_by(r.c.id)
    if which == "finished":
        q = q.where(r.c.state.in_(FINISHED))
    elif which == "unfinished":
        q = q.where(r.c.state.notin_(FINISHED))
    elif which == "to_fix":
        q = q.where(_to_fix(conn, campaign_id))
    from telephonist.dialer.scripts import answers_by_record
    answers = answers_by_record(conn, campaign_id)
    yield columns
    for row in conn.execute(q):
        fields = {**answers.get(row.id, {}), **json.loads(row.fields)}     # a record's own field wins
        own = {"name": row.name, "phones": " ".join(json.loads(row.phones)), "customer_type": row.customer_type,
               "id_card": row.id_card, "state": row.state, "outcome": row.outcome or "", "result": row.result or "",
               "attempts": str(row.attempts)}
        yield [own[c] if c in own else str(fields.get(c, "")) for c in columns]


DAILY = ("dialled", "answered", "success", "refusals", "wrong_numbers")


def over_time(conn: Connection, campaign_id: int, tz: Any) -> tuple[list[str], dict[str, list[int]]]:
    """Per local day (in tz) of the attempts' ends: records dialled, answered, successes, refusals and wrong
    numbers that day (a record counts on each day it was tried)."""
    a, r = T.attempts, T.records
    rows = conn.execute(sa.select(a.c.record_id, a.c.outcome, a.c.ended_at, a.c.claimed_at, r.c.result)
                        .join(r, r.c.id == a.c.record_id)
                        .where(a.c.campaign_id == campaign_id, a.c.outcome.is_not(None),
                               a.c.outcome != "unplaced")).all()
    days: dict[str, dict[str, set[int]]] = {}
    for row in rows:
        when = row.ended_at or row.claimed_at
        day = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(tz).date().isoformat()
        d = days.setdefault(day, {k: set() for k in DAILY})
        d["dialled"].add(row.record_id)
        if row.outcome in ("answered", "sent"):
            d["answered"].add(row.record_id)
            if row.result in REFUSALS:
                d["refusals"].add(row.record_id)
            elif row.result in WRONG:
                d["wrong_numbers"].add(row.record_id)
            else:
                d["success"].add(row.record_id)
        elif row.outcome == "sit":
            d["wrong_numbers"].add(row.record_id)
    labels = sorted(days)
    return labels, {k: [len(days[day][k]) for day in labels] for k in DAILY}


def flags(conn: Connection, campaign_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """The questions agents flagged to the managers on the campaign's calls (dl_attempts.script, deskpreview.py),
    newest call first: the call's attempt, the agent, the question (id and text) and the agent's note."""
    a = T.attempts
    rows = conn.execute(sa.select(a.c.id, a.c.script).where(a.c.campaign_id == campaign_id, a.c.flags > 0)
                        .order_by(a.c.id.desc()).limit(limit))          # ix_dl_attempts_flagged (dl05)
    found = []
    for aid, text in rows:
        state = json.loads(text)
        questions = {q["id"]: q for q in state.get("body", {}).get("questions", [])}
        for f in state.get("flags", []):
            found.append({"attempt": aid, "agent": f.get("by", ""), "question": f.get("question", ""),
                          "text": questions.get(f.get("question"), {}).get("text", ""), "note": f.get("note", "")})
    return found[:limit]
