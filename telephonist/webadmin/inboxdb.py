"""Voicemail messages and faxes for the inbox and the API: search, one item, classify, mark handled.

The data right: a user with ``inbox.all`` sees every mailbox and every fax; without it, only the
voicemail box whose number is the user's agent ID (an agent's own box), and no faxes (fax
mailboxes are the office's). Anything else does not exist as far as that user knows (404).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, Table, and_, false, func, or_, select, update
from sqlalchemy.engine import Connection

from telephonist.faxd.schema import faxes
from telephonist.ivrd.schema import voicemail_boxes, voicemail_messages
from telephonist.storage.database import utcnow
from telephonist.webadmin.accounts import User
from telephonist.webadmin.calllog import parse_when

CATEGORIES = ("complaint", "suggestion", "other")
VM = voicemail_messages.c
FX = faxes.c


@dataclass
class InboxSearch:
    since: datetime | None = None
    until: datetime | None = None
    mailbox: str = ""
    number: str = ""               # caller (or the fax's remote station) contains
    category: str = ""
    handled: str = ""              # "", "yes", "no"
    state: str = ""                # voicemail: new, saved, deleted ("" = not deleted)
    direction: str = ""            # fax: inbound, outbound
    result: str = ""               # fax: ok, failed

    @classmethod
    def from_args(cls, args: Any, tz: ZoneInfo) -> "InboxSearch":
        s = cls(since=parse_when(args.get("since", ""), tz, "since"),
                until=parse_when(args.get("until", ""), tz, "until", end=True))
        for name in ("mailbox", "number", "category", "handled", "state", "direction", "result"):
            setattr(s, name, args.get(name, "").strip()[:64])
        for name, allowed in (("category", CATEGORIES), ("handled", ("yes", "no")), ("state", ("new", "saved", "deleted")),
                              ("direction", ("inbound", "outbound")), ("result", ("ok", "failed"))):
            if getattr(s, name) and getattr(s, name) not in allowed:
                raise ValueError(f"{name}: one of {', '.join(allowed)}")
        return s

    def as_args(self, tz: ZoneInfo) -> dict[str, str]:
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v:
                out[f.name] = v.astimezone(tz).strftime("%Y-%m-%dT%H:%M") if isinstance(v, datetime) else str(v)
        return out


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _common(stmt: Select, s: InboxSearch, table: Table, at) -> Select:
    c = table.c
    conds = []
    if s.since:
        conds.append(at >= s.since)
    if s.until:
        conds.append(at < s.until)
    if s.mailbox:
        conds.append(c.mailbox == s.mailbox)
    if s.category:
        conds.append(c.category == s.category)
    if s.handled:
        conds.append(c.handled.is_(s.handled == "yes"))
    return stmt.where(and_(*conds)) if conds else stmt


# ---- voicemail ------------------------------------------------------------------------------------
def visible_voicemail(stmt: Select, user: User) -> Select:
    if user.can("inbox.all"):
        return stmt
    return stmt.where(VM.mailbox == user.agent_id) if user.agent_id else stmt.where(false())


def may_see_voicemail(msg: dict[str, Any], user: User) -> bool:
    return user.can("inbox.all") or (bool(user.agent_id) and msg["mailbox"] == user.agent_id)


def _vm_filtered(stmt: Select, s: InboxSearch) -> Select:
    stmt = _common(stmt, s, voicemail_messages, VM.created_at)
    if s.number:
        stmt = stmt.where(VM.caller.like(_like(s.number), escape="\\"))
    return stmt.where(VM.state == s.state) if s.state else stmt.where(VM.state != "deleted")


def voicemail(conn: Connection, user: User, s: InboxSearch, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    stmt = visible_voicemail(_vm_filtered(select(voicemail_messages, voicemail_boxes.c.name.label("box_name"))
                                          .outerjoin(voicemail_boxes, voicemail_boxes.c.mailbox == VM.mailbox), s), user)
    stmt = stmt.order_by(VM.created_at.desc(), VM.id.desc()).limit(limit).offset(offset)
    return [dict(r._mapping) for r in conn.execute(stmt)]


def count_voicemail(conn: Connection, user: User, s: InboxSearch) -> int:
    stmt = visible_voicemail(_vm_filtered(select(func.count()).select_from(voicemail_messages), s), user)
    return int(conn.execute(stmt).scalar() or 0)


def get_voicemail(conn: Connection, msg_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(voicemail_messages, voicemail_boxes.c.name.label("box_name"))
                       .outerjoin(voicemail_boxes, voicemail_boxes.c.mailbox == VM.mailbox)
                       .where(VM.id == msg_id)).first()
    return dict(row._mapping) if row else None


def mailboxes_of(conn: Connection, user: User) -> list[str]:
    stmt = select(voicemail_boxes.c.mailbox).order_by(voicemail_boxes.c.mailbox)
    if not user.can("inbox.all"):
        stmt = stmt.where(voicemail_boxes.c.mailbox == user.agent_id) if user.agent_id else stmt.where(false())
    return list(conn.execute(stmt).scalars())


# ---- faxes ----------------------------------------------------------------------------------------
def visible_faxes(stmt: Select, user: User) -> Select:
    return stmt if user.can("inbox.all") else stmt.where(false())


def may_see_fax(user: User) -> bool:
    return user.can("inbox.all")


def _fax_filtered(stmt: Select, s: InboxSearch) -> Select:
    stmt = _common(stmt, s, faxes, FX.created_at)
    if s.number:
        pat = _like(s.number)
        stmt = stmt.where(or_(FX.caller.like(pat, escape="\\"), FX.dialled.like(pat, escape="\\"),
                              FX.remote_ident.like(pat, escape="\\")))
    if s.direction:
        stmt = stmt.where(FX.direction == s.direction)
    if s.result:
        stmt = stmt.where(FX.result_code == 0 if s.result == "ok" else FX.result_code != 0)
    return stmt


def fax_list(conn: Connection, user: User, s: InboxSearch, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    stmt = visible_faxes(_fax_filtered(select(faxes), s), user)
    stmt = stmt.order_by(FX.created_at.desc(), FX.id.desc()).limit(limit).offset(offset)
    return [dict(r._mapping) for r in conn.execute(stmt)]


def count_faxes(conn: Connection, user: User, s: InboxSearch) -> int:
    return int(conn.execute(visible_faxes(_fax_filtered(select(func.count()).select_from(faxes), s), user)).scalar() or 0)


def get_fax(conn: Connection, fax_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(faxes).where(FX.id == fax_id)).first()
    return dict(row._mapping) if row else None


def fax_mailboxes(conn: Connection) -> list[str]:
    return [m for m in conn.execute(select(FX.mailbox).distinct().order_by(FX.mailbox)).scalars() if m]


# ---- marks ----------------------------------------------------------------------------------------
def classify(conn: Connection, table: Table, item_id: int, category: str) -> None:
    if category not in CATEGORIES:
        raise ValueError(f"category: one of {', '.join(CATEGORIES)}")
    conn.execute(update(table).where(table.c.id == item_id).values(category=category))


def mark_handled(conn: Connection, table: Table, item_id: int, handled: bool, by: str) -> None:
    values = {"handled": True, "handled_by": by, "handled_at": utcnow()} if handled else \
        {"handled": False, "handled_by": None, "handled_at": None}
    conn.execute(update(table).where(table.c.id == item_id).values(**values))


def for_json(item: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in item.items() if k not in drop}
