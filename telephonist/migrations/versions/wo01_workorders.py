"""Work orders: orders, their history, attachments and the customers' SMS outbox. Written by hand and frozen.

Revision ID: wo01
Revises: cu01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from telephonist.storage.database import UTCDateTime

revision = "wo01"
down_revision = "cu01"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "wo_orders",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("fields", sa.Text, nullable=False, server_default="{}"),
        sa.Column("priority", sa.String(8), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("assignee", sa.String(64)),
        sa.Column("customer_id", Id),
        sa.Column("caller_number", sa.String(64), nullable=False, server_default=""),
        sa.Column("caller_name", sa.Text, nullable=False, server_default=""),
        sa.Column("account", sa.String(64), nullable=False, server_default=""),
        sa.Column("call_id", sa.String(64)),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("state_since", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime()),
        sa.Column("escalation", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_wo_orders_state_due", "wo_orders", ["state", "due_at"])
    op.create_index("ix_wo_orders_unit", "wo_orders", ["unit"])
    op.create_index("ix_wo_orders_assignee", "wo_orders", ["assignee"])
    op.create_index("ix_wo_orders_caller_number", "wo_orders", ["caller_number"])
    op.create_index("ix_wo_orders_customer_id", "wo_orders", ["customer_id"])
    op.create_index("ix_wo_orders_created_at", "wo_orders", ["created_at"])
    op.create_table(
        "wo_history",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("order_id", Id, sa.ForeignKey("wo_orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_state", sa.String(16)),
        sa.Column("to_state", sa.String(16)),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_wo_history_order_at", "wo_history", ["order_id", "at"])
    op.create_table(
        "wo_attachments",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("order_id", Id, sa.ForeignKey("wo_orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("path", sa.Text),
        sa.Column("ref_id", Id),
        sa.Column("mime", sa.String(64), nullable=False, server_default=""),
        sa.Column("size", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_wo_attachments_order", "wo_attachments", ["order_id"])
    op.create_table(
        "wo_sms",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("order_id", Id, sa.ForeignKey("wo_orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("next_try_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime()),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("gave_up", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_wo_sms_pending", "wo_sms", ["sent_at", "next_try_at"])


def downgrade() -> None:
    for table in ("wo_sms", "wo_attachments", "wo_history", "wo_orders"):
        op.drop_table(table)
