"""The website's "call me back" requests: one row per request (queue, number, the visitor's name and note, the
customer, state, tries, agent, times; the visitor's token only as its SHA-256). The request itself waits in
acd_waiting like a phone caller's call back. Written by hand and frozen.

Revision ID: wc01
Revises: ch01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from telephonist.storage.database import UTCDateTime

revision = "wc01"
down_revision = "ch01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "acd_web_callbacks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("queue", sa.String(32), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("visitor", sa.String(100), nullable=False, server_default=""),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        sa.Column("customer_id", sa.Integer),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("agent", sa.String(32)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("next_at", UTCDateTime()),
        sa.Column("ended_at", UTCDateTime()),
    )
    op.create_index("ix_acd_web_callbacks_customer", "acd_web_callbacks", ["customer_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_acd_web_callbacks_customer", table_name="acd_web_callbacks")
    op.drop_table("acd_web_callbacks")
