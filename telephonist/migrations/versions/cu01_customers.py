"""The customer file: customers, their phones, addresses, the site's custom fields and one timeline per
customer. (The built-in roles get the customers.* rights from ensure_builtin_roles' offers, wa05.) Written by
hand and frozen.

Revision ID: cu01
Revises: qa01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from telephonist.storage.database import UTCDateTime

revision = "cu01"
down_revision = "qa01"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")   # SQLite: the self-numbering rowid


def _customer_id() -> sa.Column:
    return sa.Column("customer_id", ID, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("number", sa.Text, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("id_card", sa.Text),
        sa.Column("class", sa.Text, nullable=False, server_default=""),
        sa.Column("region", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.Text, nullable=False, server_default="open"),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime()),
        sa.Column("merged_into", ID),
        sa.Column("custom", sa.Text, nullable=False, server_default="{}"),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_customers_name", "customers", ["name"])
    op.create_index("ix_customers_id_card", "customers", ["id_card"])
    op.create_table(
        "customer_phones",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        _customer_id(),
        sa.Column("number", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("customer_id", "number", name="uq_customer_phones_number"),
    )
    op.create_index("ix_customer_phones_number", "customer_phones", ["number"])
    op.create_table(
        "customer_addresses",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        _customer_id(),
        sa.Column("label", sa.Text, nullable=False, server_default=""),
        sa.Column("address", sa.Text, nullable=False),
    )
    op.create_index("ix_customer_addresses_customer_id", "customer_addresses", ["customer_id"])
    op.create_table(
        "customer_fields",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "customer_timeline",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        _customer_id(),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("ref", sa.Text, nullable=False, server_default=""),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("link", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_customer_timeline_customer_at", "customer_timeline", ["customer_id", "at"])


def downgrade() -> None:
    for table in ("customer_timeline", "customer_fields", "customer_addresses", "customer_phones", "customers"):
        op.drop_table(table)
