"""Quality's tables come from migration qa01 and match telephonist.quality.schema."""
from __future__ import annotations

from telephonist.quality.schema import metadata
from tests.support.database import schema_drift


def test_the_migrations_make_the_quality_tables(tmp_path):
    assert schema_drift(tmp_path, metadata, "qa_") == []
