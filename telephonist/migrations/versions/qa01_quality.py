"""Quality: scoring forms, reviews, appeals, sampling rules and samples, reviewers' levels.

Revision ID: qa01
Revises: wa05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from telephonist.storage.database import UTCDateTime

revision = "qa01"
down_revision = "wa05"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qa_forms",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "qa_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("form_id", sa.Integer, sa.ForeignKey("qa_forms.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("section", sa.String(80), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("fatal", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_qa_items_form", "qa_items", ["form_id", "position"])
    op.create_table(
        "qa_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("form_id", sa.Integer, sa.ForeignKey("qa_forms.id"), nullable=False),
        sa.Column("call_row", sa.Integer, nullable=False),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("agent", sa.String(32), nullable=False),
        sa.Column("queue", sa.String(32), nullable=False),
        sa.Column("call_at", UTCDateTime(), nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("fatal_failed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
    )
    op.create_index("ix_qa_reviews_agent", "qa_reviews", ["agent", "call_at"])
    op.create_index("ix_qa_reviews_call", "qa_reviews", ["call_row", "form_id"], unique=True)
    op.create_table(
        "qa_answers",
        sa.Column("review_id", sa.Integer, sa.ForeignKey("qa_reviews.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("qa_items.id"), primary_key=True),
        sa.Column("points", sa.Integer, nullable=False),
    )
    op.create_table(
        "qa_appeals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("review_id", sa.Integer, sa.ForeignKey("qa_reviews.id", ondelete="CASCADE"), nullable=False),
        sa.Column("agent", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", UTCDateTime()),
        sa.Column("decision", sa.String(16)),
        sa.Column("reply", sa.Text, nullable=False),
    )
    op.create_index("ix_qa_appeals_review", "qa_appeals", ["review_id"])
    op.create_table(
        "qa_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("codes", sa.Text, nullable=False),
        sa.Column("queues", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "qa_samples",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_row", sa.Integer, nullable=False, unique=True),
        sa.Column("agent", sa.String(32), nullable=False),
        sa.Column("rule", sa.String(80), nullable=False),
        sa.Column("drawn_at", UTCDateTime(), nullable=False),
        sa.Column("review_id", sa.Integer, sa.ForeignKey("qa_reviews.id", ondelete="SET NULL")),
    )
    op.create_index("ix_qa_samples_open", "qa_samples", ["review_id", "drawn_at"])
    op.create_table(
        "qa_reviewers",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("max_level", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for name in ("qa_reviewers", "qa_samples", "qa_rules", "qa_appeals", "qa_answers", "qa_reviews", "qa_items",
                 "qa_forms"):
        op.drop_table(name)
