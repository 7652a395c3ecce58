"""The customer file's tables (created by the Alembic migration cu01), on the call records' metadata so that
other areas (work orders) may refer to ``customers.id``.

customers           one row per customer: a customer number allocated on opening, name, ID-card number, class
                    (VIP / key account), region, open or closed (or merged into another), custom fields (JSON)
customer_phones     several numbers per customer, digits only, indexed: the screen pop's lookup by caller number
customer_addresses  several addresses per customer
customer_fields     the site's list of custom fields (name and label) the console shows and import/export keep
customer_timeline   one open table any part appends to: what happened with the customer (kind, ref, time,
                    summary, link), indexed by (customer_id, at)

A customer's phone PIN is an ivrd self-service login (ivr_accounts, realm "customer", the customer number as the
account), hashed like every phone password, so ivrd's authenticate node checks it unchanged.
"""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, Table, Text, UniqueConstraint

from telephonist.storage.database import UTCDateTime
from telephonist.storage.schema import Id, metadata

customers = Table(
    "customers", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("number", Text, unique=True),                 # the customer number (allocated at opening)
    Column("name", Text, nullable=False),
    Column("id_card", Text),                             # ID-card (or company registration) number
    Column("class", Text, nullable=False, server_default=""),   # "" | key | vip
    Column("region", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False, server_default="open"),  # open | closed | merged
    Column("opened_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("merged_into", Id),                           # the survivor, for a customer merged away
    Column("custom", Text, nullable=False, server_default="{}"),   # JSON object: the site's custom fields
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("ix_customers_name", customers.c.name)
Index("ix_customers_id_card", customers.c.id_card)

customer_phones = Table(
    "customer_phones", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("customer_id", Id, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("number", Text, nullable=False),              # digits only (crm.store.digits)
    Column("label", Text, nullable=False, server_default=""),
    UniqueConstraint("customer_id", "number", name="uq_customer_phones_number"),
)
Index("ix_customer_phones_number", customer_phones.c.number)

customer_addresses = Table(
    "customer_addresses", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("customer_id", Id, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("label", Text, nullable=False, server_default=""),
    Column("address", Text, nullable=False),
)
Index("ix_customer_addresses_customer_id", customer_addresses.c.customer_id)

customer_fields = Table(
    "customer_fields", metadata,
    Column("name", Text, primary_key=True),              # the key in customers.custom
    Column("label", Text, nullable=False),
    Column("position", Integer, nullable=False, server_default="0"),
)

customer_timeline = Table(
    "customer_timeline", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("customer_id", Id, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", Text, nullable=False),                # call, ivr, voicemail, fax, sms, email, work_order ...
    Column("ref", Text, nullable=False, server_default=""),     # the thing's id in its own table
    Column("summary", Text, nullable=False, server_default=""),
    Column("link", Text, nullable=False, server_default=""),    # a console path to open it
)
Index("ix_customer_timeline_customer_at", customer_timeline.c.customer_id, customer_timeline.c.at)
