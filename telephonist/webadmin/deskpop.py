"""The agent desktop's screen pop: who is calling and what they did before, read from the database.

* the handoff data that came with the call (ivrd's ``{"ivr": {"flow", "language", "vars"}}`` and whatever
  an application added on top): the account (``auth_account`` once the caller logged in, else
  ``account``, ``policy_no`` ...), verified or not (an authenticate node set ``auth_account``), the VIP
  class (``vip_name`` from the VIP list) and every other variable;
* the IVR path: the nodes the call went through (ivr_steps, with the keys pressed);
* the caller's history: earlier queue calls (acd_calls: when, queue, agent, outcome, disposition and note,
  and the recording of the call's legs), voicemails and faxes from that number;
* the queue's CRM page (``crm_url``) with the number and account filled in, URL-escaped;
* the customer (telephonist.crm): found by the caller's number, else by the account the IVR handed over (a
  customer number), with the latest entries of the customer's timeline; none found: the pop offers to register.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from telephonist.acd.schema import agents as acd_agents
from telephonist.crm import store as crm_store
from telephonist.crm import timeline as crm_timeline
from telephonist.acd.schema import calls as acd_calls
from telephonist.faxd.schema import faxes
from telephonist.ivrd.schema import steps as ivr_steps
from telephonist.ivrd.schema import voicemail_messages
from telephonist.storage.schema import call_legs

ACCOUNT_VARS = ("auth_account", "account", "policy_no", "account_no", "customer_id", "card_no")
NAME_VARS = ("customer_name", "name")
# shown on their own, or what the pop says already (ivrd's built-in variables: the call itself)
SHOWN_APART = frozenset(ACCOUNT_VARS + NAME_VARS + ("vip_name", "vip", "auth_realm", "language", "language_chosen",
                                                    "call_id", "caller", "chan", "dialled", "flow", "lang"))
HISTORY = 20                        # earlier calls, voicemails and faxes shown (the latest)
TIMELINE = 10                       # the customer's latest timeline entries shown


@dataclass(frozen=True)
class Handoff:
    account: str = ""
    verified: bool = False
    vip: str = ""
    name: str = ""
    flow: str = ""
    language: str = ""
    others: dict[str, Any] = field(default_factory=dict)


def handoff(data: dict[str, Any] | None) -> Handoff:
    data = data if isinstance(data, dict) else {}
    ivr = data.get("ivr") if isinstance(data.get("ivr"), dict) else {}
    flat = {k: v for k, v in data.items() if k != "ivr" and isinstance(v, (str, int, float, bool))}
    flat.update({k: v for k, v in (ivr.get("vars") or {}).items() if isinstance(v, (str, int, float, bool))})
    account = next((str(flat[k]) for k in ACCOUNT_VARS if flat.get(k) not in (None, "")), "")
    vip = flat.get("vip_name") or (flat.get("vip") if flat.get("vip") not in (None, "", False, 0, "0") else "")
    return Handoff(account=account, verified=bool(flat.get("auth_account")), vip=str(vip or ""),
                   name=next((str(flat[k]) for k in NAME_VARS if flat.get(k)), ""),
                   flow=str(ivr.get("flow") or ""), language=str(ivr.get("language") or flat.get("language") or ""),
                   others={k: v for k, v in sorted(flat.items()) if k not in SHOWN_APART})


def menu_path(conn: Connection, call_id: str) -> list[dict[str, Any]]:
    q = (select(ivr_steps.c.flow, ivr_steps.c.node, ivr_steps.c.digits, ivr_steps.c.result)
         .where(ivr_steps.c.call_id == call_id).order_by(ivr_steps.c.at, ivr_steps.c.id))
    return [dict(r._mapping) for r in conn.execute(q)]


def earlier_calls(conn: Connection, number: str, call_id: str) -> list[dict[str, Any]]:
    """The number's earlier queue calls, latest first, each with the id of a leg that has a recording."""
    if not number:
        return []
    q = (select(acd_calls).where(and_(acd_calls.c.caller == number, acd_calls.c.call_id != call_id))
         .order_by(acd_calls.c.entered_at.desc(), acd_calls.c.id.desc()).limit(HISTORY))
    rows = [dict(r._mapping) for r in conn.execute(q)]
    ids = {r["call_id"] for r in rows}
    recorded: dict[str, int] = {}
    if ids:
        legs = select(call_legs.c.call_id, call_legs.c.id).where(
            and_(call_legs.c.call_id.in_(ids), call_legs.c.recording_path.is_not(None))).order_by(call_legs.c.id)
        for leg in conn.execute(legs):
            recorded.setdefault(leg.call_id, leg.id)
    return [{**r, "recording_leg": recorded.get(r["call_id"])} for r in rows]


def voicemails(conn: Connection, number: str) -> list[dict[str, Any]]:
    if not number:
        return []
    vm = voicemail_messages.c
    q = (select(vm.id, vm.mailbox, vm.created_at, vm.duration_ms, vm.category, vm.handled)
         .where(and_(vm.caller == number, vm.state != "deleted")).order_by(vm.created_at.desc()).limit(HISTORY))
    return [dict(r._mapping) for r in conn.execute(q)]


def fax_list(conn: Connection, number: str) -> list[dict[str, Any]]:
    if not number:
        return []
    fx = faxes.c
    q = (select(fx.id, fx.direction, fx.mailbox, fx.created_at, fx.pages, fx.result_code)
         .where(fx.caller == number).order_by(fx.created_at.desc()).limit(HISTORY))
    return [dict(r._mapping) for r in conn.execute(q)]


def recording_leg(conn: Connection, leg_id: int, number: str) -> dict[str, Any] | None:
    """A leg of an earlier queue call of ``number`` (what a pop may play), or None."""
    leg = conn.execute(select(call_legs).where(call_legs.c.id == leg_id)).first()
    if leg is None or not number:
        return None
    known = conn.execute(select(acd_calls.c.id).where(and_(acd_calls.c.call_id == leg.call_id,
                                                           acd_calls.c.caller == number))).first()
    return dict(leg._mapping) if known else None


def crm_link(template: str, number: str, account: str, queue: str, call_id: str) -> str:
    """The queue's CRM address with the call's fields filled in, each URL-escaped ("" without a template)."""
    if not template:
        return ""
    values = {"number": number, "account": account, "queue": queue, "call_id": call_id}
    out, rest = [], template
    while "{" in rest:
        before, _, after = rest.partition("{")
        name, close, tail = after.partition("}")
        out.append(before)
        out.append(quote(values.get(name, ""), safe="") if close else "{" + name)
        rest = tail
    return "".join(out) + rest


def taken_call(conn: Connection, call_id: str, agent: str) -> dict[str, Any] | None:
    """A queue call the agent took (for a pop opened again in wrap-up: the handoff data went with the call)."""
    row = conn.execute(select(acd_calls).where(and_(acd_calls.c.call_id == call_id, acd_calls.c.agent == agent))
                       .order_by(acd_calls.c.id.desc())).first()
    if row is None:
        return None
    return {"call_id": call_id, "caller": row.caller, "queue": row.queue, "data": {}, "wait_ms": row.wait_ms or 0}


def last_seat(conn: Connection, agent: str) -> str:
    """The extension the agent last logged in at (the ACD keeps it in acd_agents)."""
    return conn.execute(select(acd_agents.c.extension).where(acd_agents.c.number == agent)).scalar() or ""


@dataclass(frozen=True)
class CustomerPop:
    customer: dict[str, Any] | None = None          # the one shown
    others: list[dict[str, Any]] = field(default_factory=list)   # more open customers with the caller's number
    timeline: list[dict[str, Any]] = field(default_factory=list)


def customer(conn: Connection, number: str, account: str) -> CustomerPop:
    """The caller's customer: by the caller's number, else by the account from the IVR (a customer number)."""
    found = crm_store.by_phone(conn, number) if number else []
    if not found and account:
        by_account = crm_store.by_customer_number(conn, account)
        found = [by_account] if by_account and by_account["status"] == "open" else []
    if not found:
        return CustomerPop()
    shown = crm_store.get(conn, found[0]["id"])
    return CustomerPop(shown, found[1:], crm_timeline.whole(conn, shown, TIMELINE))
