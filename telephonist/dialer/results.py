"""A campaign's figures and its export: reads of the dialer's tables, for the console and reports.

contact rate   records answered at least once / records dialled at least once
success        answered records whose result is not a refusal or a wrong number / records dialled
refusals       results "refused", "dnc", "do_not_call" (the customer asked not to be called)
wrong numbers  records with an attempt the network refused as empty or wrong (SIT), or result "wrong_number"
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from telephonist.dialer import schema as T

REFUSALS = ("refused", "dnc", "do_not_call")
WRONG = ("wrong_number",)
EXPORTS = ("all", "finished", "unfinished")
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


def export_rows(conn: Connection, campaign_id: int, which: str) -> Iterator[list[str]]:
    """A header, then one row per record: its fields, numbers, state, outcome, result, attempts."""
    r = T.records
    q = sa.select(r).where(r.c.campaign_id == campaign_id).order_by(r.c.id)
    if which == "finished":
        q = q.where(r.c.state.in_(FINISHED))
    elif which == "unfinished":
        q = q.where(r.c.state.notin_(FINISHED))
    rows = conn.execute(q).all()
    custom = sorted({k for row in rows for k in json.loads(row.fields)})
    from telephonist.dialer.scripts import answers_by_record
    answers = answers_by_record(conn, campaign_id)              # the call script's answers, by result field
    asked = sorted({k for a in answers.values() for k in a} - set(custom))
    yield ["name", "phones", "customer_type", "id_card", *custom, "state", "outcome", "result", "attempts", *asked]
    for row in rows:
        fields = json.loads(row.fields)
        yield [row.name, " ".join(json.loads(row.phones)), row.customer_type, row.id_card,
               *(str(fields.get(k, "")) for k in custom), row.state, row.outcome or "", row.result or "",
               str(row.attempts), *(answers.get(row.id, {}).get(k, "") for k in asked)]
