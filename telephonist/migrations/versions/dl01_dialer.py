"""The dialer: campaigns, their records and attempts, and the do-not-call list. Written by hand and frozen.

Revision ID: dl01
Revises: kb01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from telephonist.storage.database import UTCDateTime

revision = "dl01"
down_revision = "kb01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dl_campaigns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("trunk_group", sa.String(64), nullable=False),
        sa.Column("caller_id", sa.String(32), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("strategy", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "dl_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("dl_campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("customer_type", sa.String(32), nullable=False),
        sa.Column("id_card", sa.String(32), nullable=False),
        sa.Column("phones", sa.Text, nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("dedup_key", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_phone", sa.Integer, nullable=False),
        sa.Column("next_at", UTCDateTime()),
        sa.Column("outcome", sa.String(16)),
        sa.Column("result", sa.Text),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("campaign_id", "dedup_key", name="uq_dl_records_dedup"),
    )
    op.create_index("ix_dl_records_due", "dl_records", ["campaign_id", "state", "next_at"])
    op.create_table(
        "dl_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("dl_records.id", ondelete="CASCADE"), nullable=False),
        sa.Column("campaign_id", sa.Integer, nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16)),
        sa.Column("result", sa.Text),
        sa.Column("chan", sa.String(64)),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime()),
    )
    op.create_index("ix_dl_attempts_record", "dl_attempts", ["record_id"])
    op.create_index("ix_dl_attempts_state", "dl_attempts", ["state"])
    op.create_table(
        "dl_dnc",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("value", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("kind", "value", name="uq_dl_dnc"),
    )


def downgrade() -> None:
    for name in ("dl_dnc", "dl_attempts", "dl_records", "dl_campaigns"):
        op.drop_table(name)
