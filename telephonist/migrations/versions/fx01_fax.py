"""faxd: fax messages (inbound and outbound results), fax jobs and their recipients.

Written by hand and frozen: types spelled out, nothing imported from telephonist.faxd.

Revision ID: fx01
Revises: wa01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from telephonist.storage.database import UTCDateTime

revision = "fx01"
down_revision = "wa01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fax_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("mailbox", sa.String(64)),
        sa.Column("caller", sa.String(64), nullable=False, server_default=""),
        sa.Column("dialled", sa.String(64), nullable=False, server_default=""),
        sa.Column("remote_ident", sa.String(64), nullable=False, server_default=""),
        sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
        sa.Column("bit_rate", sa.Integer, nullable=False, server_default="0"),
        sa.Column("ecm", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("result_code", sa.Integer, nullable=False),
        sa.Column("result", sa.Text, nullable=False, server_default=""),
        sa.Column("tiff_path", sa.Text),
        sa.Column("pdf_path", sa.Text),
        sa.Column("call_id", sa.String(64)),
        sa.Column("job_id", sa.Integer),
        sa.Column("emailed_to", sa.Text),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_fax_messages_mailbox", "fax_messages", ["mailbox", "created_at"])
    op.create_table(
        "fax_jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("tiff_path", sa.Text, nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("trunk_group", sa.String(64), nullable=False),
        sa.Column("caller_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("max_attempts", sa.Integer, nullable=False),
        sa.Column("retry_interval_s", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "fax_job_recipients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("job_id", sa.Integer, sa.ForeignKey("fax_jobs.id"), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_at", UTCDateTime(), nullable=False),
        sa.Column("last_result", sa.Text, nullable=False, server_default=""),
        sa.Column("pages_sent", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sent_at", UTCDateTime()),
    )
    op.create_index("ix_fax_recipients_due", "fax_job_recipients", ["state", "next_at"])
    op.create_index("ix_fax_recipients_job", "fax_job_recipients", ["job_id"])


def downgrade() -> None:
    op.drop_table("fax_job_recipients")
    op.drop_table("fax_jobs")
    op.drop_index("ix_fax_messages_mailbox", "fax_messages")
    op.drop_table("fax_messages")
