"""Customers: open, edit, close, find; phones, addresses and custom fields. Plain functions of a Connection
(the web console, the REST API, the importer and the bench call them inside their own transaction).

A customer number is allocated when the customer is opened (``NUMBER_BASE + id``: digits, so a caller can key it
in) unless an import or the API brings the site's own. Phone numbers are kept as digits only (``digits``), so the
screen pop finds a caller whatever the spelling (``+86 139-0000-0001`` and ``86139000000001`` are one number).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from telephonist.crm.schema import customer_addresses, customer_fields, customer_phones, customers
from telephonist.ivrd import accounts as ivr_accounts
from telephonist.ivrd.schema import accounts as ivr_login_table
from telephonist.storage.database import utcnow

NUMBER_BASE = 10_000_000            # customer number = NUMBER_BASE + id (8 digits for the first 90 million)
PIN_REALM = "customer"              # the ivr_accounts realm of customers' phone PINs (account: customer number)
# class -> (label, the ACD priority it implies: a queue's `priorities` may give "customer_class=vip" this weight)
CLASSES: dict[str, tuple[str, int]] = {"": ("Regular", 0), "key": ("Key account", 5), "vip": ("VIP", 10)}
STATUSES = ("open", "closed", "merged")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
CUSTOMER_NUMBER = re.compile(r"^[0-9A-Za-z_\-]{1,32}$")
MAX_TEXT = 500
MAX_PHONES = 20


class CustomerError(ValueError):
    """A request the customer file refuses; the message says why."""


class NoSuchCustomer(CustomerError):
    pass


def digits(number: str) -> str:
    """A phone number as the customer file keeps it: its digits only."""
    return re.sub(r"\D", "", number or "")


@dataclass
class CustomerInput:
    """What a form, an import line or an API call gives for a customer (every field optional on an edit)."""
    name: str | None = None
    number: str | None = None
    id_card: str | None = None
    klass: str | None = None
    region: str | None = None
    phones: list[str] | None = None
    addresses: list[str] | None = None
    custom: dict[str, str] | None = None
    pin: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, m: dict[str, Any]) -> "CustomerInput":
        """From a JSON object or a form (phones/addresses: a list, or one text of lines)."""
        def text(key: str) -> str | None:
            v = m.get(key)
            if v is None:
                return None
            if not isinstance(v, (str, int)):
                raise CustomerError(f"{key}: a text")
            return str(v)

        def lines(key: str) -> list[str] | None:
            v = m.get(key)
            if v is None:
                return None
            if isinstance(v, str):
                return [x for x in (s.strip() for s in v.splitlines()) if x]
            if isinstance(v, list) and all(isinstance(x, str) for x in v):
                return [x.strip() for x in v if x.strip()]
            raise CustomerError(f"{key}: a list of texts")
        custom = m.get("custom")
        if custom is not None and not (isinstance(custom, dict) and all(isinstance(v, (str, int, float))
                                                                        for v in custom.values())):
            raise CustomerError("custom: an object of texts")
        return cls(name=text("name"), number=text("number"), id_card=text("id_card"), klass=text("class"),
                   region=text("region"), phones=lines("phones"), addresses=lines("addresses"),
                   custom={str(k): str(v) for k, v in custom.items()} if custom is not None else None,
                   pin=text("pin"))


# ---- custom fields --------------------------------------------------------------------------------
def fields(conn: Connection) -> list[dict[str, Any]]:
    q = select(customer_fields).order_by(customer_fields.c.position, customer_fields.c.name)
    return [dict(r._mapping) for r in conn.execute(q)]


def set_field(conn: Connection, name: str, label: str, position: int = 0) -> None:
    name, label = name.strip(), label.strip()
    if not FIELD_NAME.match(name):
        raise CustomerError("a field name is a-z, 0-9 and _ (starting with a letter, at most 32)")
    if not label:
        raise CustomerError("a field needs a label")
    t = customer_fields
    if conn.execute(select(t.c.name).where(t.c.name == name)).first():
        conn.execute(update(t).where(t.c.name == name).values(label=label[:200], position=position))
    else:
        conn.execute(insert(t).values(name=name, label=label[:200], position=position))


def remove_field(conn: Connection, name: str) -> bool:
    """The field leaves the list; customers keep their values (shown again if the field comes back)."""
    return conn.execute(delete(customer_fields).where(customer_fields.c.name == name)).rowcount > 0


# ---- checks ---------------------------------------------------------------------------------------
def _text(value: str, what: str, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise CustomerError(f"{what} is needed")
    if len(value) > MAX_TEXT:
        raise CustomerError(f"{what}: at most {MAX_TEXT} characters")
    return value


def _phones(numbers: list[str]) -> list[str]:
    out: list[str] = []
    for n in numbers:
        d = digits(n)
        if not 3 <= len(d) <= 32:
            raise CustomerError(f"phone {n!r}: 3 to 32 digits")
        if d not in out:
            out.append(d)
    if len(out) > MAX_PHONES:
        raise CustomerError(f"at most {MAX_PHONES} phone numbers")
    return out


def _custom(conn: Connection, values: dict[str, str]) -> dict[str, str]:
    known = {f["name"] for f in fields(conn)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise CustomerError(f"unknown custom field(s): {', '.join(unknown)}")
    return {k: _text(v, k) for k, v in values.items()}         # "" clears the field (dropped by _kept)


def _kept(values: dict[str, str]) -> str:
    return json.dumps({k: v for k, v in values.items() if v}, ensure_ascii=False)


def _values(conn: Connection, data: CustomerInput, now: datetime) -> dict[str, Any]:
    v: dict[str, Any] = {"updated_at": now}
    if data.name is not None:
        v["name"] = _text(data.name, "the name", required=True)
    if data.id_card is not None:
        v["id_card"] = _text(data.id_card, "the ID number").upper() or None
    if data.klass is not None:
        if data.klass.strip() not in CLASSES:
            raise CustomerError("class: " + ", ".join(repr(k) for k in CLASSES))
        v["class"] = data.klass.strip()
    if data.region is not None:
        v["region"] = _text(data.region, "the region")
    if data.number is not None:
        number = data.number.strip()
        if not CUSTOMER_NUMBER.match(number):
            raise CustomerError("a customer number is 1-32 letters, digits, - or _")
        v["number"] = number
    return v


def _set_lists(conn: Connection, customer_id: int, data: CustomerInput) -> None:
    if data.phones is not None:
        phones = _phones(data.phones)
        conn.execute(delete(customer_phones).where(customer_phones.c.customer_id == customer_id))
        if phones:
            conn.execute(insert(customer_phones), [{"customer_id": customer_id, "number": p} for p in phones])
    if data.addresses is not None:
        addrs = [_text(a, "an address") for a in data.addresses]
        conn.execute(delete(customer_addresses).where(customer_addresses.c.customer_id == customer_id))
        if addrs:
            conn.execute(insert(customer_addresses), [{"customer_id": customer_id, "address": a} for a in addrs])


# ---- open, edit, close ----------------------------------------------------------------------------
def open_customer(conn: Connection, data: CustomerInput, now: datetime | None = None) -> dict[str, Any]:
    """A new customer (status open); returns it with its customer number."""
    now = now or utcnow()
    if data.name is None:
        raise CustomerError("the name is needed")
    values = _values(conn, data, now)
    values["custom"] = _kept(_custom(conn, data.custom or {}))
    try:
        with conn.begin_nested():
            cid = int(conn.execute(insert(customers).values(status="open", opened_at=now, **values))
                      .inserted_primary_key[0])
    except IntegrityError:
        raise CustomerError(f"customer number {values.get('number')} is taken") from None
    if "number" not in values:
        _allocate_number(conn, cid)
    _set_lists(conn, cid, data)
    if data.pin:
        set_pin(conn, cid, data.pin, now)
    return get(conn, cid)


def _allocate_number(conn: Connection, customer_id: int) -> None:
    """NUMBER_BASE + id, or, where an imported number took it, that with a digit appended (1-9, then more)."""
    base = str(NUMBER_BASE + customer_id)
    for candidate in [base] + [base + str(k) for k in range(1, 100)]:
        try:
            with conn.begin_nested():
                conn.execute(update(customers).where(customers.c.id == customer_id).values(number=candidate))
            return
        except IntegrityError:
            continue
    raise CustomerError("no free customer number (too many imported numbers in the allocated range)")


def update_customer(conn: Connection, customer_id: int, data: CustomerInput,
                    now: datetime | None = None) -> dict[str, Any]:
    """Change what ``data`` gives (None: left as it is); the custom fields given replace the ones there."""
    now = now or utcnow()
    before = get(conn, customer_id)
    if before["status"] == "merged":
        raise CustomerError(f"customer {before['number']} was merged into another")
    values = _values(conn, data, now)
    if data.custom is not None:
        values["custom"] = _kept({**before["custom"], **_custom(conn, data.custom)})
    if values.get("number") and values["number"] != before["number"]:
        if before["number"] and _has_pin(conn, before["number"]):
            raise CustomerError("a customer with a phone PIN keeps its number")
    try:
        with conn.begin_nested():
            conn.execute(update(customers).where(customers.c.id == customer_id).values(**values))
    except IntegrityError:
        raise CustomerError(f"customer number {values.get('number')} is taken") from None
    _set_lists(conn, customer_id, data)
    if data.pin:
        set_pin(conn, customer_id, data.pin, now)
    return get(conn, customer_id)


def close_customer(conn: Connection, customer_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Closed (销户): kept with its timeline, no longer found by the screen pop; the phone PIN goes."""
    c = get(conn, customer_id)
    if c["status"] != "open":
        raise CustomerError(f"customer {c['number']} is {c['status']} already")
    now = now or utcnow()
    conn.execute(update(customers).where(customers.c.id == customer_id)
                 .values(status="closed", closed_at=now, updated_at=now))
    ivr_accounts.remove(conn, PIN_REALM, c["number"])
    return get(conn, customer_id)


def reopen_customer(conn: Connection, customer_id: int, now: datetime | None = None) -> dict[str, Any]:
    c = get(conn, customer_id)
    if c["status"] != "closed":
        raise CustomerError(f"customer {c['number']} is not closed")
    now = now or utcnow()
    conn.execute(update(customers).where(customers.c.id == customer_id)
                 .values(status="open", closed_at=None, updated_at=now))
    return get(conn, customer_id)


# ---- phone PIN ------------------------------------------------------------------------------------
def _has_pin(conn: Connection, number: str) -> bool:
    t = ivr_login_table
    return conn.execute(select(t.c.id).where(t.c.realm == PIN_REALM, t.c.account == number)).first() is not None


def set_pin(conn: Connection, customer_id: int, pin: str, now: datetime | None = None) -> None:
    """The customer's phone PIN (digits; hashed in ivr_accounts): ivrd's authenticate node with
    ``realm = "customer"`` checks it against the customer number."""
    c = get(conn, customer_id)
    if c["status"] != "open":
        raise CustomerError("only an open customer has a phone PIN")
    now = now or utcnow()
    try:
        try:
            ivr_accounts.set_password(conn, PIN_REALM, c["number"], pin, now)
        except ivr_accounts.IvrAccountError as exc:
            if "no account" not in str(exc):
                raise
            ivr_accounts.create_account(conn, PIN_REALM, c["number"], pin, now)
    except ivr_accounts.IvrAccountError as exc:
        raise CustomerError(f"PIN: {exc}") from None


# ---- reading --------------------------------------------------------------------------------------
def customer_row(r: Any) -> dict[str, Any]:
    d = dict(r._mapping)
    d["klass"] = d.pop("class")
    d["custom"] = json.loads(d["custom"] or "{}")
    d["class_label"], d["priority"] = CLASSES.get(d["klass"], ("", 0))
    return d


def get(conn: Connection, customer_id: int) -> dict[str, Any]:
    r = conn.execute(select(customers).where(customers.c.id == customer_id)).first()
    if r is None:
        raise NoSuchCustomer(f"no customer {customer_id}")
    c = customer_row(r)
    c["phones"] = list(conn.execute(select(customer_phones.c.number).where(customer_phones.c.customer_id ==
                                                                           customer_id)
                                    .order_by(customer_phones.c.id)).scalars())
    c["addresses"] = list(conn.execute(select(customer_addresses.c.address)
                                       .where(customer_addresses.c.customer_id == customer_id)
                                       .order_by(customer_addresses.c.id)).scalars())
    return c


def by_customer_number(conn: Connection, number: str) -> dict[str, Any] | None:
    cid = conn.execute(select(customers.c.id).where(customers.c.number == number.strip())).scalar()
    return get(conn, cid) if cid is not None else None


def by_phone(conn: Connection, number: str) -> list[dict[str, Any]]:
    """The open customers with this phone number (the screen pop's lookup; one index probe)."""
    d = digits(number)
    if not d:
        return []
    q = (select(customers).join(customer_phones, customer_phones.c.customer_id == customers.c.id)
         .where(customer_phones.c.number == d, customers.c.status == "open").order_by(customers.c.id).limit(10))
    return [customer_row(r) for r in conn.execute(q)]


@dataclass(frozen=True)
class CustomerSearch:
    """A search of the customer file: ``text`` matches the name (contains), the customer number, the ID number,
    a phone number (its digits) or an address (contains)."""
    text: str = ""
    status: str = "open"                       # open | closed | merged | "" (any)
    klass: str | None = None
    region: str = ""

    @classmethod
    def from_args(cls, args: Any) -> "CustomerSearch":
        status = args.get("status", "open")
        if status not in STATUSES + ("",):
            raise CustomerError("status: open, closed, merged or empty")
        klass = args.get("class")
        if klass is not None and klass not in CLASSES:
            raise CustomerError("class: " + ", ".join(repr(k) for k in CLASSES))
        return cls(text=(args.get("q") or "").strip()[:200], status=status, klass=klass,
                   region=(args.get("region") or "").strip()[:200])

    def where(self) -> Any:
        c = customers.c
        conds = []
        if self.status:
            conds.append(c.status == self.status)
        if self.klass is not None:
            conds.append(c["class"] == self.klass)
        if self.region:
            conds.append(c.region == self.region)
        if self.text:
            like = "%" + self.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            # IN (one subquery each, run once) rather than a correlated EXISTS per customer row
            a, p = customer_addresses.c, customer_phones.c
            alts = [c.name.like(like, escape="\\"), c.number == self.text, c.id_card == self.text.upper(),
                    c.id.in_(select(a.customer_id).where(a.address.like(like, escape="\\")))]
            d = digits(self.text)
            if len(d) >= 3:
                alts.append(c.id.in_(select(p.customer_id).where(p.number == d)))
            conds.append(or_(*alts))
        return and_(*conds) if conds else None


def search(conn: Connection, s: CustomerSearch, limit: int = 50, offset: int = 0,
           with_addresses: bool = False) -> list[dict[str, Any]]:
    q = select(customers)
    w = s.where()
    if w is not None:
        q = q.where(w)
    rows = [customer_row(r) for r in conn.execute(q.order_by(customers.c.name, customers.c.id).limit(limit)
                                                  .offset(offset))]
    _attach(conn, rows, "phones", customer_phones, customer_phones.c.number)
    if with_addresses:
        _attach(conn, rows, "addresses", customer_addresses, customer_addresses.c.address)
    return rows


def count(conn: Connection, s: CustomerSearch) -> int:
    q = select(func.count()).select_from(customers)
    w = s.where()
    return int(conn.execute(q.where(w) if w is not None else q).scalar() or 0)


def _attach(conn: Connection, rows: list[dict[str, Any]], key: str, table: Any, column: Any) -> None:
    """Each row's phones (or addresses) in one query."""
    by_id = {r["id"]: r for r in rows}
    for r in rows:
        r[key] = []
    if by_id:
        q = select(table.c.customer_id, column).where(table.c.customer_id.in_(by_id)).order_by(table.c.id)
        for cid, value in conn.execute(q):
            by_id[cid][key].append(value)
