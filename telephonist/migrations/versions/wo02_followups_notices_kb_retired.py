"""Work orders: the follow-up calls closing an order puts into a dialer campaign, and what became of them; the
reminders' and escalations' e-mail and SMS to the staff, each until sent; a knowledge-base article retired (kept with
its versions, no longer found). Written by hand and frozen.

Revision ID: wo02
Revises: dl01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from telephonist.storage.database import UTCDateTime

revision = "wo02"
down_revision = "dl04"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "wo_followups",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("order_id", Id, sa.ForeignKey("wo_orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("record_id", sa.Integer),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("queued_at", UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(16)),
        sa.Column("result", sa.Text),
        sa.Column("reported_at", UTCDateTime()),
    )
    op.create_index("ix_wo_followups_order", "wo_followups", ["order_id"])
    op.create_index("ix_wo_followups_state", "wo_followups", ["state"])
    op.create_table(
        "wo_notices",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("order_id", Id, sa.ForeignKey("wo_orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("address", sa.String(256), nullable=False),
        sa.Column("subject", sa.Text, nullable=False, server_default=""),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("next_try_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime()),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("gave_up", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_wo_notices_pending", "wo_notices", ["sent_at", "next_try_at"])
    op.create_index("ix_wo_notices_order", "wo_notices", ["order_id"])
    op.add_column("kb_articles", sa.Column("retired_at", UTCDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("kb_articles") as batch:
        batch.drop_column("retired_at")
    op.drop_table("wo_notices")
    op.drop_table("wo_followups")
