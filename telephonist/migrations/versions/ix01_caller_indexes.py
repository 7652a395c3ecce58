"""Indexes for the screen pop and the customer's timeline: voicemails and faxes by the caller's number.

The desk's pop and the customer file look up a caller's voicemails and faxes by number; without these
indexes each lookup read the whole table. Written by hand and frozen.

Revision ID: ix01
Revises: wo01
"""
from __future__ import annotations

from alembic import op

revision = "ix01"
down_revision = "wo01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_voicemail_messages_caller", "voicemail_messages", ["caller", "created_at"])
    op.create_index("ix_fax_messages_caller", "fax_messages", ["caller", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_fax_messages_caller", "fax_messages")
    op.drop_index("ix_voicemail_messages_caller", "voicemail_messages")
