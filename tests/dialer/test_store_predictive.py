"""What a predictive campaign writes: an answered attempt that turns abandoned (the record retried by
retry.abandoned), and the answered / abandoned counts per local day the dialer starts from — on SQLite and
PostgreSQL."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from telephonist.dialer import schema as T
from telephonist.dialer.lists import import_rows
from telephonist.dialer.store import DialerStore
from telephonist.storage import migrate

STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "max_attempts": 3,
            "min_interval_s": 60, "max_interval_s": 7200, "retry": {"abandoned": 3600}}


@pytest.fixture
def store(db_url):
    migrate(db_url)
    s = DialerStore(db_url)
    yield s
    s.close()


def test_an_answered_attempt_abandoned_is_counted_and_its_record_retried(store):
    cid = store.create_campaign("ahead", "sales", "predictive", "sales", "out", STRATEGY)
    import_rows(store.engine, cid, ["name", "phone"], [["a", "13800000001"], ["b", "13800000002"]],
                {"name": "name", "phones": "phone"})
    camp = store.campaigns()[0]
    now = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)           # 23:30 in Shanghai
    first, second = store.claim(camp, now, 2, lambda _t: True)
    for c in (first, second):
        store.dialing(c.attempt_id, "pstn/1")
        store.answered(c.attempt_id, now)
    store.result(first.attempt_id, "agent", now)                   # an agent took the first
    assert store.abandoned(second.attempt_id, now).value == "pending"
    assert store.abandoned(first.attempt_id, now) is None          # a finished attempt stays as it is
    with store.engine.connect() as conn:
        got = {r.record_id: r for r in conn.execute(sa.select(T.attempts))}
        rec = conn.execute(sa.select(T.records).where(T.records.c.id == second.record_id)).one()
    assert got[first.record_id].outcome == "answered" and got[second.record_id].outcome == "abandoned"
    assert rec.state == "pending" and rec.outcome == "abandoned" and rec.next_at == now + timedelta(seconds=3600)
    later = now + timedelta(hours=1)                               # the next day in Shanghai, the same in UTC
    third = store.claim(camp, later, 1, lambda _t: True)[0]
    store.dialing(third.attempt_id, "pstn/2")
    store.answered(third.attempt_id, later)
    store.abandoned(third.attempt_id, later)
    shanghai = store.answered_by_day(cid, now - timedelta(days=30), ZoneInfo("Asia/Shanghai"))
    assert shanghai == {datetime(2026, 12, 7).date(): (2, 1), datetime(2026, 12, 8).date(): (1, 1)}
    assert store.answered_by_day(cid, now - timedelta(days=30), UTC) == {datetime(2026, 12, 7).date(): (3, 2)}
