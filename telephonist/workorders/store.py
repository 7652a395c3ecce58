"""Work orders in the database: create, read, search, move, comment. Plain functions of a Connection;
every change writes its row of wo_history in the same transaction. `now` is always given by the caller
(the console's clock, the IVR's call clock, a test's), never read here."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from telephonist.crm import timeline
from telephonist.crm.store import NoSuchCustomer
from telephonist.crm.store import get as get_customer
from telephonist.workorders import sms, workflow
from telephonist.workorders.config import PRIORITIES, OrderType, WorkOrderConfig
from telephonist.workorders.schema import history, orders
from telephonist.workorders.workflow import OPEN_STATES, Move, State

SOURCES = ("console", "desk", "ivr", "api", "email")
_NUMBER = re.compile(r"^\+?[0-9*#]{0,32}$")
MAX_TEXT = 4000


class OrderError(ValueError):
    """The order or the change is refused; the message says why (and nothing was written)."""


@dataclass
class NewOrder:
    type: str
    priority: str = "normal"
    title: str = ""
    description: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    caller_number: str = ""
    caller_name: str = ""
    account: str = ""
    customer_id: int | None = None
    call_id: str | None = None
    unit: str = ""                          # "" : the type's department
    source: str = "console"


def _checked_fields(t: OrderType, given: dict[str, Any]) -> dict[str, Any]:
    known = {f.name: f for f in t.fields}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise OrderError(f"{t.id}: unknown field(s) {', '.join(unknown)} (fields: {', '.join(known) or 'none'})")
    out: dict[str, Any] = {}
    for f in t.fields:
        v = given.get(f.name)
        v = v.strip() if isinstance(v, str) else v
        if v in (None, ""):
            if f.required:
                raise OrderError(f"{f.label or f.name}: required")
            continue
        if f.kind == "number":
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise OrderError(f"{f.label or f.name}: a number") from None
            v = int(v) if v.is_integer() else v
        elif f.kind == "date":
            try:
                v = date.fromisoformat(str(v)).isoformat()
            except ValueError:
                raise OrderError(f"{f.label or f.name}: a date YYYY-MM-DD") from None
        elif f.kind == "choice":
            if str(v) not in f.choices:
                raise OrderError(f"{f.label or f.name}: one of {', '.join(f.choices)}")
            v = str(v)
        else:
            v = str(v)[:MAX_TEXT]
        out[f.name] = v
    return out


def create(conn: Connection, cfg: WorkOrderConfig, new: NewOrder, by: str, now: datetime) -> int:
    t = cfg.types.get(new.type)
    if t is None:
        raise OrderError(f"no order type {new.type!r} (types: {', '.join(cfg.types) or 'none configured'})")
    if new.priority not in PRIORITIES:
        raise OrderError(f"priority: one of {', '.join(PRIORITIES)}")
    if new.source not in SOURCES:
        raise OrderError(f"source: one of {', '.join(SOURCES)}")
    unit = new.unit or t.department
    if unit not in cfg.units:
        raise OrderError(f"no unit {unit!r}")
    number = re.sub(r"[\s\-]", "", new.caller_number or "")
    if not _NUMBER.match(number):
        raise OrderError("caller_number: digits")
    values = _checked_fields(t, new.fields)
    title = (new.title or "").strip()[:200] or t.name
    if new.customer_id is not None and (isinstance(new.customer_id, bool) or not isinstance(new.customer_id, int)
                                        or not 0 < new.customer_id < 2**63):
        raise OrderError("customer_id: a customer's id")
    if new.customer_id is not None and not customer_exists(conn, new.customer_id):
        raise OrderError(f"customer_id: no customer {new.customer_id}")
    order_id = int(conn.execute(insert(orders).values(
        type=t.id, title=title, description=(new.description or "").strip()[:MAX_TEXT],
        fields=json.dumps(values, ensure_ascii=False), priority=new.priority, state=State.ACCEPTED.value,
        unit=unit, assignee=None, customer_id=new.customer_id, caller_number=number,
        caller_name=(new.caller_name or "").strip()[:200], account=(new.account or "").strip()[:64],
        call_id=(new.call_id or None) and str(new.call_id)[:64], source=new.source, created_by=by[:64],
        created_at=now, updated_at=now, state_since=now, due_at=now + timedelta(hours=t.deadline_h[new.priority]),
        escalation=0)).inserted_primary_key[0])
    log_history(conn, order_id, now, by, "create", None, State.ACCEPTED.value, f"{new.source}: {title}")
    _on_timeline(conn, {"id": order_id, "customer_id": new.customer_id}, f"{t.name}: {title}", now)
    return order_id


def customer_exists(conn: Connection, customer_id: int) -> bool:
    try:
        get_customer(conn, customer_id)
    except NoSuchCustomer:
        return False
    return True


def _on_timeline(conn: Connection, order: dict[str, Any], summary: str, now: datetime) -> None:
    """The customer's timeline (the customer file) shows the order's opening and its end."""
    if order.get("customer_id"):
        timeline.append(conn, order["customer_id"], "work_order", summary[:2000], ref=str(order["id"]),
                        link=f"/workorders/{order['id']}", at=now)


def log_history(conn: Connection, order_id: int, at: datetime, actor: str, action: str, from_state: str | None,
         to_state: str | None, note: str = "") -> None:
    conn.execute(insert(history).values(order_id=order_id, at=at, actor=actor[:64], action=action[:16],
                                        from_state=from_state, to_state=to_state, note=note[:MAX_TEXT]))


# ---- reading ------------------------------------------------------------------------------------------------
def _row(r: Any) -> dict[str, Any]:
    d = dict(r._mapping)
    try:
        d["fields"] = json.loads(d.get("fields") or "{}")
    except ValueError:
        d["fields"] = {}
    return d


def get(conn: Connection, order_id: int) -> dict[str, Any] | None:
    r = conn.execute(select(orders).where(orders.c.id == order_id)).first()
    return _row(r) if r else None


def history_of(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(
        select(history).where(history.c.order_id == order_id).order_by(history.c.at, history.c.id))]


@dataclass(frozen=True)
class Viewer:
    """Who looks: every order (workorders.all) or only their units', their own and those they created."""
    username: str
    sees_all: bool
    units: frozenset[str] = frozenset()
    office: bool = False

    def may_see(self, order: dict[str, Any]) -> bool:
        return self.sees_all or order["unit"] in self.units or self.username in (order["assignee"],
                                                                                  order["created_by"])

    def roles(self, order: dict[str, Any]) -> frozenset[str]:
        return workflow.roles(self.office, order["unit"] in self.units or order["assignee"] == self.username)


def viewer(cfg: WorkOrderConfig, username: str, sees_all: bool, office: bool) -> Viewer:
    return Viewer(username, sees_all, frozenset(u.id for u in cfg.units_of(username)), office)


@dataclass(frozen=True)
class Search:
    text: str = ""
    type: str = ""
    state: str = ""                 # a state, "open" (not closed or rejected) or ""
    unit: str = ""
    assignee: str = ""
    overdue: bool = False
    escalated: bool = False         # reminded or escalated by the sweep
    since: datetime | None = None
    until: datetime | None = None

    def where(self, v: Viewer, now: datetime) -> list[Any]:
        w: list[Any] = []
        if not v.sees_all:
            w.append(or_(orders.c.unit.in_(sorted(v.units)), orders.c.assignee == v.username,
                         orders.c.created_by == v.username))
        if self.text:
            like = f"%{self.text}%"
            alts = [orders.c.title.like(like), orders.c.description.like(like), orders.c.caller_number.like(like),
                    orders.c.caller_name.like(like), orders.c.account.like(like)]
            if re.fullmatch(r"[0-9]{1,18}", self.text):
                alts.append(orders.c.id == int(self.text))
            w.append(or_(*alts))
        for col, value in ((orders.c.type, self.type), (orders.c.unit, self.unit), (orders.c.assignee, self.assignee)):
            if value:
                w.append(col == value)
        if self.state == "open":
            w.append(orders.c.state.in_(sorted(s.value for s in OPEN_STATES | {State.DONE})))
        elif self.state:
            w.append(orders.c.state == self.state)
        if self.overdue:
            w.append(and_(orders.c.state.in_(sorted(s.value for s in OPEN_STATES)), orders.c.due_at <= now))
        if self.escalated:
            w.append(orders.c.escalation > 0)
        if self.since:
            w.append(orders.c.created_at >= self.since)
        if self.until:
            w.append(orders.c.created_at < self.until)
        return w


def search(conn: Connection, v: Viewer, s: Search, now: datetime, limit: int = 100,
           offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    w = s.where(v, now)
    total = conn.execute(select(func.count()).select_from(orders).where(*w)).scalar_one()
    rows = conn.execute(select(orders).where(*w).order_by(orders.c.id.desc()).limit(limit).offset(offset))
    return int(total), [_row(r) for r in rows]


def is_overdue(order: dict[str, Any], now: datetime) -> bool:
    return order["state"] in {s.value for s in OPEN_STATES} and order["due_at"] <= now


# ---- changing ------------------------------------------------------------------------------------------------
def move(conn: Connection, cfg: WorkOrderConfig, order_id: int, name: str, v: Viewer, note: str, now: datetime,
         unit: str = "", assignee: str = "") -> Move:
    """Make the move `name` as viewer v; OrderError (nothing written) when it may not be made."""
    order = _locked(conn, order_id, v)
    try:
        m = workflow.check(name, State(order["state"]), v.roles(order), note)
    except workflow.MoveRefused as exc:
        raise OrderError(str(exc)) from None
    values: dict[str, Any] = {"state": m.target.value, "updated_at": now, "state_since": now}
    detail = note.strip()
    if m.sets_unit:
        unit = unit or order["unit"]
        if unit not in cfg.units:
            raise OrderError(f"no unit {unit!r}")
        if assignee and assignee not in cfg.members_of(unit):
            raise OrderError(f"{assignee} is no member of {cfg.units[unit].name}")
        values.update(unit=unit, assignee=assignee or None)
        detail = f"→ {cfg.units[unit].name}" + (f" / {assignee}" if assignee else "") + (f": {detail}" if detail else "")
    if m.target == State.IN_PROGRESS and not order["assignee"]:
        values["assignee"] = v.username             # the crew member who takes it works it
    if m.target == State.REOPENED:
        t = cfg.types.get(order["type"])
        hours = t.deadline_h[order["priority"]] if t else 24.0
        values.update(closed_at=None, escalation=0, due_at=now + timedelta(hours=hours))
    if m.target in (State.CLOSED, State.REJECTED):
        values["closed_at"] = now
    conn.execute(update(orders).where(orders.c.id == order_id).values(**values))
    log_history(conn, order_id, now, v.username, m.name, order["state"], m.target.value, detail)
    if m.target == State.CLOSED:
        _closing_sms(conn, cfg, order, now)
    if m.target in (State.DONE, State.CLOSED, State.REJECTED, State.REOPENED):
        _on_timeline(conn, order, f"{order['title']}: {m.target.value}" + (f" ({note.strip()})" if note.strip() else ""),
                     now)
    return m


def _closing_sms(conn: Connection, cfg: WorkOrderConfig, order: dict[str, Any], now: datetime) -> None:
    t = cfg.types.get(order["type"])
    if t is None or not t.sms_on_close or not order["caller_number"]:
        return
    text = sms.wording(t.sms_on_close, order, t)
    sms.queue(conn, order["id"], order["caller_number"], text, now)
    log_history(conn, order["id"], now, "system", "sms", None, None, f"{order['caller_number']}: {text}")


def _locked(conn: Connection, order_id: int, v: Viewer) -> dict[str, Any]:
    r = conn.execute(select(orders).where(orders.c.id == order_id).with_for_update()).first()
    if r is None or not v.may_see(_row(r)):
        raise OrderError(f"no work order {order_id}")
    return _row(r)


def comment(conn: Connection, order_id: int, v: Viewer, text: str, now: datetime) -> None:
    _locked(conn, order_id, v)
    if not text.strip():
        raise OrderError("the comment is empty")
    conn.execute(update(orders).where(orders.c.id == order_id).values(updated_at=now))
    log_history(conn, order_id, now, v.username, "comment", None, None, text.strip())
