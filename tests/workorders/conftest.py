"""Work-order tests run on SQLite and on PostgreSQL (a database of their own on the session's server)."""
from __future__ import annotations

import pytest

from telephonist.storage import make_engine, migrate
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    migrate(url)
    e = make_engine(url)
    yield e
    e.dispose()
