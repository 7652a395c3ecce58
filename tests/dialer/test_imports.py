"""Lists from Word tables and from a database query, by hand and on a schedule (`telephonist dialer
import-scheduled`): the mapping and custom fields as for CSV, duplicates found, files moved to done/ or
failed/ with a report, a query run again adding only its new rows, and [[dialer.imports]] checked with
file:line. On SQLite and PostgreSQL (the campaign's database; the query's source is an SQLite file)."""
import json
import os
import sqlite3
import textwrap

import pytest
import sqlalchemy as sa

from telephonist.cli import main as telephonist
from telephonist.config import ConfigError, load_config
from telephonist.dialer import scheduled
from telephonist.dialer.lists import import_rows, read_table
from telephonist.dialer.sources import read_query
from telephonist.dialer.store import DialerError, DialerStore
from telephonist.storage import migrate
from tests.dialer.word import word_file

STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}}


def docx(rows: list[list[str]]) -> bytes:
    return word_file(rows, text_before="账单通知名单")


@pytest.fixture
def store(db_url):
    migrate(db_url)
    s = DialerStore(db_url)
    yield s
    s.close()


def records(store, cid) -> dict[str, dict]:
    with store.engine.connect() as conn:
        return {r.name: {"phones": json.loads(r.phones), "fields": json.loads(r.fields), "type": r.customer_type}
                for r in conn.execute(sa.text("SELECT * FROM dl_records WHERE campaign_id = :c"), {"c": cid})}


def billing_db(path) -> str:
    """The customer's billing database: a table of overdue bills."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE overdue (customer TEXT, mobile TEXT, amount REAL, months INTEGER)")
        db.executemany("INSERT INTO overdue VALUES (?, ?, ?, ?)",
                       [("张三", "13800000001", 215.6, 2), ("李四", "13800000002", 88.0, 1)])
    return f"sqlite:///{path}"


def test_a_word_table_is_a_list(store):
    cid = store.create_campaign("docx", "notice", "agentless", "bill_notice", "out", STRATEGY)
    data = docx([["客户", "手机", "类型", "金额"], ["张三", "138 0000 0001", "vip", "215.60"],
                 ["李四", "13800000002", "", "多行\n备注"], ["", "", "", ""], ["张三二", "13800000001", "", "1"],
                 ["王五", "", "", "3"]])
    header, rows = read_table("名单.DOCX", data)
    report = import_rows(store.engine, cid, header, rows, {"name": "客户", "phones": "手机", "customer_type": "类型"})
    assert (report.added, report.duplicates, report.rejected) == (2, [(4, "13800000001")], [(5, "no usable phone number")])
    assert records(store, cid) == {"张三": {"phones": ["13800000001"], "fields": {"金额": "215.60"}, "type": "vip"},
                                   "李四": {"phones": ["13800000002"], "fields": {"金额": "多行\n备注"}, "type": "default"}}
    for bad, why in ((b"not a zip", "cannot be read"), (word_file(None, "no table here"), "no table"),
                     (docx([]), "empty"), (docx([["", ""]]), "empty")):
        with pytest.raises(DialerError, match=why):
            read_table("x.docx", bad)


def test_a_query_is_a_list_and_a_rerun_adds_only_new_rows(store, tmp_path):
    from telephonist.config.model import LookupSource
    url = billing_db(tmp_path / "billing.db")
    source = LookupSource(name="billing", url=url)
    cid = store.create_campaign("query", "dunning", "agentless", "bill_notice", "out", STRATEGY)
    sql = "SELECT customer, mobile, amount, months FROM overdue ORDER BY mobile"
    header, rows = read_query(source, sql)
    assert header == ["customer", "mobile", "amount", "months"] and rows[0] == ["张三", "13800000001", "215.6", "2"]
    mapping = {"name": "customer", "phones": "mobile"}
    assert import_rows(store.engine, cid, header, rows, mapping).added == 2
    with sqlite3.connect(tmp_path / "billing.db") as db:
        db.execute("INSERT INTO overdue VALUES ('王五', '13800000003', 12.0, 1)")
    header, rows = read_query(source, sql)
    report = import_rows(store.engine, cid, header, rows, mapping)
    assert (report.added, len(report.duplicates)) == (1, 2)
    assert records(store, cid)["王五"]["fields"] == {"amount": "12", "months": "1"}
    with pytest.raises(DialerError, match="billing.*read-only|readonly|read-only"):
        read_query(source, "DELETE FROM overdue")                   # the source is read-only, as ivrd's lookups


def config(tmp_path, db_url: str, body: str):
    (tmp_path / "telephonist.toml").write_text(textwrap.dedent(f"""
        [system]
        state_dir = "{tmp_path}"
        [database]
        url = "{db_url}"
        """) + textwrap.dedent(body))
    return str(tmp_path / "telephonist.toml")


def test_scheduled_imports_from_a_folder_and_a_query(store, db_url, tmp_path, capsys):
    billing = billing_db(tmp_path / "billing.db")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = config(tmp_path, db_url, f"""
        [[ivrd.sources]]
        name = "billing"
        url = "{billing}"
        [[dialer.imports]]
        campaign = "bills"
        folder = "inbox"
        phones = ["手机"]
        name = "客户"
        [[dialer.imports]]
        campaign = "dunning"
        source = "billing"
        query = "SELECT customer, mobile, amount FROM overdue"
        phones = ["mobile"]
        name = "customer"
        """)
    cfg = load_config(path)
    assert cfg.dialer.imports[0].folder == str(inbox)                 # relative to the configuration file
    bills = store.create_campaign("bills", "notice", "agentless", "bill_notice", "out", STRATEGY)
    dunning = store.create_campaign("dunning", "dunning", "agentless", "bill_notice", "out", STRATEGY)
    (inbox / "a.csv").write_text("客户,手机,金额\n张三,13800000001,1\n张三又,13800000001,2\n", encoding="utf-8")
    (inbox / "b.docx").write_bytes(docx([["客户", "手机"], ["李四", "13900000001"]]))
    (inbox / "c.xlsx").write_bytes(b"not a workbook")
    (inbox / ".d.csv").write_text("客户,手机\n赵六,13700000001\n")     # hidden: being copied in
    (inbox / "notes.pdf").write_bytes(b"%PDF")

    assert telephonist(["dialer", "--config", path, "import-scheduled", "--json", "--min-age", "0"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert sorted((r["from"].rsplit("/", 1)[-1], r["added"], r["duplicates"]) for r in out["imported"]) == [
        ("a.csv", 1, 1), ("b.docx", 1, 0), ("billing: SELECT customer, mobile, amount FROM overdue", 2, 0)]
    assert [(r["from"].rsplit("/", 1)[-1], "cannot be read" in r["error"]) for r in out["failed"]] == [("c.xlsx", True)]
    assert sorted(os.listdir(inbox)) == [".d.csv", "done", "failed", "notes.pdf"]
    assert sorted(os.listdir(inbox / "done")) == ["a.csv", "a.csv.report.txt", "b.docx", "b.docx.report.txt"]
    assert "line 3: duplicate 13800000001" in (inbox / "done" / "a.csv.report.txt").read_text(encoding="utf-8")
    assert "not imported" in (inbox / "failed" / "c.xlsx.report.txt").read_text(encoding="utf-8")
    assert set(records(store, bills)) == {"张三", "李四"} and set(records(store, dunning)) == {"张三", "李四"}

    (inbox / "a.csv").write_text("客户,手机\n张三,13800000001\n钱七,13600000001\n", encoding="utf-8")
    report = scheduled.run(load_config(path), store.engine, min_age_s=0)
    assert [(r["added"], r["duplicates"]) for r in report.imported] == [(1, 1), (0, 2)]   # only new customers
    assert any(n.endswith("-a.csv") for n in os.listdir(inbox / "done"))                # a name taken: stamped
    (inbox / "e.csv").write_text("客户,手机\n孙八,13500000001\n", encoding="utf-8")
    assert scheduled.run(load_config(path), store.engine, min_age_s=3600).imported[0]["from"].endswith("overdue")
    assert (inbox / "e.csv").exists()                                # too fresh: the next run takes it


def test_scheduled_imports_are_checked_with_file_and_line(tmp_path):
    path = config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", """
        [[dialer.imports]]
        campaign = "a"
        phones = ["p"]
        [[dialer.imports]]
        campaign = "b"
        source = "nowhere"
        query = "SELECT 1"
        phones = ["p"]
        [[dialer.imports]]
        campaign = "c"
        folder = "in"
        """)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    text = str(err.value)
    assert "telephonist.toml:7" in text and "a folder, or a source and its query" in text
    assert "no SQL source 'nowhere'" in text and "needs its phone columns" in text
