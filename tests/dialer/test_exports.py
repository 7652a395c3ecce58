"""Exports of a campaign's records: finished / unfinished / to-fix, with the columns chosen, as CSV and XLSX,
under campaigns.export, audited, and with a field that looks like a formula written as plain text."""
import io
import json

import openpyxl
import pytest
import sqlalchemy as sa

from telephonist.dialer.lists import import_rows, read_table
from telephonist.dialer.store import DialerStore
from telephonist.webadmin import db
from tests.webadmin.support import login

LIST = "name,phone,note\nok,13800000001,=HYPERLINK(\"http://x\")\nempty,13600000001,fine\nnew,13700000001,x\n"


@pytest.fixture
def campaign(app) -> int:
    with app.app_context():
        store = DialerStore(engine=db.engine())
        cid = store.create_campaign("exports", "notice", "agentless", "bill_notice", "out",
                                    {"windows": {"default": {"hours": {"mon-fri": "09:00-18:00"}}}})
        header, rows = read_table("l.csv", LIST.encode())
        import_rows(store.engine, cid, header, rows, {"name": "name", "phones": "phone"})
        with db.engine().begin() as conn:        # one done, one whose number was empty (SIT), one not dialled yet
            ids = {r.name: r.id for r in conn.execute(sa.text("SELECT id, name FROM dl_records"))}
            conn.execute(sa.text("UPDATE dl_records SET state='done', outcome='answered', result='notified', "
                                 "attempts=1 WHERE id=:i"), {"i": ids["ok"]})
            conn.execute(sa.text("UPDATE dl_records SET state='exhausted', outcome='sit', attempts=1 WHERE id=:i"),
                         {"i": ids["empty"]})
            conn.execute(sa.text("INSERT INTO dl_attempts (record_id, campaign_id, number, state, outcome, claimed_at)"
                                 " VALUES (:r, :c, '13600000001', 'done', 'sit', CURRENT_TIMESTAMP)"),
                         {"r": ids["empty"], "c": cid})
    return cid


def test_exports_choose_records_and_columns(app, client, user_ids, campaign):
    assert client.get(f"/campaigns/{campaign}/export.xlsx").status_code in (302, 401)
    login(client, "admin")
    csv = client.get(f"/campaigns/{campaign}/export.csv?which=to_fix&columns=name,phones,outcome")
    assert csv.get_data(as_text=True).lstrip("\ufeff").splitlines() == ["name,phones,outcome",
                                                                        "empty,13600000001,sit"]
    finished = client.get(f"/campaigns/{campaign}/export.csv?which=finished&columns=name&columns=note")
    assert finished.get_data(as_text=True).lstrip("\ufeff").splitlines() == [
        "name,note", "ok,\"'=HYPERLINK(\"\"http://x\"\")\"", "empty,fine"]        # the formula is text
    xlsx = client.get(f"/campaigns/{campaign}/export.xlsx?which=unfinished")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows == [["name", "phones", "customer_type", "id_card", "note", "state", "outcome", "result", "attempts"],
                    ["new", "13700000001", "default", None, "x", "pending", None, None, "0"]]
    whole = openpyxl.load_workbook(io.BytesIO(client.get(f"/campaigns/{campaign}/export.xlsx").data)).worksheets[0]
    formula = whole.cell(row=2, column=5)
    assert formula.value == "=HYPERLINK(\"http://x\")" and formula.data_type == "s"   # shown, never evaluated
    assert client.get(f"/campaigns/{campaign}/export.csv?columns=salary").status_code == 400
    assert client.get(f"/campaigns/{campaign}/export.csv?which=everything").status_code == 400
    with db.reading(app) as conn:
        audits = [json.loads(r.detail or "{}") for r in conn.execute(sa.text(
            "SELECT detail FROM wa_audit_log WHERE action = 'campaign_export' ORDER BY id"))]
    assert [(a["which"], a["format"], a["records"]) for a in audits] == [
        ("to_fix", "csv", 1), ("finished", "csv", 2), ("unfinished", "xlsx", 1), ("all", "xlsx", 3)]


def test_exports_need_the_export_right(client, user_ids, campaign):
    login(client, "agent1")
    assert client.get(f"/campaigns/{campaign}/export.xlsx").status_code == 403


def test_the_results_page_report_and_message(app, client, user_ids, campaign):
    login(client, "admin")
    from tests.webadmin.support import page_csrf
    with app.app_context(), db.engine().begin() as conn:
        conn.execute(sa.text("UPDATE dl_attempts SET ended_at = claimed_at"))
    page = client.get(f"/campaigns/{campaign}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "每日结果" in page and "<svg" in page and "已拨打记录" in page
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/campaigns/{campaign}/report.xlsx").data))
    assert book.sheetnames == ["Summary", "By day", "Records"]
    csrf = page_csrf(client, f"/campaigns/{campaign}")
    done = client.post(f"/campaigns/{campaign}/message", data={"csrf_token": csrf, "report_to": "mgr@gas.example"})
    assert done.status_code == 302
    with db.reading(app) as conn:
        assert conn.execute(sa.text("SELECT report_to FROM dl_campaigns")).scalar() == "mgr@gas.example"
        actions = [r.action for r in conn.execute(sa.text("SELECT action FROM wa_audit_log ORDER BY id"))]
    assert actions[-2:] == ["campaign_export", "campaign_message"]
    sms = client.post("/campaigns/", data={"csrf_token": csrf, "name": "sms", "kind": "notice", "mode": "sms",
                                           "strategy": json.dumps({"windows": {"default": {"hours": {"mon-fri": "09:00-18:00"}}}}),
                                           "message": "${name}您好"})
    assert sms.status_code == 302
    no_text = client.post("/campaigns/", data={"csrf_token": csrf, "name": "sms2", "kind": "notice", "mode": "sms",
                                               "strategy": json.dumps({"windows": {"default": {"hours": {}}}})})
    assert no_text.status_code == 400 and "needs its message" in no_text.get_data(as_text=True)
