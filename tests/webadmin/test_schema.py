"""The web admin's tables come from migration wa01 and match telephonist.webadmin.schema."""
from __future__ import annotations

from alembic.script import ScriptDirectory

from telephonist.storage import alembic_config
from telephonist.webadmin.schema import metadata
from tests.support.database import schema_drift


def test_migration_chain_has_one_head_and_makes_the_webadmin_tables(tmp_path):
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert "wa01" in {r.revision for r in script.walk_revisions()}
    assert schema_drift(tmp_path, metadata, "wa_") == []
