"""ivrd: IVR steps and sessions, survey results, blacklist, VIP, holidays, self-service accounts, voicemail.

Written by hand and frozen: types spelled out, nothing imported from telephonist.ivrd.

Revision ID: iv01
Revises: fx01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from telephonist.storage.database import UTCDateTime

revision = "iv01"
down_revision = "fx01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ivr_steps",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("chan", sa.String(64), nullable=False, server_default=""),
        sa.Column("flow", sa.String(64), nullable=False),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("node_type", sa.String(32), nullable=False),
        sa.Column("tag", sa.String(64)),
        sa.Column("digits", sa.String(64)),
        sa.Column("result", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("caller", sa.String(64), nullable=False, server_default=""),
        sa.Column("dialled", sa.String(64), nullable=False, server_default=""),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_ivr_steps_call", "ivr_steps", ["call_id"])
    op.create_index("ix_ivr_steps_at", "ivr_steps", ["at"])
    op.create_index("ix_ivr_steps_tag", "ivr_steps", ["tag", "at"])
    op.create_table(
        "ivr_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("chan", sa.String(64), nullable=False),
        sa.Column("flow", sa.String(64), nullable=False),
        sa.Column("caller", sa.String(64), nullable=False, server_default=""),
        sa.Column("dialled", sa.String(64), nullable=False, server_default=""),
        sa.Column("language", sa.String(8), nullable=False, server_default=""),
        sa.Column("outcome", sa.String(32)),
        sa.Column("outcome_detail", sa.Text),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime()),
    )
    op.create_index("ix_ivr_sessions_started", "ivr_sessions", ["started_at"])
    op.create_index("ix_ivr_sessions_call", "ivr_sessions", ["call_id"])
    op.create_table(
        "ivr_survey_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False, server_default=""),
        sa.Column("queue", sa.String(64), nullable=False, server_default=""),
        sa.Column("caller", sa.String(64), nullable=False, server_default=""),
        sa.Column("digit", sa.String(1), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_ivr_survey_agent", "ivr_survey_results", ["agent", "created_at"])
    op.create_table(
        "ivr_blacklist",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(64), nullable=False, unique=True),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("expires_at", UTCDateTime()),
        sa.Column("created_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "ivr_vip",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(64), unique=True),
        sa.Column("customer_class", sa.String(32)),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("target", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "ivr_holidays",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("schedule", sa.String(64), nullable=False, server_default=""),
        sa.UniqueConstraint("day", "schedule", name="uq_ivr_holidays_day"),
    )
    op.create_table(
        "ivr_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("realm", sa.String(32), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", UTCDateTime()),
        sa.Column("last_login_at", UTCDateTime()),
        sa.Column("changed_at", UTCDateTime()),
        sa.UniqueConstraint("realm", "account", name="uq_ivr_accounts_login"),
    )
    op.create_table(
        "voicemail_boxes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("mailbox", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("pin_hash", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False, server_default=""),
        sa.Column("sms_number", sa.String(32), nullable=False, server_default=""),
        sa.Column("greeting_path", sa.Text),
        sa.Column("max_message_s", sa.Integer, nullable=False, server_default="120"),
        sa.Column("language", sa.String(8), nullable=False, server_default="zh"),
        sa.Column("pin_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "voicemail_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("mailbox", sa.String(32), nullable=False),
        sa.Column("caller", sa.String(64), nullable=False, server_default=""),
        sa.Column("dialled", sa.String(64), nullable=False, server_default=""),
        sa.Column("call_id", sa.String(64)),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False, server_default="0"),
        sa.Column("category", sa.String(16), nullable=False, server_default="other"),
        sa.Column("state", sa.String(8), nullable=False, server_default="new"),
        sa.Column("handled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("handled_by", sa.String(64)),
        sa.Column("handled_at", UTCDateTime()),
        sa.Column("forwarded_from", sa.Integer),
        sa.Column("notified_email_at", UTCDateTime()),
        sa.Column("notified_sms_at", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("heard_at", UTCDateTime()),
    )
    op.create_index("ix_voicemail_messages_box", "voicemail_messages", ["mailbox", "state", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_voicemail_messages_box", table_name="voicemail_messages")
    for table in ("voicemail_messages", "voicemail_boxes", "ivr_accounts", "ivr_holidays", "ivr_vip",
                  "ivr_blacklist"):
        op.drop_table(table)
    op.drop_index("ix_ivr_survey_agent", table_name="ivr_survey_results")
    op.drop_table("ivr_survey_results")
    for ix in ("ix_ivr_sessions_call", "ix_ivr_sessions_started"):
        op.drop_index(ix, table_name="ivr_sessions")
    op.drop_table("ivr_sessions")
    for ix in ("ix_ivr_steps_tag", "ix_ivr_steps_at", "ix_ivr_steps_call"):
        op.drop_index(ix, table_name="ivr_steps")
    op.drop_table("ivr_steps")
