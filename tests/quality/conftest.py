"""Quality's tests run on SQLite and on PostgreSQL, over acd_calls and call_legs rows like the ACD and chand write."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from telephonist.acd.schema import calls as acd_calls
from telephonist.storage.schema import call_legs
from tests.support.database import BOTH, migrated_engine
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)

MONDAY = datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)


@pytest.fixture(params=BOTH)
def engine(request, tmp_path):
    yield from migrated_engine(request, tmp_path)


def answered_call(conn, call_id: str, agent: str, at: datetime, *, queue: str = "sales", code: str | None = None,
                  recorded: bool = True, talk_ms: int = 60000) -> int:
    """An answered queue call as the ACD records it, with the agent's leg recorded as chand does."""
    row = conn.execute(sa.insert(acd_calls).values(
        call_id=call_id, queue=queue, caller="13912345678", entered_at=at - timedelta(seconds=10), answered_at=at,
        ended_at=at + timedelta(milliseconds=talk_ms), agent=agent, outcome="answered", wait_ms=10000, talk_ms=talk_ms,
        hold_ms=0, wrapup_ms=5000, wrapup_code=code, note=None)).inserted_primary_key[0]
    conn.execute(sa.insert(call_legs).values(
        call_id=call_id, direction="inbound", span="callers", channel=1, caller="13912345678", dialled="4009001234",
        state="idle", started_at=at, node="t", recording_path=f"2026/12/01/{call_id}.wav" if recorded else None))
    return row
