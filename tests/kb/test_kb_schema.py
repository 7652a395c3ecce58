"""Migration kb01 makes the tables the knowledge base, notices and shifts describe, and the full-text index, on
both databases; its downgrade removes them."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
import sqlalchemy as sa

from telephonist.kb.schema import metadata as kb_metadata
from telephonist.notices.schema import metadata as notices_metadata
from telephonist.shifts.schema import metadata as shifts_metadata
from telephonist.storage import alembic_config


PG_OWN = {"search_vector", "ix_kb_articles_fts"}             # PostgreSQL's index column and its index (by hand)


def _table(d) -> str:
    return d[2] if d[0].endswith("_column") else getattr(d[1], "table", d[1]).name


def _name(d) -> str:
    return d[3].name if d[0].endswith("_column") else getattr(d[1], "name", "")


def test_the_tables_match_and_the_index_is_there(engine):
    for metadata in (kb_metadata, notices_metadata, shifts_metadata):
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        mine = [d for d in diff if _table(d) in metadata.tables and _name(d) not in PG_OWN]
        assert mine == []
    insp = sa.inspect(engine)
    if engine.dialect.name == "sqlite":
        assert "kb_fts" in insp.get_table_names()
    else:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_kb_articles_fts'")).first()


def test_downgrade_removes_it_all(engine):
    with engine.begin() as conn:
        command.downgrade(alembic_config(connection=conn), "fx02")
    assert not [t for t in sa.inspect(engine).get_table_names()
                if t.startswith(("kb_", "notice", "shift_")) or t == "rosters"]
