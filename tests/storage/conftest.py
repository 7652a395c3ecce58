"""Fixtures for the call-record storage tests: every store test runs on SQLite and on PostgreSQL."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from telephonist.storage import CallRecordStore, migrate
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database: a SQLite file in tmp_path, or a new database on the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'calls.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[CallRecordStore]:
    migrate(db_url)
    s = CallRecordStore(db_url)
    yield s
    await s.close()
