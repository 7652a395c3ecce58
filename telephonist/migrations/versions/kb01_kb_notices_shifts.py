"""The knowledge base (articles, categories, tags, versions, attachments and their full-text index), notices with
their read receipts, and shifts (patterns, rosters). Written by hand and frozen.

The full-text index differs by database: SQLite an FTS5 table over kb_articles' word columns (external content,
kept in step by three triggers), PostgreSQL a stored generated column ``search_vector`` (to_tsvector('simple', ...)
of the same columns, title weight A, text B) with a GIN index. Neither is in telephonist/kb/schema.py: the
database keeps them, the store never writes them.

Revision ID: kb01
Revises: ix01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from telephonist.storage.database import UTCDateTime

revision = "kb01"
down_revision = "ix01"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE kb_fts USING fts5(search_title, search_body, content='kb_articles', content_rowid='id', "
    "tokenize='unicode61')",
    "CREATE TRIGGER kb_articles_fts_insert AFTER INSERT ON kb_articles BEGIN "
    "INSERT INTO kb_fts(rowid, search_title, search_body) VALUES (new.id, new.search_title, new.search_body); END",
    "CREATE TRIGGER kb_articles_fts_delete AFTER DELETE ON kb_articles BEGIN "
    "INSERT INTO kb_fts(kb_fts, rowid, search_title, search_body) "
    "VALUES ('delete', old.id, old.search_title, old.search_body); END",
    "CREATE TRIGGER kb_articles_fts_update AFTER UPDATE ON kb_articles BEGIN "
    "INSERT INTO kb_fts(kb_fts, rowid, search_title, search_body) "
    "VALUES ('delete', old.id, old.search_title, old.search_body); "
    "INSERT INTO kb_fts(rowid, search_title, search_body) VALUES (new.id, new.search_title, new.search_body); END",
]
PG_FTS = [
    "ALTER TABLE kb_articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, search_title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, search_body), 'B')) STORED",
    # kept in the row (compressed), not in the TOAST table: ranking reads the vector of every match, and fetching
    # thousands of them out of line made a search for a common word take 300 ms instead of 60 (100,000 articles)
    "ALTER TABLE kb_articles ALTER COLUMN search_vector SET STORAGE MAIN",
    "CREATE INDEX ix_kb_articles_fts ON kb_articles USING gin (search_vector)",
]


def upgrade() -> None:
    op.create_table(
        "kb_categories",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
    )
    op.create_table(
        "kb_articles",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("category_id", Id, sa.ForeignKey("kb_categories.id")),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("search_title", sa.Text, nullable=False),
        sa.Column("search_body", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_kb_articles_category", "kb_articles", ["category_id"])
    op.create_index("ix_kb_articles_updated_at", "kb_articles", ["updated_at"])
    op.create_table(
        "kb_tags",
        sa.Column("article_id", Id, sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("value", sa.String(130), primary_key=True),
    )
    op.create_index("ix_kb_tags_kind_value", "kb_tags", ["kind", "value"])
    op.create_table(
        "kb_versions",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("article_id", Id, sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("category_id", Id),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("saved_at", UTCDateTime(), nullable=False),
        sa.Column("saved_by", sa.String(64), nullable=False),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
        sa.UniqueConstraint("article_id", "version", name="uq_kb_versions_article_version"),
    )
    op.create_table(
        "kb_attachments",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("article_id", Id, sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_kb_attachments_article", "kb_attachments", ["article_id"])
    for statement in SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else PG_FTS:
        op.execute(statement)
    op.create_table(
        "notices",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("audience", sa.String(80), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("wallboard", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime()),
    )
    op.create_index("ix_notices_sent_at", "notices", ["sent_at"])
    op.create_table(
        "notice_recipients",
        sa.Column("notice_id", Id, sa.ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", Id, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("agent_id", sa.String(32), nullable=False),
        sa.Column("read_at", UTCDateTime()),
    )
    op.create_index("ix_notice_recipients_user", "notice_recipients", ["user_id", "read_at"])
    op.create_table(
        "shift_patterns",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("starts", sa.String(5), nullable=False),
        sa.Column("ends", sa.String(5), nullable=False),
        sa.Column("days", sa.String(7), nullable=False),
        sa.Column("grace_min", sa.Integer, nullable=False, server_default="5"),
    )
    op.create_table(
        "rosters",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("agent_id", sa.String(32), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("pattern_id", Id, sa.ForeignKey("shift_patterns.id"), nullable=False),
        sa.UniqueConstraint("agent_id", "day", name="uq_rosters_agent_day"),
    )
    op.create_index("ix_rosters_day", "rosters", ["day"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("kb_articles_fts_insert", "kb_articles_fts_delete", "kb_articles_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS kb_fts")
    for table in ("rosters", "shift_patterns", "notice_recipients", "notices", "kb_attachments", "kb_versions", "kb_tags", "kb_articles", "kb_categories"):
        op.drop_table(table)
