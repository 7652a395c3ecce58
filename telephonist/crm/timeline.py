"""One timeline per customer: an open table any part of Telephonist appends to (work orders, surveys, the
dialer, the REST API ...), read newest first together with what the call records already know about the
customer's numbers (queue calls with their recordings, voicemails, faxes) and what the other areas' own tables
know (crm/sources.py: IVR sessions, survey answers, SMS, work orders by number, campaign records), so nothing is
written twice.

An entry: kind (call, ivr, voicemail, fax, sms, email, chat, work_order, survey, campaign, note ... any short name),
ref (the thing's id in its own table), at, summary and link (a console path that opens it).
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, select
from sqlalchemy.engine import Connection

from telephonist.acd.schema import calls as acd_calls
from telephonist.crm import sources
from telephonist.crm.schema import customer_timeline
from telephonist.crm.store import CustomerError, get
from telephonist.faxd.schema import faxes
from telephonist.ivrd.schema import voicemail_messages
from telephonist.storage.database import utcnow
from telephonist.storage.schema import call_legs

KINDS = ("call", "ivr", "voicemail", "fax", "sms", "email", "chat", "work_order", "survey", "campaign", "note")
KIND = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
LATEST = 50


def append(conn: Connection, customer_id: int, kind: str, summary: str, *, ref: str = "", link: str = "",
           at: datetime | None = None) -> int:
    """Add an entry to the customer's timeline (any part may: ``kind`` is a short lower-case name)."""
    if not KIND.match(kind or ""):
        raise CustomerError("kind: a short lower-case name (call, sms, work_order ...)")
    if len(summary) > 2000 or len(ref) > 200 or len(link) > 500:
        raise CustomerError("summary at most 2000 characters, ref 200, link 500")
    if link and (not link.startswith("/") or link.startswith(("//", "/\\"))):
        raise CustomerError("link: a path of this console (starting with /)")
    get(conn, customer_id)                                   # NoSuchCustomer
    return int(conn.execute(insert(customer_timeline).values(
        customer_id=customer_id, at=at or utcnow(), kind=kind, ref=ref, summary=summary.strip(), link=link))
        .inserted_primary_key[0])


def entry(conn: Connection, entry_id: int) -> dict[str, Any]:
    return dict(conn.execute(select(customer_timeline).where(customer_timeline.c.id == entry_id)).one()._mapping)


def entries(conn: Connection, customer_id: int, limit: int = LATEST, before: datetime | None = None,
            kind: str | None = None) -> list[dict[str, Any]]:
    """The timeline's own rows, newest first (an index range scan on (customer_id, at))."""
    t = customer_timeline.c
    q = select(customer_timeline).where(t.customer_id == customer_id)
    if before is not None:
        q = q.where(t.at < before)
    if kind:
        q = q.where(t.kind == kind)
    return [dict(r._mapping) for r in conn.execute(q.order_by(t.at.desc(), t.id.desc()).limit(limit))]


def from_call_records(conn: Connection, phones: list[str], limit: int = LATEST) -> list[dict[str, Any]]:
    """The customer's queue calls (with a leg's recording and the call log's page), voicemails and faxes, by the
    customer's numbers, as timeline entries (newest first; the console links voicemails and faxes by kind and ref).
    Call records keep the caller as the line gave it: both the digits and a leading + are tried."""
    spellings = _spellings(phones)
    if not spellings:
        return []
    out: list[dict[str, Any]] = []
    c = acd_calls.c
    rows = conn.execute(select(c.call_id, c.entered_at, c.queue, c.agent, c.outcome, c.wrapup_code, c.note,
                               sources.first_leg(c.call_id))
                        .where(c.caller.in_(spellings)).order_by(c.entered_at.desc()).limit(limit)).all()
    recorded: dict[str, int] = {}
    if rows:
        legs = select(call_legs.c.call_id, call_legs.c.id).where(and_(
            call_legs.c.call_id.in_({r.call_id for r in rows}), call_legs.c.recording_path.is_not(None)))
        for leg in conn.execute(legs.order_by(call_legs.c.id)):
            recorded.setdefault(leg.call_id, leg.id)
    for r in rows:
        summary = " · ".join(x for x in (r.queue, r.agent or "", r.wrapup_code or r.outcome or "", r.note or "") if x)
        out.append({"at": r.entered_at, "kind": "call", "ref": r.call_id, "summary": summary,
                    "link": sources.call_link(r.leg), "recording_leg": recorded.get(r.call_id)})
    vm = voicemail_messages.c
    for r in conn.execute(select(vm.id, vm.mailbox, vm.created_at, vm.duration_ms)
                          .where(and_(vm.caller.in_(spellings), vm.state != "deleted"))
                          .order_by(vm.created_at.desc()).limit(limit)):
        out.append({"at": r.created_at, "kind": "voicemail", "ref": str(r.id),
                    "summary": f"{r.mailbox} · {round((r.duration_ms or 0) / 1000)} s",
                    "link": ""})
    fx = faxes.c
    for r in conn.execute(select(fx.id, fx.direction, fx.created_at, fx.pages)
                          .where(fx.caller.in_(spellings)).order_by(fx.created_at.desc()).limit(limit)):
        out.append({"at": r.created_at, "kind": "fax", "ref": str(r.id), "summary": f"{r.direction} · {r.pages}",
                    "link": ""})
    return out


def recording_leg(conn: Connection, leg_id: int, phones: list[str]) -> dict[str, Any] | None:
    """A leg of a queue call from one of ``phones`` (a recording the timeline may play), or None."""
    leg = conn.execute(select(call_legs).where(call_legs.c.id == leg_id)).first()
    spellings = _spellings(phones)
    if leg is None or not spellings:
        return None
    known = conn.execute(select(acd_calls.c.id).where(and_(acd_calls.c.call_id == leg.call_id,
                                                           acd_calls.c.caller.in_(spellings)))).first()
    return dict(leg._mapping) if known else None


def _spellings(phones: list[str]) -> list[str]:
    return sorted({p for n in phones for p in (n, "+" + n)})


def whole(conn: Connection, customer: dict[str, Any], limit: int = LATEST) -> list[dict[str, Any]]:
    """What the customer page and the screen pop show, newest first: the timeline's rows, the call records and what
    the other areas' tables know about the customer (crm.sources: IVR, surveys, SMS, work orders, campaigns)."""
    rows = (entries(conn, customer["id"], limit) + from_call_records(conn, customer["phones"], limit)
            + sources.read_all(conn, customer, _spellings(customer["phones"]), limit))
    rows.sort(key=lambda e: e["at"], reverse=True)
    return rows[:limit]
