"""Duplicates in the customer file (open customers sharing a phone number or an ID number) and their merge:
the duplicate's phones, addresses, custom values it alone has and timeline move to the survivor, and the
duplicate stays as a row with status "merged" pointing at the survivor (so an old customer number still leads
somewhere). The caller audits the merge."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from telephonist.crm.schema import customer_addresses, customer_phones, customer_timeline, customers
from telephonist.crm.store import PIN_REALM, CustomerError, customer_row, get
from telephonist.ivrd import accounts as ivr_accounts
from telephonist.storage.database import utcnow

MAX_GROUPS = 200


def duplicates(conn: Connection, limit: int = MAX_GROUPS) -> list[dict[str, Any]]:
    """Groups of open customers with the same phone number or ID number: [{"by", "value", "customers"}]."""
    c, p = customers.c, customer_phones.c
    groups: list[dict[str, Any]] = []
    phone_q = (select(p.number).join(customers, c.id == p.customer_id).where(c.status == "open")
               .group_by(p.number).having(func.count(func.distinct(p.customer_id)) > 1).order_by(p.number).limit(limit))
    for number in conn.execute(phone_q).scalars():
        ids = select(p.customer_id).where(p.number == number)
        groups.append({"by": "phone", "value": number, "ids": ids})
    card_q = (select(c.id_card).where(c.status == "open", c.id_card.is_not(None)).group_by(c.id_card)
              .having(func.count() > 1).order_by(c.id_card).limit(limit))
    for card in conn.execute(card_q).scalars():
        groups.append({"by": "id_card", "value": card, "ids": select(c.id).where(c.id_card == card)})
    for g in groups:
        q = select(customers).where(c.id.in_(g.pop("ids")), c.status == "open").order_by(c.id)
        g["customers"] = [customer_row(r) for r in conn.execute(q)]
    return groups[:limit]


def merge(conn: Connection, survivor_id: int, duplicate_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Move the duplicate's phones, addresses, timeline (and custom values the survivor lacks) to the survivor;
    the duplicate becomes "merged" into it. Returns what moved (for the audit)."""
    if survivor_id == duplicate_id:
        raise CustomerError("a customer is not merged into itself")
    keep, gone = get(conn, survivor_id), get(conn, duplicate_id)
    if keep["status"] != "open" or gone["status"] != "open":
        raise CustomerError("both customers must be open")
    now = now or utcnow()
    new_phones = [n for n in gone["phones"] if n not in keep["phones"]]
    p = customer_phones.c
    conn.execute(update(customer_phones).where(p.customer_id == duplicate_id, p.number.in_(new_phones))
                 .values(customer_id=survivor_id))
    conn.execute(customer_phones.delete().where(p.customer_id == duplicate_id))
    a = customer_addresses.c
    new_addresses = [x for x in gone["addresses"] if x not in keep["addresses"]]
    conn.execute(update(customer_addresses).where(a.customer_id == duplicate_id, a.address.in_(new_addresses))
                 .values(customer_id=survivor_id))
    conn.execute(customer_addresses.delete().where(a.customer_id == duplicate_id))
    moved = conn.execute(update(customer_timeline).where(customer_timeline.c.customer_id == duplicate_id)
                         .values(customer_id=survivor_id)).rowcount
    custom = {**gone["custom"], **keep["custom"]}
    fill = {k: gone[k] for k in ("id_card", "region") if not keep[k] and gone[k]}
    conn.execute(update(customers).where(customers.c.id == survivor_id)
                 .values(custom=json.dumps(custom, ensure_ascii=False), updated_at=now, **fill))
    conn.execute(update(customers).where(customers.c.id == duplicate_id)
                 .values(status="merged", merged_into=survivor_id, closed_at=now, updated_at=now))
    ivr_accounts.remove(conn, PIN_REALM, gone["number"])
    return {"phones": new_phones, "addresses": len(new_addresses), "timeline": moved, "from": gone["number"],
            "into": keep["number"]}
