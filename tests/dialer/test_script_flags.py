"""The campaign page's flagged script questions, on SQLite and PostgreSQL: found through dl_attempts.flags and its
index with the campaign (dl05), not by matching every attempt's script text; attempts flagged before dl05 are
counted by the migration."""
import json
from datetime import UTC, datetime

import sqlalchemy as sa

from telephonist.dialer import results, script_progress, scripts
from telephonist.dialer import schema as T
from telephonist.dialer.lists import import_rows
from telephonist.dialer.store import DialerStore
from telephonist.storage import migrate
from telephonist.storage.database import UTCDateTime

STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}}
SCRIPT = "id | question | field | answer | next | result\nq1 | Happy with us? | happy | yes | end | \n" \
         " | | | no | end | \n"


def campaign_with_attempts(store: DialerStore, name: str, n: int) -> tuple[int, list[int]]:
    cid = store.create_campaign(name, "sales", "preview", "sales", "out", STRATEGY)
    import_rows(store.engine, cid, ["name", "phone"], [[f"r{i}", f"1380000{cid:02d}{i:02d}"] for i in range(n)],
                {"name": "name", "phones": "phone"})
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        rids = conn.execute(sa.select(T.records.c.id).where(T.records.c.campaign_id == cid)
                            .order_by(T.records.c.id)).scalars().all()
        aids = [conn.execute(T.attempts.insert().values(record_id=rid, campaign_id=cid, number="138", state="done",
                                                        claimed_at=now)).inserted_primary_key[0] for rid in rids]
    return cid, aids


def flag(state: dict, agent: str, note: str) -> dict:
    return {**state, "flags": [*state["flags"], {"question": "q1", "by": agent, "note": note}]}


def test_flagged_questions_come_from_the_indexed_count(db_url):
    migrate(db_url)
    store = DialerStore(db_url)
    try:
        sid = scripts.save(store.engine, "survey", scripts.from_table(*scripts.read_text(SCRIPT)), "lead")
        state = script_progress.start(scripts.get(store.engine, sid))
        cid, aids = campaign_with_attempts(store, "renewals", 4)
        other, others = campaign_with_attempts(store, "other", 1)
        script_progress.save(store.engine, aids[0], flag(state, "1001", "asks for a discount"))
        script_progress.save(store.engine, aids[1], state)                                   # answered, no flag
        script_progress.save(store.engine, aids[2], flag(flag(state, "1002", "rude"), "1003", "again"))
        script_progress.save(store.engine, others[0], flag(state, "1009", "another campaign's"))
        with store.engine.connect() as conn:
            counts = dict(conn.execute(sa.select(T.attempts.c.id, T.attempts.c.flags)).all())
            found = results.flags(conn, cid)
            # the query the page runs is answered from ix_dl_attempts_flagged, on either database
            query = sa.select(T.attempts.c.id, T.attempts.c.script).where(
                T.attempts.c.campaign_id == cid, T.attempts.c.flags > 0).order_by(T.attempts.c.id.desc()).limit(100)
            compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SET enable_seqscan = off"))
                plan = " ".join(r[0] for r in conn.execute(sa.text(f"EXPLAIN {compiled}")))
            else:
                plan = " ".join(str(r[-1]) for r in conn.execute(sa.text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert [counts[a] for a in aids] == [1, 0, 2, 0] and counts[others[0]] == 1
        assert [(f["attempt"], f["agent"], f["question"], f["text"], f["note"]) for f in found] == [
            (aids[2], "1002", "q1", "Happy with us?", "rude"), (aids[2], "1003", "q1", "Happy with us?", "again"),
            (aids[0], "1001", "q1", "Happy with us?", "asks for a discount")]
        assert "ix_dl_attempts_flagged" in plan, plan
    finally:
        store.close()


def test_the_migration_counts_the_flags_already_on_attempts(db_url):
    migrate(db_url, "cu02")
    engine = sa.create_engine(db_url)
    state = {"script_id": 1, "name": "s", "version": 1, "body": {"questions": []}, "at": None, "path": [],
             "answers": {}, "paused": False,
             "flags": [{"question": "q1", "by": "1001", "note": "a"}, {"question": "q2", "by": "1001", "note": "b"}]}
    try:
        with engine.begin() as conn:
            now = datetime.now(UTC)
            cid = conn.execute(T.campaigns.insert().values(
                name="c", kind="sales", mode="preview", target="sales", trunk_group="out", state="running",
                strategy="{}", created_at=now, updated_at=now)).inserted_primary_key[0]
            rid = conn.execute(T.records.insert().values(
                campaign_id=cid, phones='["138"]', dedup_key="138", state="done", updated_at=now)).inserted_primary_key[0]
            for script in (json.dumps(state, ensure_ascii=False), json.dumps({**state, "flags": []}), None):
                old = sa.table("dl_attempts", *(sa.column(c) for c in ("record_id", "campaign_id", "number", "state",
                                                                        "script")), sa.column("claimed_at", UTCDateTime()))
                conn.execute(old.insert().values(record_id=rid, campaign_id=cid, number="138", state="done",
                                                 claimed_at=now, script=script))
        assert migrate(db_url, "dl05") == "dl05"
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT flags FROM dl_attempts ORDER BY id")).scalars().all() == [2, 0, 0]
    finally:
        engine.dispose()
