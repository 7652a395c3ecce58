"""A migrated database for tests that read and write tables directly: SQLite or the session's PostgreSQL, and
what the migrations make compared with an area's SQLAlchemy tables."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from telephonist.storage import make_engine, migrate

# pytest params for a fixture that runs on both databases
BOTH = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def migrated_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[sa.Engine]:
    """For a fixture with params=BOTH: an Engine on a database the migrations made."""
    url = f"sqlite:///{tmp_path / 't.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    migrate(url)
    eng = sa.create_engine(url)
    yield eng
    eng.dispose()


def schema_drift(tmp_path, metadata: sa.MetaData, prefix: str = "") -> list:
    """What differs between the tables as the migrations make them and as ``metadata`` says: those named
    ``prefix``*, or (no prefix) the tables ``metadata`` has."""
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        name = lambda d: getattr(d[1], "table", d[1]).name      # noqa: E731
        return [d for d in diff if (name(d).startswith(prefix) if prefix else name(d) in metadata.tables)]
    finally:
        engine.dispose()
