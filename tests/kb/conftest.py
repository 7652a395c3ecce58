"""Every knowledge-base store test runs on SQLite and on PostgreSQL (migrated to head)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from telephonist.storage import make_engine, migrate
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kb.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    migrate(db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()
