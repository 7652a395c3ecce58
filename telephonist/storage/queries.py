"""The call-record statements, as plain functions of a Connection.

CallRecordStore runs the writing ones in its writer thread (inside a batch
transaction) and the reading ones in its reader threads. Tools that read
records synchronously (the web pages, `telephonist calls`) can call the
reading ones directly.

Writing functions report a caller's mistake (unknown leg, leg already closed)
by returning ``Failed(...)``, so that the rest of the batch still commits.
"""
from __future__ import annotations

import enum
import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from telephonist.storage.database import utcnow
from telephonist.storage.models import Leg, LegClosed, LegEvent, LegFilter, LegNotFound, LegOpen
from telephonist.storage.schema import DIRECTIONS, DISPOSITIONS, UPDATABLE, call_events, call_legs
from telephonist.storage.writer import Failed

L, E = call_legs.c, call_events.c


# ---- checks (run in the caller, before anything is queued) ----------------------------------
def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def check_direction(direction: str) -> str:
    direction = _plain(direction)
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {sorted(DIRECTIONS)}, not {direction!r}")
    return direction


def check_disposition(disposition: str | None) -> str | None:
    disposition = _plain(disposition)
    if disposition is not None and disposition not in DISPOSITIONS:
        raise ValueError(f"disposition must be one of {sorted(DISPOSITIONS)}, not {disposition!r}")
    return disposition


def check_aware(name: str, value: datetime | None) -> None:
    if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime, not {value!r}")


def leg_values(leg: LegOpen) -> dict[str, Any]:
    check_aware("started_at", leg.started_at)
    direction = check_direction(leg.direction)
    return {
        "call_id": leg.call_id, "direction": direction, "span": str(leg.span), "channel": int(leg.channel),
        "trunk_group": leg.trunk_group, "caller": leg.caller or "", "dialled": leg.dialled or "",
        "application": leg.application, "node": leg.node,
        "state": leg.state or ("ringing" if direction == "inbound" else "dialing"),
        "started_at": leg.started_at or utcnow(),
    }


def update_values(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise ValueError(f"call_legs has no updatable column(s) {sorted(unknown)}")
    for name, value in fields.items():
        if name.endswith("_at"):
            check_aware(name, value)
    fields = {k: _plain(v) for k, v in fields.items()}
    if "direction" in fields:
        check_direction(fields["direction"])
    if "disposition" in fields:
        check_disposition(fields["disposition"])
    return fields


def event_json(data: dict[str, Any] | None) -> str:
    # default=str: enum members, paths, datetimes in event data are written as their text.
    return json.dumps(data or {}, ensure_ascii=False, separators=(",", ":"), default=str)


def _ms(later: datetime, earlier: datetime) -> int:
    return max(0, round((later - earlier).total_seconds() * 1000))


# ---- writes --------------------------------------------------------------------------------
# Built once: values go in as parameters, so SQLAlchemy's compiled-statement cache is hit
# without rebuilding a statement (and its cache key) per write. An UPDATE's SET clause is
# made of the parameter names given, other than b_leg_id.
_INSERT_LEG = call_legs.insert()
_INSERT_EVENT = call_events.insert()
_UPDATE_LEG = call_legs.update().where(L.id == bindparam("b_leg_id"))
_LEG_EXISTS = select(L.id).where(L.id == bindparam("b_leg_id"))
_LEG_TIMES = select(L.started_at, L.answered_at, L.ended_at).where(L.id == bindparam("b_leg_id"))


def insert_leg(conn: Connection, values: dict[str, Any]) -> int:
    return int(conn.execute(_INSERT_LEG, values).inserted_primary_key[0])


def update_leg(conn: Connection, leg_id: int, values: dict[str, Any]) -> Any:
    if not values:
        found = conn.execute(_LEG_EXISTS, {"b_leg_id": leg_id}).first()
        return None if found else Failed(LegNotFound(leg_id))
    result = conn.execute(_UPDATE_LEG, {**values, "b_leg_id": leg_id})
    return None if result.rowcount else Failed(LegNotFound(leg_id))


def insert_event(conn: Connection, leg_id: int, kind: str, at: datetime, data: str) -> int:
    params = {"leg_id": leg_id, "kind": kind, "at": at, "data": data}
    return int(conn.execute(_INSERT_EVENT, params).inserted_primary_key[0])


def close_leg(conn: Connection, leg_id: int, values: dict[str, Any]) -> Any:
    """Close an open leg; ring_ms/talk_ms are worked out from its times unless given."""
    row = conn.execute(_LEG_TIMES, {"b_leg_id": leg_id}).first()
    if row is None:
        return Failed(LegNotFound(leg_id))
    if row.ended_at is not None:
        return Failed(LegClosed(leg_id))
    values = {k: v for k, v in values.items() if v is not None}     # None: keep what is there
    ended = values.setdefault("ended_at", utcnow())
    answered = values.get("answered_at", row.answered_at)
    values.setdefault("ring_ms", _ms(answered or ended, row.started_at))
    if answered is not None:
        values.setdefault("talk_ms", _ms(ended, answered))
    conn.execute(_UPDATE_LEG, {**values, "b_leg_id": leg_id})
    return None


def close_interrupted(conn: Connection, node: str, now: datetime) -> int:
    """Close every open leg of ``node`` as interrupted, at its last event's time (else ``now``)."""
    last_event = select(func.max(E.at)).where(E.leg_id == L.id).scalar_subquery()
    rows = conn.execute(
        select(L.id, L.started_at, L.answered_at, last_event.label("last_at"))
        .where(L.node == node, L.ended_at.is_(None))
    ).all()
    if not rows:
        return 0
    params = []
    for r in rows:
        ended = max(r.last_at or now, r.started_at)
        params.append({
            "b_id": r.id, "ended_at": ended,
            "ring_ms": _ms(r.answered_at or ended, r.started_at),
            "talk_ms": _ms(ended, r.answered_at) if r.answered_at is not None else None,
        })
    stmt = (call_legs.update().where(L.id == bindparam("b_id"))
            .values(disposition="interrupted", state="ended", ended_at=bindparam("ended_at"),
                    ring_ms=bindparam("ring_ms"), talk_ms=bindparam("talk_ms")))
    conn.execute(stmt, params)
    return len(rows)


# ---- reads ---------------------------------------------------------------------------------
def _leg(row: Any) -> Leg:
    return Leg(**row._mapping)


def get_leg(conn: Connection, leg_id: int) -> Leg | None:
    row = conn.execute(select(call_legs).where(L.id == leg_id)).first()
    return None if row is None else _leg(row)


def recent(conn: Connection, limit: int, filters: LegFilter | None) -> list[Leg]:
    stmt = select(call_legs)
    f = filters or LegFilter()
    for name in ("call_id", "caller", "dialled", "disposition", "direction", "node", "span",
                 "trunk_group", "application"):
        value = getattr(f, name)
        if value is not None:
            stmt = stmt.where(L[name] == value)
    if f.since is not None:
        stmt = stmt.where(L.started_at >= f.since)
    if f.until is not None:
        stmt = stmt.where(L.started_at < f.until)
    if f.open is not None:
        stmt = stmt.where(L.ended_at.is_(None) if f.open else L.ended_at.is_not(None))
    stmt = stmt.order_by(L.started_at.desc(), L.id.desc()).limit(limit)
    return [_leg(r) for r in conn.execute(stmt)]


def events(conn: Connection, leg_id: int) -> list[LegEvent]:
    rows = conn.execute(select(call_events).where(E.leg_id == leg_id).order_by(E.at, E.id))
    return [LegEvent(id=r.id, leg_id=r.leg_id, at=r.at, kind=r.kind, data=json.loads(r.data)) for r in rows]
