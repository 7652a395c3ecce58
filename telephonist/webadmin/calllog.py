"""Searching call records for the call log, the exports and the API (SQLAlchemy Core, read only).

The data right: a user without ``calls.all`` sees only the legs whose
``application`` is the user's agent id (``agent:ID`` or ``ID``); a user with
neither sees nothing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.engine import Connection

from telephonist.storage.schema import DIRECTIONS, DISPOSITIONS, call_events, call_legs
from telephonist.webadmin import numbers
from telephonist.webadmin.accounts import User

L = call_legs.c
MAX_TALK_S = 10_000_000             # talk-time bounds a search may give (the database's integers stay far off)
EXPORT_COLUMNS = ("id", "call_id", "direction", "span", "channel", "trunk_group", "caller", "dialled",
                  "application", "disposition", "hangup_cause", "started_at", "answered_at", "ended_at",
                  "ring_ms", "talk_ms", "recording_path", "node")


@dataclass
class CallSearch:
    """A call-log query as the form and the API give it (text in, checked here)."""
    since: datetime | None = None
    until: datetime | None = None
    number: str = ""                # caller or dialled, a substring
    caller: str = ""
    dialled: str = ""
    channel: str = ""               # "span/N" or "span"
    disposition: str = ""           # one of DISPOSITIONS or "open"
    direction: str = ""
    min_talk_s: int | None = None
    max_talk_s: int | None = None

    @classmethod
    def from_args(cls, args: Any, tz: ZoneInfo) -> "CallSearch":
        """From request.args; local dates/times in ``tz``. Raises ValueError naming a bad field."""
        s = cls()
        s.since = parse_when(args.get("since", ""), tz, "since")
        s.until = parse_when(args.get("until", ""), tz, "until", end=True)
        for name in ("number", "caller", "dialled", "channel"):
            setattr(s, name, args.get(name, "").strip()[:64])
        s.disposition = args.get("disposition", "").strip()
        if s.disposition and s.disposition not in DISPOSITIONS | {"open"}:
            raise ValueError(f"disposition: one of {', '.join(sorted(DISPOSITIONS))}, open")
        s.direction = args.get("direction", "").strip()
        if s.direction and s.direction not in DIRECTIONS:
            raise ValueError("direction: inbound or outbound")
        for name in ("min_talk_s", "max_talk_s"):
            raw = args.get(name, "").strip()
            if raw:
                setattr(s, name, numbers.whole(raw, name, 0, MAX_TALK_S))
        span, slash, num = s.channel.partition("/")
        if slash and num and not numbers.is_digits(num, 1, 5):
            raise ValueError("channel: span/N with N in digits 0-9, or a span's name")
        return s

    def as_args(self, tz: ZoneInfo) -> dict[str, str]:
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v is None or v == "":
                continue
            out[f.name] = v.astimezone(tz).strftime("%Y-%m-%dT%H:%M") if isinstance(v, datetime) else str(v)
        return out


def parse_when(text: str, tz: ZoneInfo, name: str, end: bool = False) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        if len(text) == 10:                                     # a date: the whole day
            d = date.fromisoformat(text)
            t = datetime.combine(d + timedelta(days=1) if end else d, time(0), tz)
            return t
        t = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name}: a date (2026-11-23) or date and time (2026-11-23T08:30)") from None
    return t.replace(tzinfo=tz) if t.tzinfo is None else t


def visible(stmt: Select, user: User) -> Select:
    """Restrict ``stmt`` (over call_legs) to what ``user`` may see."""
    if user.can("calls.all"):
        return stmt
    if not user.agent_id:
        return stmt.where(false())
    return stmt.where(or_(L.application == user.agent_id, L.application == f"agent:{user.agent_id}"))


def may_see(leg: dict[str, Any], user: User) -> bool:
    if user.can("calls.all"):
        return True
    return bool(user.agent_id) and leg.get("application") in (user.agent_id, f"agent:{user.agent_id}")


def _filtered(stmt: Select, s: CallSearch) -> Select:
    conds = []
    if s.since:
        conds.append(L.started_at >= s.since)
    if s.until:
        conds.append(L.started_at < s.until)
    if s.number:
        pat = f"%{_like(s.number)}%"
        conds.append(or_(L.caller.like(pat, escape="\\"), L.dialled.like(pat, escape="\\")))
    if s.caller:
        conds.append(L.caller.like(f"%{_like(s.caller)}%", escape="\\"))
    if s.dialled:
        conds.append(L.dialled.like(f"%{_like(s.dialled)}%", escape="\\"))
    if s.channel:
        span, _, num = s.channel.partition("/")
        conds.append(L.span == span)
        if num:
            conds.append(L.channel == int(num))          # digits only: from_args checked it
    if s.disposition == "open":
        conds.append(L.ended_at.is_(None))
    elif s.disposition:
        conds.append(L.disposition == s.disposition)
    if s.direction:
        conds.append(L.direction == s.direction)
    if s.min_talk_s is not None:
        conds.append(func.coalesce(L.talk_ms, 0) >= s.min_talk_s * 1000)
    if s.max_talk_s is not None:
        conds.append(func.coalesce(L.talk_ms, 0) <= s.max_talk_s * 1000)
    return stmt.where(and_(*conds)) if conds else stmt


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(conn: Connection, user: User, s: CallSearch, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    stmt = visible(_filtered(select(call_legs), s), user)
    stmt = stmt.order_by(L.started_at.desc(), L.id.desc()).limit(limit).offset(offset)
    return [dict(r._mapping) for r in conn.execute(stmt)]


def count(conn: Connection, user: User, s: CallSearch) -> int:
    stmt = visible(_filtered(select(func.count()).select_from(call_legs), s), user)
    return int(conn.execute(stmt).scalar() or 0)


def get(conn: Connection, leg_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(call_legs).where(L.id == leg_id)).first()
    return dict(row._mapping) if row else None


def events(conn: Connection, leg_id: int) -> list[dict[str, Any]]:
    E = call_events.c
    rows = conn.execute(select(call_events).where(E.leg_id == leg_id).order_by(E.at, E.id))
    return [{"id": r.id, "at": r.at, "kind": r.kind, "data": json.loads(r.data)} for r in rows]


def other_legs(conn: Connection, user: User, leg: dict[str, Any]) -> list[dict[str, Any]]:
    stmt = visible(select(call_legs).where(L.call_id == leg["call_id"], L.id != leg["id"]), user)
    return [dict(r._mapping) for r in conn.execute(stmt.order_by(L.started_at))]


def for_json(leg: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in leg.items()}
