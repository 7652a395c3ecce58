"""The dialer's preview mode, call scripts and appointments: a campaign's script, a record's agent and
appointment time, an attempt's agent and script state, and the scripts. Written by hand and frozen.

Revision ID: dl03
Revises: dl01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from telephonist.storage.database import UTCDateTime

revision = "dl03"
down_revision = "dl01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dl_scripts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.add_column("dl_campaigns", sa.Column("script_id", sa.Integer))
    op.add_column("dl_records", sa.Column("agent", sa.String(32)))
    op.add_column("dl_records", sa.Column("callback_at", UTCDateTime()))
    op.create_index("ix_dl_records_agent", "dl_records", ["agent", "state"])
    op.add_column("dl_attempts", sa.Column("agent", sa.String(32)))
    op.add_column("dl_attempts", sa.Column("script", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("dl_attempts") as batch:
        batch.drop_column("script")
        batch.drop_column("agent")
    op.drop_index("ix_dl_records_agent", "dl_records")
    with op.batch_alter_table("dl_records") as batch:
        batch.drop_column("callback_at")
        batch.drop_column("agent")
    with op.batch_alter_table("dl_campaigns") as batch:
        batch.drop_column("script_id")
    op.drop_table("dl_scripts")
