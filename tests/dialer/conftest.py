"""Fixtures of the dialer's tests: the store tests run on SQLite and on PostgreSQL."""
from __future__ import annotations

import pytest

from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database: a SQLite file in tmp_path, or a new database on the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'dialer.db'}"
    return request.getfixturevalue("postgres_url")


from tests.webadmin.conftest import app, client, user_ids, web_config  # noqa: F401  (the console's fixtures)
