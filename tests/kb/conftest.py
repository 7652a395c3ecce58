"""Every knowledge-base, notices and shifts store test runs on SQLite and on PostgreSQL (migrated to head):
the storage tests' ``db_url`` (a SQLite file, or a database of the session's PostgreSQL)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from telephonist.storage import make_engine, migrate
from tests.storage.conftest import db_url  # noqa: F401  (fixture)
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:  # noqa: F811
    migrate(db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()
