"""CallRecordStore end to end on a real database (SQLite file and PostgreSQL server, see conftest)."""
from __future__ import annotations

import asyncio
import enum
import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from telephonist.storage import (CallRecordStore, LegClosed, LegFilter, LegNotFound, LegOpen, StoreClosed,
                                 make_engine)

UTC = timezone.utc
T0 = datetime(2026, 11, 22, 9, 0, 0, tzinfo=UTC)


def leg(n: int = 1, **kw) -> LegOpen:
    values = dict(call_id=f"call-{n}", direction="inbound", span="sim0", channel=n, caller=f"1380000{n:04d}",
                  dialled="4008001234", node="node-a", trunk_group="pstn", application="ivr:main",
                  started_at=T0 + timedelta(seconds=n))
    values.update(kw)
    return LegOpen(**values)


def raw_rows(url: str, sql: str, **params) -> list[tuple]:
    """Read with a connection of our own: what any other process would see committed."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


async def test_open_leg_stores_what_was_given_and_is_committed_when_awaited(store, db_url):
    leg_id = await store.open_leg(leg(7))
    assert raw_rows(db_url, "SELECT call_id, direction, span, channel, caller, dialled, node, state "
                            "FROM call_legs WHERE id = :i", i=leg_id) == [
        ("call-7", "inbound", "sim0", 7, "13800000007", "4008001234", "node-a", "ringing")]
    got = await store.get_leg(leg_id)
    assert got is not None and got.is_open
    assert (got.trunk_group, got.application, got.disposition, got.ended_at) == ("pstn", "ivr:main", None, None)
    assert got.started_at == T0 + timedelta(seconds=7) and got.started_at.tzinfo == UTC


async def test_defaults_state_by_direction_and_start_time_now(store):
    before = datetime.now(UTC)
    out_id = await store.open_leg(leg(1, direction="outbound", started_at=None, trunk_group=None,
                                      application=None))
    got = await store.get_leg(out_id)
    assert got.state == "dialing" and got.trunk_group is None and got.application is None
    assert before - timedelta(seconds=1) <= got.started_at <= datetime.now(UTC) + timedelta(seconds=1)


async def test_times_in_other_zones_are_stored_as_the_same_instant_in_utc(store):
    beijing = timezone(timedelta(hours=8))
    leg_id = await store.open_leg(leg(1, started_at=datetime(2026, 11, 22, 17, 0, 0, tzinfo=beijing)))
    got = await store.get_leg(leg_id)
    assert got.started_at == datetime(2026, 11, 22, 9, 0, 0, tzinfo=UTC)
    assert got.started_at.utcoffset() == timedelta(0)


async def test_caller_mistakes_raise_before_anything_is_written(store, db_url):
    with pytest.raises(ValueError, match="direction"):
        await store.open_leg(leg(1, direction="sideways"))
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.open_leg(leg(1, started_at=datetime(2026, 1, 1)))
    leg_id = await store.open_leg(leg(1))
    with pytest.raises(ValueError, match="no updatable column"):
        await store.update_leg(leg_id, colour="blue")
    with pytest.raises(ValueError, match="disposition"):
        await store.close_leg(leg_id, "hung")
    assert raw_rows(db_url, "SELECT count(*) FROM call_legs") == [(1,)]


async def test_update_leg_sets_columns(store):
    leg_id = await store.open_leg(leg(1))
    await store.update_leg(leg_id, state="up", answered_at=T0 + timedelta(seconds=5),
                           application="queue:sales", recording_path="/var/rec/1.wav")
    got = await store.get_leg(leg_id)
    assert (got.state, got.application, got.recording_path) == ("up", "queue:sales", "/var/rec/1.wav")
    assert got.answered_at == T0 + timedelta(seconds=5)
    with pytest.raises(LegNotFound):
        await store.update_leg(leg_id + 1000, state="up")


async def test_close_leg_records_the_end_and_works_out_ring_and_talk_time(store):
    leg_id = await store.open_leg(leg(0))                       # started at T0
    await store.update_leg(leg_id, state="up", answered_at=T0 + timedelta(seconds=4, milliseconds=250))
    await store.close_leg(leg_id, "answered", hangup_cause="normal_clearing",
                          ended_at=T0 + timedelta(seconds=64, milliseconds=250))
    got = await store.get_leg(leg_id)
    assert (got.disposition, got.hangup_cause, got.state) == ("answered", "normal_clearing", "ended")
    assert got.ended_at == T0 + timedelta(seconds=64, milliseconds=250)
    assert (got.ring_ms, got.talk_ms) == (4250, 60000)
    assert not got.is_open
    with pytest.raises(LegClosed):
        await store.close_leg(leg_id, "failed")
    with pytest.raises(LegNotFound):
        await store.close_leg(leg_id + 1000, "failed")


async def test_close_leg_keeps_figures_it_is_given_and_accepts_enum_dispositions(store):
    class Disposition(str, enum.Enum):          # as chand's Disposition is
        NO_ANSWER = "no_answer"

    leg_id = await store.open_leg(leg(0, direction="outbound"))
    await store.update_leg(leg_id, recording_path="/var/rec/x.wav")
    await store.close_leg(leg_id, Disposition.NO_ANSWER, hangup_cause=None,
                          ended_at=T0 + timedelta(seconds=30), ring_ms=29500)
    got = await store.get_leg(leg_id)
    assert (got.disposition, got.ring_ms, got.talk_ms) == ("no_answer", 29500, None)
    assert got.recording_path == "/var/rec/x.wav"             # None given: left as it was


async def test_events_come_back_in_time_order_with_their_data(store, db_url):
    leg_id = await store.open_leg(leg(1))
    other = await store.open_leg(leg(2))
    await store.add_event(leg_id, "answer", {"by": "ivr"}, at=T0 + timedelta(seconds=3))
    await store.add_event(leg_id, "ring", {"count": 1}, at=T0 + timedelta(seconds=1))
    await store.add_event(other, "ring", {})
    await store.add_event(leg_id, "dtmf", {"digits": "1#", "note": "按键 一"}, at=T0 + timedelta(seconds=9))
    evs = await store.events(leg_id)
    assert [(e.kind, e.data) for e in evs] == [
        ("ring", {"count": 1}), ("answer", {"by": "ivr"}), ("dtmf", {"digits": "1#", "note": "按键 一"})]
    assert evs[0].at == T0 + timedelta(seconds=1) and all(e.leg_id == leg_id for e in evs)
    stored = raw_rows(db_url, "SELECT data FROM call_events WHERE kind = 'dtmf'")
    assert json.loads(stored[0][0]) == {"digits": "1#", "note": "按键 一"}     # JSON text in the column
    assert await store.events(leg_id + 1000) == []


async def test_an_event_for_an_unknown_leg_fails_alone_and_its_batch_still_commits(store, db_url):
    leg_id = await store.open_leg(leg(1))
    results = await asyncio.gather(
        *[store.add_event(leg_id, "play", {"n": i}) for i in range(20)],
        store.add_event(leg_id + 1000, "play", {"n": "bad"}),
        *[store.add_event(leg_id, "play", {"n": i}) for i in range(20, 40)],
        return_exceptions=True)
    assert isinstance(results[20], IntegrityError)
    good = [r for i, r in enumerate(results) if i != 20]
    assert all(isinstance(r, int) for r in good) and len(set(good)) == 40
    assert [e.data["n"] for e in await store.events(leg_id)] == list(range(40))
    assert raw_rows(db_url, "SELECT count(*) FROM call_events") == [(40,)]


async def test_writes_apply_in_the_order_submitted(store):
    leg_id = await store.open_leg(leg(1))
    pending = [asyncio.ensure_future(store.update_leg(leg_id, state=f"s{i}")) for i in range(50)]
    await asyncio.gather(*pending)
    assert (await store.get_leg(leg_id)).state == "s49"


async def test_many_concurrent_calls_are_all_recorded(store, db_url):
    async def call(n: int) -> int:
        leg_id = await store.open_leg(leg(n, started_at=None))
        await store.add_event(leg_id, "ring")
        await store.update_leg(leg_id, state="up", answered_at=datetime.now(UTC))
        await store.add_event(leg_id, "answer")
        await store.close_leg(leg_id, "answered", hangup_cause="normal")
        return leg_id

    ids = await asyncio.gather(*[call(n) for n in range(200)])
    assert len(set(ids)) == 200
    assert raw_rows(db_url, "SELECT count(*), count(ended_at), count(talk_ms) FROM call_legs "
                            "WHERE disposition = 'answered'") == [(200, 200, 200)]
    assert raw_rows(db_url, "SELECT count(*) FROM call_events") == [(400,)]
    assert store.stats["jobs"] >= 1000


async def test_close_interrupted_closes_only_this_nodes_open_legs(store):
    with_events = await store.open_leg(leg(1))
    await store.add_event(with_events, "ring", at=T0 + timedelta(seconds=2))
    await store.add_event(with_events, "app", {"app": "ivr"}, at=T0 + timedelta(seconds=12))
    answered = await store.open_leg(leg(2))
    await store.update_leg(answered, state="up", answered_at=T0 + timedelta(seconds=5))
    await store.add_event(answered, "answer", at=T0 + timedelta(seconds=5))
    await store.add_event(answered, "dtmf", at=T0 + timedelta(seconds=20))
    silent = await store.open_leg(leg(3))
    done = await store.open_leg(leg(4))
    await store.close_leg(done, "busy", ended_at=T0 + timedelta(seconds=6))
    elsewhere = await store.open_leg(leg(5, node="node-b"))

    before = datetime.now(UTC)
    assert await store.close_interrupted("node-a") == 3
    after = datetime.now(UTC)

    a, b, c = [await store.get_leg(i) for i in (with_events, answered, silent)]
    assert {x.disposition for x in (a, b, c)} == {"interrupted"} and not any(x.is_open for x in (a, b, c))
    assert a.ended_at == T0 + timedelta(seconds=12) and (a.ring_ms, a.talk_ms) == (11000, None)
    assert b.ended_at == T0 + timedelta(seconds=20) and (b.ring_ms, b.talk_ms) == (3000, 15000)
    assert before <= c.ended_at <= after                       # no events: closed at "now"
    assert (await store.get_leg(done)).disposition == "busy"
    assert (await store.get_leg(elsewhere)).is_open
    assert await store.close_interrupted("node-a") == 0


async def test_recent_lists_newest_first_with_filters(store):
    ids = {}
    for n in range(1, 11):
        ids[n] = await store.open_leg(leg(n, caller="100" if n % 2 else "200", node="node-a" if n < 8 else "node-b"))
    await store.close_leg(ids[3], "busy")
    await store.close_leg(ids[4], "answered")

    assert [x.id for x in await store.recent(3)] == [ids[10], ids[9], ids[8]]
    assert [x.id for x in await store.recent(100, LegFilter(caller="100"))] == [ids[n] for n in (9, 7, 5, 3, 1)]
    assert [x.id for x in await store.recent(100, LegFilter(disposition="busy"))] == [ids[3]]
    assert [x.id for x in await store.recent(100, LegFilter(open=False))] == [ids[4], ids[3]]
    assert len(await store.recent(100, LegFilter(open=True))) == 8
    assert [x.id for x in await store.recent(100, LegFilter(node="node-b", caller="200"))] == [ids[10], ids[8]]
    window = LegFilter(since=T0 + timedelta(seconds=2), until=T0 + timedelta(seconds=4))
    assert [x.id for x in await store.recent(100, window)] == [ids[3], ids[2]]
    assert [x.id for x in await store.recent(100, LegFilter(call_id="call-6"))] == [ids[6]]
    assert await store.recent(100, LegFilter(dialled="nobody")) == []


async def test_close_writes_what_is_queued_then_refuses_more(db_url):
    from telephonist.storage import migrate

    migrate(db_url)
    store = CallRecordStore(db_url)
    leg_id = await store.open_leg(leg(1))
    queued = [asyncio.ensure_future(store.add_event(leg_id, "play", {"n": i})) for i in range(100)]
    await asyncio.sleep(0)                      # let the tasks submit their writes
    await store.close()
    assert all(f.done() and not f.exception() for f in queued)
    assert raw_rows(db_url, "SELECT count(*) FROM call_events") == [(100,)]
    with pytest.raises(StoreClosed):
        await store.add_event(leg_id, "play")
    with pytest.raises(StoreClosed):
        await store.get_leg(leg_id)
