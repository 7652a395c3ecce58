"""Indexes for the customer's timeline: what other areas' tables know about a customer, read by the customer's
numbers (crm/sources.py): IVR sessions and survey answers by the caller, work orders' SMS by the number, the
dialer's attempts by the number dialled and its records by ID-card number. Without them each screen pop read
those tables whole. Written by hand and frozen.

Revision ID: cu02
Revises: wo02
"""
from __future__ import annotations

from alembic import op

revision = "cu02"
down_revision = "wo02"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_ivr_sessions_caller", "ivr_sessions", ["caller", "started_at"]),
    ("ix_ivr_survey_caller", "ivr_survey_results", ["caller", "created_at"]),
    ("ix_wo_sms_number", "wo_sms", ["number", "created_at"]),
    ("ix_dl_attempts_number", "dl_attempts", ["number"]),
    ("ix_dl_records_id_card", "dl_records", ["id_card"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table)
