"""Backups of a running site: SQLite and PostgreSQL, with real calls, voicemail and faxes."""
from __future__ import annotations

import pytest

from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param
