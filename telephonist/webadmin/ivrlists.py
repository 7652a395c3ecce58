"""The lists ivrd reads on every call and operators keep in the web admin: blacklist (with expiry),
VIP callers, and holidays (dates that override a schedule's week). Plain functions of a Connection."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from telephonist.ivrd.schema import blacklist, holidays, vip
from telephonist.storage.database import utcnow

NUMBER = re.compile(r"^\+?[0-9]{1,32}\*?$")           # a number, or a prefix ending in *
APPLICATION = re.compile(r"^[a-z]+:[A-Za-z0-9_.\-]+$")
EXPIRY = {"5m": timedelta(minutes=5), "30m": timedelta(minutes=30), "forever": None}
HOLIDAY_KINDS = ("holiday", "workday")


class ListError(ValueError):
    """The entry is refused; the message says why."""


def _number(text: str) -> str:
    n = re.sub(r"[\s\-]", "", text)
    if not NUMBER.match(n):
        raise ListError("a number is digits (a prefix ends in *)")
    return n


# ---- blacklist ------------------------------------------------------------------------------------
def block(conn: Connection, number: str, reason: str, expires_at: datetime | None, by: str) -> tuple[int, bool]:
    """List a number (again: its expiry and reason are renewed); returns (id, was it new)."""
    number = _number(number)
    if expires_at is not None and expires_at <= utcnow():
        raise ListError("the expiry is in the past")
    row = conn.execute(select(blacklist.c.id).where(blacklist.c.number == number)).first()
    values = {"reason": reason.strip()[:500], "expires_at": expires_at, "created_by": by, "created_at": utcnow()}
    if row:
        conn.execute(update(blacklist).where(blacklist.c.id == row.id).values(**values))
        return int(row.id), False
    return int(conn.execute(insert(blacklist).values(number=number, **values)).inserted_primary_key[0]), True


def blocked(conn: Connection) -> list[dict[str, Any]]:
    now = utcnow()
    rows = [dict(r._mapping) for r in conn.execute(select(blacklist).order_by(blacklist.c.created_at.desc()))]
    for r in rows:
        r["expired"] = r["expires_at"] is not None and r["expires_at"] <= now
    return sorted(rows, key=lambda r: r["expired"])


def unblock(conn: Connection, entry_id: int) -> str | None:
    row = conn.execute(select(blacklist.c.number).where(blacklist.c.id == entry_id)).first()
    if row:
        conn.execute(delete(blacklist).where(blacklist.c.id == entry_id))
    return row.number if row else None


def purge_expired(conn: Connection) -> int:
    return conn.execute(delete(blacklist).where(blacklist.c.expires_at <= utcnow())).rowcount or 0


def expiry(choice: str, custom: datetime | None) -> datetime | None:
    """The expiry a form's choice means (5 minutes, 30 minutes, for good, or a given time)."""
    if choice == "custom":
        if custom is None:
            raise ListError("give the date and time it expires")
        return custom
    if choice not in EXPIRY:
        raise ListError("expiry: 5m, 30m, forever or custom")
    span = EXPIRY[choice]
    return None if span is None else utcnow() + span


# ---- VIP ------------------------------------------------------------------------------------------
def add_vip(conn: Connection, number: str, customer_class: str, name: str, target: str) -> int:
    number, customer_class, target = number.strip(), customer_class.strip(), target.strip()
    if bool(number) == bool(customer_class):
        raise ListError("give a number or a customer class (one of them)")
    if number:
        number = _number(number)
        if conn.execute(select(vip.c.id).where(vip.c.number == number)).first():
            raise ListError(f"{number} is on the VIP list already")
    if target and not APPLICATION.match(target):
        raise ListError("target: where VIP calls go, like queue:vip (or empty)")
    return int(conn.execute(insert(vip).values(number=number or None, customer_class=customer_class or None,
                                               name=name.strip()[:200], target=target,
                                               created_at=utcnow())).inserted_primary_key[0])


def vips(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(select(vip).order_by(vip.c.number, vip.c.customer_class))]


def remove_vip(conn: Connection, entry_id: int) -> str | None:
    row = conn.execute(select(vip).where(vip.c.id == entry_id)).first()
    if row:
        conn.execute(delete(vip).where(vip.c.id == entry_id))
    return (row.number or row.customer_class) if row else None


# ---- holidays -------------------------------------------------------------------------------------
def add_holiday(conn: Connection, day: date, kind: str, name: str, schedule: str) -> int:
    if kind not in HOLIDAY_KINDS:
        raise ListError("kind: holiday (closed) or workday (open)")
    if conn.execute(select(holidays.c.id).where(holidays.c.day == day, holidays.c.schedule == schedule)).first():
        raise ListError(f"{day} is listed already for this schedule")
    return int(conn.execute(insert(holidays).values(day=day, kind=kind, name=name.strip()[:200],
                                                    schedule=schedule)).inserted_primary_key[0])


def holiday_list(conn: Connection, since: date | None = None) -> list[dict[str, Any]]:
    q = select(holidays).order_by(holidays.c.day, holidays.c.schedule)
    if since:
        q = q.where(holidays.c.day >= since)
    return [dict(r._mapping) for r in conn.execute(q)]


def remove_holiday(conn: Connection, entry_id: int) -> str | None:
    row = conn.execute(select(holidays).where(holidays.c.id == entry_id)).first()
    if row:
        conn.execute(delete(holidays).where(holidays.c.id == entry_id))
    return str(row.day) if row else None
