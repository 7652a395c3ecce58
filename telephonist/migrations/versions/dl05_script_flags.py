"""The flagged script questions of a campaign found by an index: dl_attempts.flags, how many questions the call's
agents flagged to the managers (the flags themselves stay in the attempt's script state), with an index on
(campaign_id, flags); the campaign page's list read every attempt's script text with LIKE before. Existing
attempts are counted from their script state. Written by hand and frozen.

Revision ID: dl05
Revises: cu02
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "dl05"
down_revision = "cu02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dl_attempts", sa.Column("flags", sa.Integer, nullable=False, server_default="0"))
    op.create_index("ix_dl_attempts_flagged", "dl_attempts", ["campaign_id", "flags"])
    conn = op.get_bind()
    attempts = sa.table("dl_attempts", sa.column("id", sa.Integer), sa.column("script", sa.Text),
                        sa.column("flags", sa.Integer))
    rows = conn.execute(sa.select(attempts.c.id, attempts.c.script).where(attempts.c.script.like('%"flags": [{%')))
    for aid, text in rows.all():
        try:
            n = len(json.loads(text).get("flags") or [])
        except (ValueError, AttributeError):
            continue
        if n:
            conn.execute(attempts.update().where(attempts.c.id == aid).values(flags=n))


def downgrade() -> None:
    op.drop_index("ix_dl_attempts_flagged", table_name="dl_attempts")
    with op.batch_alter_table("dl_attempts") as b:
        b.drop_column("flags")
