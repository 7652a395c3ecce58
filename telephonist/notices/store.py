"""Sending notices and reading them. The audience is resolved into agents when the notice is sent (who joins a
queue later does not get it), so a read receipt is one row per agent the sender can count."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection

from telephonist.notices.schema import notices, recipients
from telephonist.webadmin.schema import roles, users

MAX_TEXT = 1000
MAX_MINUTES = 7 * 24 * 60
AUDIENCE = re.compile(r"^(all|(agent|queue|role):[0-9A-Za-z_.-]{1,64})$")
RECENT = 50


class NoticeError(ValueError):
    """A notice that cannot be sent (the message says why)."""


@dataclass(frozen=True)
class Recipient:
    user_id: int
    username: str
    agent_id: str


def _now() -> datetime:
    return datetime.now(timezone.utc)


def audience_agents(conn: Connection, audience: str, queue_agents: dict[str, list[str]]) -> list[Recipient]:
    """The active users with an agent ID the audience means. ``queue_agents``: each queue's agent numbers (the
    ACD's configuration)."""
    if not AUDIENCE.match(audience):
        raise NoticeError("a notice goes to agent:N, queue:NAME, role:NAME or all")
    kind, _, name = audience.partition(":")
    q = (select(users.c.id, users.c.username, users.c.agent_id).select_from(users.join(roles, roles.c.id == users.c.role_id))
         .where(and_(users.c.active.is_(True), users.c.agent_id.is_not(None), users.c.agent_id != "")))
    if kind == "agent":
        q = q.where(users.c.agent_id == name)
    elif kind == "queue":
        if name not in queue_agents:
            raise NoticeError(f"there is no queue {name!r}")
        q = q.where(users.c.agent_id.in_(queue_agents[name] or [""]))
    elif kind == "role":
        q = q.where(roles.c.name == name)
    found = [Recipient(r.id, r.username, r.agent_id) for r in conn.execute(q.order_by(users.c.agent_id))]
    if not found:
        raise NoticeError(f"no agent is {audience} (an agent is a user with an agent ID)")
    return found


def send(conn: Connection, sender: str, audience: str, text: str, minutes: int, wallboard: bool,
         to: list[Recipient]) -> dict[str, Any]:
    """The notice as sent (what the desktops and wallboards are told)."""
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise NoticeError(f"a notice is 1 to {MAX_TEXT} characters")
    if not 1 <= minutes <= MAX_MINUTES:
        raise NoticeError(f"a notice shows for 1 to {MAX_MINUTES} minutes")
    now = _now()
    row = {"sent_at": now, "sender": sender, "audience": audience, "text": text, "wallboard": wallboard,
           "ends_at": now + timedelta(minutes=minutes)}
    notice_id = int(conn.execute(insert(notices).values(**row)).inserted_primary_key[0])
    conn.execute(insert(recipients), [{"notice_id": notice_id, "user_id": r.user_id, "username": r.username,
                                       "agent_id": r.agent_id} for r in to])
    return _public({"id": notice_id, **row})


def _public(n: dict[str, Any]) -> dict[str, Any]:
    return {"id": n["id"], "sender": n["sender"], "audience": n["audience"], "text": n["text"],
            "wallboard": bool(n["wallboard"]), "sent_at": n["sent_at"].isoformat(), "ends_at": n["ends_at"].isoformat()}


def _showing(now: datetime):
    return and_(notices.c.withdrawn_at.is_(None), notices.c.ends_at > now)


def unread(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    """The user's notices not read yet and still showing, oldest first."""
    q = (select(notices).select_from(notices.join(recipients, recipients.c.notice_id == notices.c.id))
         .where(and_(recipients.c.user_id == user_id, recipients.c.read_at.is_(None), _showing(_now())))
         .order_by(notices.c.sent_at, notices.c.id))
    return [_public(dict(r._mapping)) for r in conn.execute(q)]


def mark_read(conn: Connection, notice_id: int, user_id: int) -> bool:
    """True when the user was a recipient (reading it twice keeps the first time)."""
    mine = conn.execute(select(recipients.c.read_at).where(and_(recipients.c.notice_id == notice_id,
                                                                recipients.c.user_id == user_id))).first()
    if mine is None:
        return False
    if mine.read_at is None:
        conn.execute(update(recipients).where(and_(recipients.c.notice_id == notice_id,
                                                   recipients.c.user_id == user_id)).values(read_at=_now()))
    return True


def sent(conn: Connection, sender: str | None) -> list[dict[str, Any]]:
    """The latest notices (of ``sender``, or everyone's), each with how many agents it reached and read it."""
    total = select(func.count()).where(recipients.c.notice_id == notices.c.id).scalar_subquery()
    read = select(func.count()).where(and_(recipients.c.notice_id == notices.c.id,
                                           recipients.c.read_at.is_not(None))).scalar_subquery()
    q = select(notices, total.label("recipients"), read.label("read")).order_by(notices.c.sent_at.desc(),
                                                                                notices.c.id.desc()).limit(RECENT)
    if sender is not None:
        q = q.where(notices.c.sender == sender)
    return [dict(r._mapping) for r in conn.execute(q)]


def notice(conn: Connection, notice_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(notices).where(notices.c.id == notice_id)).first()
    return dict(row._mapping) if row else None


def receipts(conn: Connection, notice_id: int) -> list[dict[str, Any]]:
    """Who the notice went to and when each read it (unread ones first)."""
    q = (select(recipients.c.username, recipients.c.agent_id, recipients.c.read_at)
         .where(recipients.c.notice_id == notice_id)
         .order_by(recipients.c.read_at.is_not(None), recipients.c.read_at, recipients.c.agent_id))
    return [dict(r._mapping) for r in conn.execute(q)]


def withdraw(conn: Connection, notice_id: int) -> dict[str, Any] | None:
    """Stop showing it (desktops and wallboards); the notice and its receipts stay."""
    found = notice(conn, notice_id)
    if found is not None and found["withdrawn_at"] is None:
        conn.execute(update(notices).where(notices.c.id == notice_id).values(withdrawn_at=_now()))
    return found


def on_wallboard(conn: Connection) -> list[dict[str, Any]]:
    q = (select(notices).where(and_(notices.c.wallboard.is_(True), _showing(_now())))
         .order_by(notices.c.sent_at.desc(), notices.c.id.desc()).limit(5))
    return [_public(dict(r._mapping)) for r in conn.execute(q)]

