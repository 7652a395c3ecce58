"""The knowledge base's tables (created by the Alembic migration kb01).

kb_categories   a flat list of categories an article belongs to (one each, or none)
kb_articles     the current text of each article, and its words for the full-text index (``search_title``,
                ``search_body``: segment.py's output, written by the store on every save). SQLite indexes them
                in the FTS5 table ``kb_fts`` (external content, kept in step by triggers); PostgreSQL in a stored
                generated column ``search_vector`` (``to_tsvector('simple', ...)``) with the GIN index
                ``ix_kb_articles_fts``. Both are the database's own (migration kb01), not described here.
kb_tags         what an article is shown for beside the screen pop: ``queue`` NAME or ``ivr`` FLOW/NODE
kb_versions     every save of an article, whole (title, body, category, tags): what a restore takes back
kb_attachments  files attached to an article (stored as files.py says)
"""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

from telephonist.storage.database import UTCDateTime
from telephonist.storage.schema import Id

metadata = MetaData()

TAG_KINDS = ("queue", "ivr")

categories = Table(
    "kb_categories", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
)

articles = Table(
    "kb_articles", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("category_id", Id, ForeignKey("kb_categories.id")),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("search_title", Text, nullable=False),     # segmented words (segment.py)
    Column("search_body", Text, nullable=False),
    Column("version", Integer, nullable=False),        # the latest kb_versions.version
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("retired_at", UTCDateTime),                 # (wo02) retired: kept with its versions, not found or shown
)
Index("ix_kb_articles_category", articles.c.category_id)
Index("ix_kb_articles_updated_at", articles.c.updated_at)        # the list, latest changed first

tags = Table(
    "kb_tags", metadata,
    Column("article_id", Id, ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(8), primary_key=True),       # queue | ivr
    Column("value", String(130), primary_key=True),    # a queue's name, or flow/node
)
Index("ix_kb_tags_kind_value", tags.c.kind, tags.c.value)

versions = Table(
    "kb_versions", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("article_id", Id, ForeignKey("kb_articles.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("category_id", Id),
    Column("tags", Text, nullable=False),              # JSON: [[kind, value], ...]
    Column("saved_at", UTCDateTime, nullable=False),
    Column("saved_by", String(64), nullable=False),
    Column("note", String(200), nullable=False, server_default=""),   # "restored version 2" ...
    UniqueConstraint("article_id", "version", name="uq_kb_versions_article_version"),
)

attachments = Table(
    "kb_attachments", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("article_id", Id, ForeignKey("kb_articles.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),       # the name it was uploaded with (shown, never a path)
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Column("added_by", String(64), nullable=False),
)
Index("ix_kb_attachments_article", attachments.c.article_id)
