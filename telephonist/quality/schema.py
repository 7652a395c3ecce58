"""Quality's tables (created by the Alembic migration qa01).

qa_forms        a scoring form: name, whether new reviews may use it
qa_items        its items in sections: points (the weight), or a fatal item (failing it makes the score 0)
qa_reviews      one scored call: the acd_calls row, the agent, the reviewer, the score and its state
                (scored -> appealed -> upheld | revised)
qa_answers      the points a review gave each item (a fatal item: its full points = passed, 0 = failed)
qa_appeals      an agent's appeal of a review and the decision on it
qa_samples      calls drawn for review by a sampling rule (the reviewers' work list), with the review once made
qa_rules        sampling rules: N calls per agent per week, or every call with one of some dispositions
qa_reviewers    the highest agent level each reviewing user may listen to and score
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text, false

from telephonist.storage.database import UTCDateTime

metadata = MetaData()

forms = Table(
    "qa_forms", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("active", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime(), nullable=False),
)

items = Table(
    "qa_items", metadata,
    Column("id", Integer, primary_key=True),
    Column("form_id", Integer, ForeignKey("qa_forms.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("section", String(80), nullable=False),
    Column("label", Text, nullable=False),
    Column("points", Integer, nullable=False),
    Column("fatal", Boolean, nullable=False, server_default=false()),
)
Index("ix_qa_items_form", items.c.form_id, items.c.position)

reviews = Table(
    "qa_reviews", metadata,
    Column("id", Integer, primary_key=True),
    Column("form_id", Integer, ForeignKey("qa_forms.id"), nullable=False),
    Column("call_row", Integer, nullable=False),                # acd_calls.id
    Column("call_id", String(64), nullable=False),
    Column("agent", String(32), nullable=False),
    Column("queue", String(32), nullable=False),
    Column("call_at", UTCDateTime(), nullable=False),           # when the call was answered (reports by week)
    Column("reviewer", String(64), nullable=False),
    Column("reviewed_at", UTCDateTime(), nullable=False),
    Column("score", Float, nullable=False),                     # 0-100
    Column("fatal_failed", Boolean, nullable=False, server_default=false()),
    Column("comment", Text, nullable=False, default=""),
    Column("state", String(16), nullable=False),                # scored | appealed | upheld | revised
)
Index("ix_qa_reviews_agent", reviews.c.agent, reviews.c.call_at)
Index("ix_qa_reviews_call", reviews.c.call_row, reviews.c.form_id, unique=True)

answers = Table(
    "qa_answers", metadata,
    Column("review_id", Integer, ForeignKey("qa_reviews.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", Integer, ForeignKey("qa_items.id"), primary_key=True),
    Column("points", Integer, nullable=False),
)

appeals = Table(
    "qa_appeals", metadata,
    Column("id", Integer, primary_key=True),
    Column("review_id", Integer, ForeignKey("qa_reviews.id", ondelete="CASCADE"), nullable=False),
    Column("agent", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("decided_by", String(64)),
    Column("decided_at", UTCDateTime()),
    Column("decision", String(16)),                             # upheld | revised
    Column("reply", Text, nullable=False, default=""),
)
Index("ix_qa_appeals_review", appeals.c.review_id)

rules = Table(
    "qa_rules", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),                 # per_agent_week | disposition
    Column("count", Integer, nullable=False, default=0),        # per_agent_week: calls per agent and week
    Column("codes", Text, nullable=False, default=""),          # disposition: comma-separated wrap-up codes
    Column("queues", Text, nullable=False, default=""),         # comma-separated; empty: every queue
    Column("active", Boolean, nullable=False, server_default=false()),
)

samples = Table(
    "qa_samples", metadata,
    Column("id", Integer, primary_key=True),
    Column("call_row", Integer, nullable=False, unique=True),
    Column("agent", String(32), nullable=False),
    Column("rule", String(80), nullable=False),
    Column("drawn_at", UTCDateTime(), nullable=False),
    Column("review_id", Integer, ForeignKey("qa_reviews.id", ondelete="SET NULL")),
)
Index("ix_qa_samples_open", samples.c.review_id, samples.c.drawn_at)

reviewers = Table(
    "qa_reviewers", metadata,
    Column("username", String(64), primary_key=True),
    Column("max_level", Integer, nullable=False),
)
