"""The ACD: agents' states and their log, callers waiting (and keeping their place for a call back),
and one row per caller a queue handled. Written by hand and frozen.

Revision ID: ac01
Revises: cr02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from telephonist.storage.database import UTCDateTime

revision = "ac01"
down_revision = "cr02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "acd_agents",
        sa.Column("number", sa.String(32), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False, server_default=""),
        sa.Column("extension", sa.String(32), nullable=False, server_default=""),
        sa.Column("since", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "acd_agent_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agent", sa.String(32), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=False),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("signal", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False, server_default=""),
        sa.Column("queue", sa.String(32)),
        sa.Column("call_id", sa.String(64)),
    )
    op.create_index("ix_acd_agent_log_agent_at", "acd_agent_log", ["agent", "at"])
    op.create_table(
        "acd_waiting",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False, unique=True),
        sa.Column("chan", sa.String(64)),
        sa.Column("queue", sa.String(32), nullable=False),
        sa.Column("caller", sa.String(64), nullable=False, server_default=""),
        sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("entered_at", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("callback_number", sa.String(64), nullable=False, server_default=""),
        sa.Column("data", sa.Text, nullable=False, server_default="{}"),
        sa.Column("call_row", sa.Integer),
    )
    op.create_table(
        "acd_calls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("queue", sa.String(32), nullable=False),
        sa.Column("caller", sa.String(64), nullable=False, server_default=""),
        sa.Column("entered_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime()),
        sa.Column("ended_at", UTCDateTime()),
        sa.Column("agent", sa.String(32)),
        sa.Column("outcome", sa.String(16)),
        sa.Column("wait_ms", sa.Integer),
        sa.Column("talk_ms", sa.Integer),
        sa.Column("hold_ms", sa.Integer),
        sa.Column("wrapup_ms", sa.Integer),
        sa.Column("wrapup_code", sa.String(64)),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_acd_calls_queue_entered", "acd_calls", ["queue", "entered_at"])
    op.create_index("ix_acd_calls_caller_answered", "acd_calls", ["caller", "answered_at"])
    op.create_index("ix_acd_calls_agent", "acd_calls", ["agent", "entered_at"])


def downgrade() -> None:
    for name in ("acd_calls", "acd_waiting", "acd_agent_log", "acd_agents"):
        op.drop_table(name)
