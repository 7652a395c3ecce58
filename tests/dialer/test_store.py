"""Campaigns, list import (CSV, TXT, XLSX) with a mapping, duplicates, the do-not-call list and the claim of
attempts, on SQLite and PostgreSQL."""
import io
import json
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from telephonist.dialer import schema as T
from telephonist.dialer.lists import import_rows, read_table
from telephonist.dialer.store import DialerError, DialerStore
from telephonist.dialer.strategy import StrategyError
from telephonist.storage import migrate

STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "max_attempts": 2,
            "min_interval_s": 60, "max_interval_s": 600, "retry": {"busy": 120, "machine": None}}
CSV = ("客户姓名,手机,固话,类型,身份证,账单月,金额\n"
       "张三,138-0000-0001,01088880001,vip,11010119900101001x,11,215.60\n"
       "李四,13800000002,,default,110101199002020022,11,88\n"
       "王五,,,default,,11,1\n"                               # no number: rejected
       "张三二,13800000001,,default,,11,3\n")                  # same first number: a duplicate
MAPPING = {"name": "客户姓名", "phones": ["手机", "固话"], "customer_type": "类型", "id_card": "身份证"}


@pytest.fixture
def store(db_url):
    migrate(db_url)
    s = DialerStore(db_url)
    yield s
    s.close()


def records(store, cid):
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            sa.select(T.records).where(T.records.c.campaign_id == cid).order_by(T.records.c.id))]


def test_import_csv_keeps_custom_fields_and_finds_duplicates(store):
    cid = store.create_campaign("bills", "notice", "agentless", "bill_notice", "out", STRATEGY)
    header, rows = read_table("list.csv", CSV.encode("gb18030"))
    report = import_rows(store.engine, cid, header, rows, MAPPING)
    assert report.added == 2
    assert report.rejected == [(4, "no usable phone number")]
    assert report.duplicates == [(5, "13800000001")]
    first, _ = records(store, cid)
    assert json.loads(first["phones"]) == ["13800000001", "01088880001"]
    assert json.loads(first["fields"]) == {"账单月": "11", "金额": "215.60"}
    assert (first["name"], first["customer_type"], first["id_card"]) == ("张三", "vip", "11010119900101001X")
    again = import_rows(store.engine, cid, header, rows, MAPPING)        # the same list again: all duplicates
    assert (again.added, len(again.duplicates)) == (0, 3)


def test_import_txt_and_xlsx(store):
    cid = store.create_campaign("survey", "survey", "agentless", "satisfaction", "out", STRATEGY)
    header, rows = read_table("list.txt", "name\tphone\tplan\n赵六\t13900000001\tgold\n".encode())
    assert import_rows(store.engine, cid, header, rows, {"name": "name", "phones": "phone"}).added == 1
    book = openpyxl.Workbook()
    book.active.append(["phone", "policy"])
    book.active.append([13900000002, "P-1"])          # Excel keeps the number as a number
    data = io.BytesIO()
    book.save(data)
    header, rows = read_table("list.xlsx", data.getvalue())
    assert import_rows(store.engine, cid, header, rows, {"phones": "phone"}).added == 1
    assert [json.loads(r["phones"]) for r in records(store, cid)] == [["13900000001"], ["13900000002"]]
    assert json.loads(records(store, cid)[1]["fields"]) == {"policy": "P-1"}
    with pytest.raises(DialerError, match="no column 'mobile'"):
        import_rows(store.engine, cid, header, rows, {"phones": "mobile"})
    with pytest.raises(DialerError, match=".xlsx file cannot be read"):
        read_table("broken.xlsx", b"not a zip")
    with pytest.raises(DialerError, match="csv, .txt, .xlsx or .docx"):
        read_table("list.doc", b"x")


def test_bad_campaigns_are_refused(store):
    with pytest.raises(StrategyError, match="windows"):
        store.create_campaign("x", "notice", "agentless", "f", "out", {"windows": {}})
    with pytest.raises(DialerError, match="kind"):
        store.create_campaign("x", "spam", "agentless", "f", "out", STRATEGY)
    store.create_campaign("x", "notice", "agentless", "f", "out", STRATEGY)
    with pytest.raises(DialerError, match="exists already"):
        store.create_campaign("x", "notice", "agentless", "f", "out", STRATEGY)


def test_claims_skip_dnc_and_outcomes_follow_the_strategy(store):
    cid = store.create_campaign("bills", "notice", "agentless", "bill_notice", "out", STRATEGY)
    header, rows = read_table("list.csv", CSV.encode())
    import_rows(store.engine, cid, header, rows, MAPPING)
    store.set_state(cid, "running")
    (camp,) = store.campaigns(["running"])
    store.dnc_add("id_card", "110101199002020022", "manual")          # 李四, by ID card
    now = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    (claim,) = store.claim(camp, now, 5, lambda ctype: True)
    assert (claim.number, claim.call_id) == ("13800000001", f"dl-{claim.attempt_id}")
    assert [r["state"] for r in records(store, cid)] == ["dialing", "dnc"]
    assert store.claim(camp, now, 5, lambda ctype: True) == []        # a record out is never claimed twice
    assert store.finish(claim.attempt_id, "busy", now).value == "pending"
    rec = records(store, cid)[0]
    assert (rec["next_phone"], rec["attempts"], rec["outcome"]) == (1, 1, "busy")
    assert rec["next_at"] == now + timedelta(seconds=120)
    assert store.claim(camp, now + timedelta(seconds=119), 5, lambda ctype: True) == []
    (second,) = store.claim(camp, now + timedelta(seconds=120), 5, lambda ctype: True)
    assert second.number == "01088880001"
    assert store.finish(second.attempt_id, "sit", now).value == "pending"     # the wrong number goes to the DNC
    assert [(d["kind"], d["value"], d["reason"]) for d in store.dnc_search("0108888")] == \
        [("phone", "01088880001", "sit")]
    store.set_strategy(cid, {**STRATEGY, "retry": {"busy": None}})           # takes effect on the next outcome
    (third,) = store.claim(camp, now + timedelta(hours=1), 5, lambda ctype: True)
    assert third.number == "13800000001"
    assert store.finish(third.attempt_id, "busy", now).value == "exhausted"
    assert store.finish(third.attempt_id, "busy", now) is None               # an outcome only once


def test_answered_results_and_do_not_call_me(store):
    cid = store.create_campaign("bills", "notice", "agentless", "bill_notice", "out", STRATEGY)
    header, rows = read_table("list.csv", CSV.encode())
    import_rows(store.engine, cid, header, rows, MAPPING)
    store.set_state(cid, "running")
    (camp,) = store.campaigns(["running"])
    now = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    a, b = store.claim(camp, now, 5, lambda ctype: ctype in ("vip", "default"))
    store.answered(a.attempt_id, now)
    store.result(a.attempt_id, "confirmed", now)
    store.answered(b.attempt_id, now)
    store.result(b.attempt_id, "dnc", now, do_not_call=True)
    assert [(r["state"], r["result"]) for r in records(store, cid)] == [("done", "confirmed"), ("done", "dnc")]
    assert {(d["kind"], d["value"]) for d in store.dnc_search()} == {("phone", "13800000002"),
                                                                       ("id_card", "110101199002020022")}
    assert store.dnc_delete("phone", "13800000002") and not store.dnc_delete("phone", "13800000002")
    with pytest.raises(DialerError):
        store.dnc_add("email", "x@y")


def test_the_migration_makes_the_tables_of_schema_py(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from telephonist.storage.schema import metadata
    migrate(db_url)
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    finally:
        engine.dispose()
    mine = [d for d in diff if "dl_" in str(d)]
    assert mine == []
