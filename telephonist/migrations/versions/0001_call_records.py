"""Call records: call_legs (one row per leg of a call) and call_events (what happened on it).

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Written by hand and frozen: it spells out its types instead of importing
telephonist.storage.schema, which describes the head revision only.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")   # SQLite: the self-numbering rowid


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "call_legs",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("direction", sa.Text(), nullable=False),
        sa.Column("span", sa.Text(), nullable=False),
        sa.Column("channel", sa.Integer(), nullable=False),
        sa.Column("trunk_group", sa.Text(), nullable=True),
        sa.Column("caller", sa.Text(), nullable=False),
        sa.Column("dialled", sa.Text(), nullable=False),
        sa.Column("application", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("disposition", sa.Text(), nullable=True),
        sa.Column("hangup_cause", sa.Text(), nullable=True),
        _ts("started_at", nullable=False),
        _ts("answered_at"),
        _ts("ended_at"),
        sa.Column("ring_ms", sa.Integer(), nullable=True),
        sa.Column("talk_ms", sa.Integer(), nullable=True),
        sa.Column("recording_path", sa.Text(), nullable=True),
        sa.Column("node", sa.Text(), nullable=False),
        sa.CheckConstraint("direction IN ('inbound', 'outbound')", name="ck_call_legs_direction"),
    )
    for column in ("started_at", "caller", "dialled", "call_id", "disposition"):
        op.create_index(f"ix_call_legs_{column}", "call_legs", [column])
    open_only = sa.text("ended_at IS NULL")
    op.create_index("ix_call_legs_open", "call_legs", ["node"],
                    sqlite_where=open_only, postgresql_where=open_only)

    op.create_table(
        "call_events",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("leg_id", ID, sa.ForeignKey("call_legs.id", ondelete="CASCADE"), nullable=False),
        _ts("at", nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
    )
    op.create_index("ix_call_events_leg_id_at", "call_events", ["leg_id", "at"])


def downgrade() -> None:
    op.drop_table("call_events")
    op.drop_table("call_legs")
