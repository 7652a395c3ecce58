"""A customer for someone who gave only a name, an e-mail address and a phone number (a website visitor who opens
a chat): the open customer with that phone number, else the one with that e-mail address (the file keeps
addresses in custom fields: any field whose value is one), else a new customer with them. A new customer's
address goes into the custom field ``email``, which is added to the site's fields (label "E-mail") the first time.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from telephonist.crm import store
from telephonist.crm.schema import customers
from telephonist.crm.sources import e_mail_addresses
from telephonist.dialer.lists import EMAIL

EMAIL_FIELD = "email"


def by_email(conn: Connection, address: str) -> dict[str, Any] | None:
    """The first open customer one of whose custom fields is this address (case aside)."""
    address = address.strip().lower()
    if not EMAIL.match(address):
        return None
    pattern = "%" + address.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    q = (select(customers.c.id).where(customers.c.status == "open", customers.c.custom.ilike(pattern, escape="\\"))
         .order_by(customers.c.id).limit(20))
    for cid in conn.execute(q).scalars():
        customer = store.get(conn, cid)
        if address in (a.lower() for a in e_mail_addresses(customer)):
            return customer
    return None


def find_or_open(conn: Connection, name: str, email: str = "", phone: str = "") -> dict[str, Any]:
    """The customer these details name, opened if the file has none (raises CustomerError on bad details)."""
    if phone and store.digits(phone):
        found = store.by_phone(conn, phone)
        if found:
            return found[0]
    if email:
        found_by_mail = by_email(conn, email)
        if found_by_mail is not None:
            return found_by_mail
    custom = {}
    if email and EMAIL.match(email.strip()):
        if EMAIL_FIELD not in {f["name"] for f in store.fields(conn)}:
            store.set_field(conn, EMAIL_FIELD, "E-mail")
        custom[EMAIL_FIELD] = email.strip()
    return store.open_customer(conn, store.CustomerInput(
        name=name.strip() or email.strip() or phone.strip(), phones=[phone] if store.digits(phone) else [],
        custom=custom or None))
