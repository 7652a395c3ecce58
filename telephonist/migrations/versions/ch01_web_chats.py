"""Web chats and e-mail as ACD media: one row per chat of the website's visitors or inbound e-mail (media, queue,
state, visitor, the customer it was matched to, agent, times, an e-mail's subject; a visitor's token only as its
SHA-256) and every line of each (the transcript; an e-mail's Message-ID and References for threading replies).
Written by hand and frozen.

Revision ID: ch01
Revises: dl05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from telephonist.storage.database import UTCDateTime

revision = "ch01"
down_revision = "dl05"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "acd_chats",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("queue", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("visitor", sa.String(100), nullable=False, server_default=""),
        sa.Column("email", sa.String(254), nullable=False, server_default=""),
        sa.Column("phone", sa.String(32), nullable=False, server_default=""),
        sa.Column("customer_id", sa.Integer),
        sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("agent", sa.String(32)),
        sa.Column("entered_at", UTCDateTime(), nullable=False),
        sa.Column("offered_at", UTCDateTime()),
        sa.Column("accepted_at", UTCDateTime()),
        sa.Column("ended_at", UTCDateTime()),
        sa.Column("ended_by", sa.String(40)),
        sa.Column("messages", sa.Integer, nullable=False, server_default="0"),
        sa.Column("media", sa.String(8), nullable=False, server_default="chat"),
        sa.Column("subject", sa.String(200), nullable=False, server_default=""),
    )
    op.create_index("ix_acd_chats_customer", "acd_chats", ["customer_id", "entered_at"])
    op.create_index("ix_acd_chats_state", "acd_chats", ["state"])
    op.create_table(
        "acd_chat_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("chat_id", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("sender", sa.String(40), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("message_id", sa.String(250)),
        sa.Column("refs", sa.Text),
    )
    op.create_index("ix_acd_chat_messages_chat", "acd_chat_messages", ["chat_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_acd_chat_messages_chat", table_name="acd_chat_messages")
    op.drop_table("acd_chat_messages")
    op.drop_index("ix_acd_chats_state", table_name="acd_chats")
    op.drop_index("ix_acd_chats_customer", table_name="acd_chats")
    op.drop_table("acd_chats")
