"""What other areas' own tables know about a customer, read (never copied) into the customer's timeline.

Each source is one small function ``(conn, customer, spellings, limit) -> entries``: it reads its own table by the
customer's phone spellings (the digits and with a leading +, as the call records keep a caller) or by the
customer's id or ID-card number, newest first, at most ``limit`` rows, through an index (migration cu02), and
returns timeline entries (at, kind, ref, summary, link) like ``timeline.from_call_records``.

ivr_sessions       what the caller did in the IVR: the flow, how the call left it, the self-service types used
survey_answers     the caller's post-call survey key (ivr_survey_results)
order_sms          the SMS a work order sent the customer (wo_sms), sent, waiting or given up
orders_by_number   work orders taken from one of the customer's numbers without a customer (those with one are
                   on the timeline already, written by the work-order store)
campaign_records   the dialer's records that dialled or messaged one of the customer's numbers or e-mail addresses
                   (a custom field's value that is an address), or carry the customer's ID-card number: each
                   record's outcome and result (kind "sms" or "email" for a message campaign, "survey" for a survey
                   campaign, else "campaign"); a record some part already put on this timeline (a work order's
                   follow-up, ref "dl_record:<id>") is not shown twice
web_chats          the website chats and inbound e-mails matched to the customer (acd_chats.customer_id): kind
                   "chat" or "email", the subject, queue, agent, lines and how it ended, linked to the transcript
web_callbacks      the website's "call me back" requests matched to the customer (acd_web_callbacks.customer_id):
                   kind "callback", the number, queue, how it went (waiting, calling, retry, answered, failed,
                   cancelled), the tries, the agent and the visitor's note
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import String, cast, exists, func, literal, or_, select
from sqlalchemy.engine import Connection

from telephonist.acd.schema import chats as acd_chats
from telephonist.acd.schema import web_callbacks as acd_web_callbacks
from telephonist.crm.schema import customer_timeline
from telephonist.dialer import schema as D
from telephonist.dialer.lists import EMAIL
from telephonist.ivrd.schema import sessions as ivr_sessions_t
from telephonist.ivrd.schema import steps as ivr_steps_t
from telephonist.ivrd.schema import survey_results
from telephonist.storage.schema import call_legs
from telephonist.workorders.schema import orders as wo_orders
from telephonist.workorders.schema import sms as wo_sms

Entry = dict[str, Any]
Source = Callable[[Connection, dict[str, Any], list[str], int], list[Entry]]

MESSAGE_KINDS = {"sms": "sms", "email": "email"}     # a message campaign's mode -> the timeline kind


def _entry(at: Any, kind: str, ref: str, summary: str, link: str = "") -> Entry:
    return {"at": at, "kind": kind, "ref": ref, "summary": summary[:2000], "link": link}


def _joined(*parts: Any) -> str:
    return " · ".join(str(p) for p in parts if p not in (None, ""))


def first_leg(call_id: Any) -> Any:
    """The call's first leg (NULL without one), as a column of the source's own query: no second round trip."""
    return select(func.min(call_legs.c.id)).where(call_legs.c.call_id == call_id).scalar_subquery().label("leg")


def call_link(leg: int | None) -> str:
    """The call log's page of a call's leg."""
    return f"/calls/{leg}" if leg else ""


def ivr_sessions(conn: Connection, customer: dict[str, Any], spellings: list[str], limit: int) -> list[Entry]:
    if not spellings:
        return []
    s = ivr_sessions_t.c
    rows = conn.execute(select(s.id, s.call_id, s.flow, s.outcome, s.outcome_detail, s.started_at,
                               first_leg(s.call_id))
                        .where(s.caller.in_(spellings)).order_by(s.started_at.desc(), s.id.desc()).limit(limit)).all()
    if not rows:
        return []
    st = ivr_steps_t.c
    used: dict[str, list[str]] = {}
    for r in conn.execute(select(st.call_id, st.tag, st.result).where(
            st.call_id.in_({r.call_id for r in rows}), st.tag.is_not(None), st.tag != "").order_by(st.at, st.id)):
        tag = f"{r.tag} {r.result}"
        if tag not in used.setdefault(r.call_id, []):
            used[r.call_id].append(tag)
    return [_entry(r.started_at, "ivr", str(r.id),
                   _joined(r.flow, r.outcome or "open", r.outcome_detail, ", ".join(used.get(r.call_id, []))),
                   call_link(r.leg)) for r in rows]


def survey_answers(conn: Connection, customer: dict[str, Any], spellings: list[str], limit: int) -> list[Entry]:
    if not spellings:
        return []
    v = survey_results.c
    rows = conn.execute(select(v.id, v.agent, v.queue, v.digit, v.answer, v.created_at, first_leg(v.call_id))
                        .where(v.caller.in_(spellings)).order_by(v.created_at.desc(), v.id.desc()).limit(limit)).all()
    return [_entry(r.created_at, "survey", f"ivr_survey:{r.id}", _joined(f"{r.answer} ({r.digit})", r.queue, r.agent),
                   call_link(r.leg)) for r in rows]


def order_sms(conn: Connection, customer: dict[str, Any], spellings: list[str], limit: int) -> list[Entry]:
    if not spellings:
        return []
    m = wo_sms.c
    rows = conn.execute(select(m.id, m.order_id, m.text, m.created_at, m.sent_at, m.gave_up)
                        .where(m.number.in_(spellings)).order_by(m.created_at.desc(), m.id.desc()).limit(limit)).all()
    return [_entry(r.sent_at or r.created_at, "sms", f"wo_sms:{r.id}",
                   _joined("sent" if r.sent_at else ("given up" if r.gave_up else "waiting"), r.text),
                   f"/workorders/{r.order_id}") for r in rows]


def orders_by_number(conn: Connection, customer: dict[str, Any], spellings: list[str], limit: int) -> list[Entry]:
    if not spellings:
        return []
    o = wo_orders.c
    rows = conn.execute(select(o.id, o.type, o.title, o.state, o.created_at)
                        .where(o.caller_number.in_(spellings), o.customer_id.is_(None))
                        .order_by(o.created_at.desc(), o.id.desc()).limit(limit)).all()
    return [_entry(r.created_at, "work_order", str(r.id), _joined(f"{r.type}: {r.title}", r.state),
                   f"/workorders/{r.id}") for r in rows]


def e_mail_addresses(customer: dict[str, Any]) -> list[str]:
    """The customer's e-mail addresses: its custom fields' values that are one (the file has no field of its own)."""
    return sorted({v.strip() for v in (customer.get("custom") or {}).values()
                   if isinstance(v, str) and EMAIL.match(v.strip())})


def campaign_records(conn: Connection, customer: dict[str, Any], spellings: list[str], limit: int) -> list[Entry]:
    r, a, c, t = D.records.c, D.attempts.c, D.campaigns.c, customer_timeline.c
    on_timeline = exists().where(t.customer_id == customer["id"], t.ref == literal("dl_record:") + cast(r.id, String))
    q = (select(r.id, r.campaign_id, r.state, r.outcome, r.result, r.updated_at, c.name, c.kind, c.mode)
         .join(D.campaigns, c.id == r.campaign_id).where(or_(r.attempts > 0, r.outcome.is_not(None)), ~on_timeline)
         .order_by(r.updated_at.desc(), r.id.desc()).limit(limit))
    found: dict[int, Any] = {}
    reached = spellings + e_mail_addresses(customer)
    if reached:                                           # dialled or messaged at one of the numbers or addresses
        dialled = select(a.record_id).where(a.number.in_(reached)).scalar_subquery()
        found.update((x.id, x) for x in conn.execute(q.where(r.id.in_(dialled))))
    id_card = (customer.get("id_card") or "").strip().upper()
    if id_card:                                           # the list gave the customer's ID-card number
        found.update((x.id, x) for x in conn.execute(q.where(r.id_card == id_card)))
    rows = sorted(found.values(), key=lambda x: (x.updated_at, x.id), reverse=True)[:limit]
    return [_entry(x.updated_at, MESSAGE_KINDS.get(x.mode) or ("survey" if x.kind == "survey" else "campaign"),
                   f"dl_record:{x.id}", f"{x.name}: " + _joined(x.outcome or x.state, x.result),
                   f"/campaigns/{x.campaign_id}") for x in rows]


def web_chats(conn: Connection, customer: dict[str, Any], spellings: list[str], limit: int) -> list[Entry]:
    ch = acd_chats.c
    rows = conn.execute(select(ch.id, ch.queue, ch.agent, ch.state, ch.messages, ch.entered_at, ch.ended_by,
                               ch.media, ch.subject)
                        .where(ch.customer_id == customer["id"])
                        .order_by(ch.entered_at.desc(), ch.id.desc()).limit(limit)).all()
    return [_entry(r.entered_at, "email" if r.media == "email" else "chat", f"chat:{r.id}",
                   _joined(r.subject, r.queue, r.agent or "", f"{r.messages} lines",
                           f"ended by {r.ended_by}" if r.ended_by else r.state),
                   f"/agent/chat/{r.id}/transcript") for r in rows]


def web_callbacks(conn: Connection, customer: dict[str, Any], spellings: list[str], limit: int) -> list[Entry]:
    w = acd_web_callbacks.c
    rows = conn.execute(select(w.id, w.queue, w.number, w.state, w.attempts, w.agent, w.note, w.created_at)
                        .where(w.customer_id == customer["id"])
                        .order_by(w.created_at.desc(), w.id.desc()).limit(limit)).all()
    return [_entry(r.created_at, "callback", f"web_callback:{r.id}",
                   _joined(r.number, r.queue, r.state, f"{r.attempts} tries" if r.attempts else "", r.agent or "",
                           r.note)) for r in rows]


SOURCES: tuple[Source, ...] = (ivr_sessions, survey_answers, order_sms, orders_by_number, campaign_records,
                               web_chats, web_callbacks)


def read_all(conn: Connection, customer: dict[str, Any], spellings: list[str], limit: int) -> list[Entry]:
    """Every source's latest entries for the customer (each newest first, at most ``limit``)."""
    out: list[Entry] = []
    for source in SOURCES:
        out.extend(source(conn, customer, spellings, limit))
    return out
