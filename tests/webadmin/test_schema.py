"""The web admin's tables come from migration wa01 and match telephonist.webadmin.schema."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from telephonist.storage import alembic_config, make_engine, migrate
from telephonist.webadmin.schema import metadata


def test_migration_chain_has_one_head_and_makes_the_webadmin_tables(tmp_path):
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert "wa01" in {r.revision for r in script.walk_revisions()}
    url = f"sqlite:///{tmp_path / 't.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        mine = [d for d in diff if getattr(d[1], "table", d[1]).name.startswith("wa_")]
        assert mine == []
    finally:
        engine.dispose()
