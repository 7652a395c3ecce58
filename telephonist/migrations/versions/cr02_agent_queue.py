"""Call legs name the agent who took the call and the queue it came through.

The ACD writes them (chand's `annotate` command); the web console's "own calls" right and the
agent and queue reports read them. Written by hand and frozen.

Revision ID: cr02
Revises: wa02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "cr02"
down_revision = "wa02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("call_legs", sa.Column("agent", sa.Text()))
    op.add_column("call_legs", sa.Column("queue", sa.Text()))
    op.create_index("ix_call_legs_agent", "call_legs", ["agent"])
    op.create_index("ix_call_legs_queue", "call_legs", ["queue"])


def downgrade() -> None:
    op.drop_index("ix_call_legs_queue", table_name="call_legs")
    op.drop_index("ix_call_legs_agent", table_name="call_legs")
    with op.batch_alter_table("call_legs") as batch:
        batch.drop_column("queue")
        batch.drop_column("agent")
