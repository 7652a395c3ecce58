"""The blacklist and the VIP list: plain functions of a Connection (ivr_blacklist, ivr_vip).

A blacklist entry is an exact caller number or a prefix ending in * ("1700*"),
for a while (5 or 30 minutes: a caller who keeps entering wrong passwords) or
for good (expires_at NULL). An expired entry no longer blocks and is purged
later. A VIP entry is a caller number, or a customer class that a lookup found
(gold, platinum ...), with an optional target (queue:vip) the flow may use.
Operators edit both lists in the web admin; flows add to the blacklist.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from telephonist.ivrd.schema import blacklist, vip

# What the web admin offers; a flow's add_to_blacklist node says minutes itself.
EXPIRY_CHOICES: dict[str, int | None] = {"5 minutes": 5, "30 minutes": 30, "for good": None}


@dataclass(frozen=True)
class BlacklistEntry:
    number: str                    # the number or the prefix* that matched
    reason: str
    expires_at: datetime | None    # None: for good
    created_by: str


@dataclass(frozen=True)
class VipEntry:
    number: str | None
    customer_class: str | None
    name: str
    target: str


def find_block(conn: Connection, number: str, now: datetime) -> BlacklistEntry | None:
    """The entry that blocks a caller now: the exact number first, then the longest prefix."""
    if not number:
        return None
    t = blacklist
    rows = conn.execute(select(t.c.number, t.c.reason, t.c.expires_at, t.c.created_by).where(
        or_(t.c.number == number, t.c.number.like("%*")),
        or_(t.c.expires_at.is_(None), t.c.expires_at > now))).all()
    best = None
    for r in rows:
        if r.number == number:
            return BlacklistEntry(r.number, r.reason, r.expires_at, r.created_by)
        prefix = r.number[:-1]
        if number.startswith(prefix) and (best is None or len(r.number) > len(best.number)):
            best = r
    return BlacklistEntry(best.number, best.reason, best.expires_at, best.created_by) if best else None


def block(conn: Connection, number: str, minutes: int | None, now: datetime, reason: str = "",
          created_by: str = "") -> BlacklistEntry:
    """Block a number (or prefix*) for `minutes` (None or 0: for good). An entry already there is
    extended, never shortened: a caller blocked for good stays blocked for good."""
    if not number:
        raise ValueError("no number to block")
    expires = now + timedelta(minutes=minutes) if minutes else None
    t = blacklist
    row = conn.execute(select(t.c.expires_at).where(t.c.number == number)).first()
    if row is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(t).values(number=number, reason=reason, expires_at=expires,
                                              created_by=created_by, created_at=now))
            return BlacklistEntry(number, reason, expires, created_by)
        except IntegrityError:        # another call blocked it at the same moment
            row = conn.execute(select(t.c.expires_at).where(t.c.number == number)).first()
    active = row is not None and (row.expires_at is None or row.expires_at > now)
    if active and (row.expires_at is None or (expires is not None and row.expires_at >= expires)):
        return BlacklistEntry(number, reason, row.expires_at, created_by)
    conn.execute(update(t).where(t.c.number == number).values(
        reason=reason, expires_at=expires, created_by=created_by, created_at=now))
    return BlacklistEntry(number, reason, expires, created_by)


def unblock(conn: Connection, number: str) -> bool:
    return conn.execute(delete(blacklist).where(blacklist.c.number == number)).rowcount > 0


def purge_expired(conn: Connection, now: datetime) -> int:
    t = blacklist
    return conn.execute(delete(t).where(t.c.expires_at.is_not(None), t.c.expires_at <= now)).rowcount


def find_vip(conn: Connection, number: str, customer_class: str = "") -> VipEntry | None:
    """A VIP by caller number first, else by customer class (case does not matter)."""
    t = vip
    cols = (t.c.number, t.c.customer_class, t.c.name, t.c.target)
    if number:
        r = conn.execute(select(*cols).where(t.c.number == number)).first()
        if r is not None:
            return VipEntry(*r)
    if customer_class:
        r = conn.execute(select(*cols).where(t.c.number.is_(None),
                                             func.lower(t.c.customer_class) == customer_class.lower())
                         .order_by(t.c.id)).first()
        if r is not None:
            return VipEntry(*r)
    return None
