"""The dialer's media and reports: a campaign's message (the SMS, e-mail or fax text filled from each
record's fields), whom its results are sent to, and room for e-mail addresses as a record's "numbers". Written by hand and frozen.

Revision ID: dl04
Revises: dl01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "dl04"
down_revision = "dl03"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dl_campaigns", sa.Column("message", sa.Text, nullable=False, server_default="{}"))
    op.add_column("dl_campaigns", sa.Column("report_to", sa.Text, nullable=False, server_default=""))
    op.add_column("dl_campaigns", sa.Column("reported_at", sa.Text, nullable=False, server_default=""))
    # an e-mail campaign's "numbers" are addresses (up to 254 characters)
    with op.batch_alter_table("dl_attempts") as b:
        b.alter_column("number", type_=sa.String(254), existing_type=sa.String(32), existing_nullable=False)
    with op.batch_alter_table("dl_records") as b:
        b.alter_column("dedup_key", type_=sa.String(254), existing_type=sa.String(64), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("dl_records") as b:
        b.alter_column("dedup_key", type_=sa.String(64), existing_type=sa.String(254), existing_nullable=False)
    with op.batch_alter_table("dl_attempts") as b:
        b.alter_column("number", type_=sa.String(32), existing_type=sa.String(254), existing_nullable=False)
    with op.batch_alter_table("dl_campaigns") as b:
        for col in ("reported_at", "report_to", "message"):
            b.drop_column(col)
