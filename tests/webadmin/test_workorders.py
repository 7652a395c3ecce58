"""Work orders in the console: created from the agent desktop's pop (number and IVR account filled in),
dispatched by the office, taken and finished by the field crew with a note and a photo, closed (the
customer's SMS queued); refused input, rights and visibility; the report and its export."""
from __future__ import annotations

import csv
import io
import re

from sqlalchemy import text

from telephonist.webadmin import db
from tests.webadmin.support import login, page_csrf
from tests.webadmin.wo_support import use_workorders
from tests.workorders.support import GAS

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _rows(app, sql: str, **kw):
    with db.reading(app) as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql), kw)]


def _create(client, **form):
    csrf = page_csrf(client, "/workorders/new")
    data = {"csrf_token": csrf, "type": "repair", "priority": "high", **form}
    return client.post("/workorders/new", data=data)


def test_an_order_from_the_desk_goes_to_the_crew_and_is_closed(app, client, user_ids, tmp_path):
    use_workorders(app, tmp_path)
    login(client, "agent1")
    page = client.get("/workorders/new?type=repair&source=desk&caller_number=13900001111&account=880012"
                      "&call_id=c-42").get_data(as_text=True)
    assert 'value="13900001111"' in page and 'value="880012"' in page and "地址 *" in page
    r = _create(client, caller_number="13900001111", account="880012", call_id="c-42", source="desk",
                f_address="东区幸福路1号", f_fault="漏气", description="厨房有气味")
    assert r.status_code == 302
    oid = int(re.search(r"/workorders/(\d+)", r.headers["Location"]).group(1))
    [o] = _rows(app, "SELECT type, state, unit, source, caller_number, account, call_id, created_by FROM wo_orders")
    assert o == {"type": "repair", "state": "accepted", "unit": "repair", "source": "desk",
                 "caller_number": "13900001111", "account": "880012", "call_id": "c-42", "created_by": "agent1"}
    assert _rows(app, "SELECT action, target FROM wa_audit_log WHERE action LIKE 'workorder%'") == [
        {"action": "workorder_create", "target": f"workorder:{oid}"}]
    # the agent may not dispatch: no such form, and a forged one is refused
    page = client.get(f"/workorders/{oid}").get_data(as_text=True)
    assert "东区幸福路1号" in page and 'id="move-dispatch"' not in page
    r = client.post(f"/workorders/{oid}/move", data={"csrf_token": page_csrf(client), "move": "dispatch",
                                                    "unit": "east-crew"})
    assert r.status_code == 400 and "only the office" in r.get_data(as_text=True)

    client.post("/logout", data={"csrf_token": page_csrf(client)})
    login(client, "super")
    r = client.post(f"/workorders/{oid}/move", data={"csrf_token": page_csrf(client), "move": "dispatch",
                                                    "unit": "east-crew", "note": "东区"})
    assert r.status_code == 302

    client.post("/logout", data={"csrf_token": page_csrf(client)})
    login(client, "crew1")
    crew = client.get("/crew").get_data(as_text=True)
    assert f'id="crew-order-{oid}"' in crew and "东区幸福路1号" in crew
    r = client.post(f"/workorders/{oid}/move", data={"csrf_token": page_csrf(client, "/crew"), "move": "start",
                                                    "back": "crew"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/crew")
    r = client.post(f"/workorders/{oid}/move", data={"csrf_token": page_csrf(client, "/crew"), "move": "finish",
                                                    "back": "crew", "note": "",
                                                    "photo": (io.BytesIO(PNG), "valve.png")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "a note is needed" in r.get_data(as_text=True)
    assert _rows(app, "SELECT count(*) AS n FROM wo_attachments") == [{"n": 0}]          # nothing half-done
    r = client.post(f"/workorders/{oid}/move", data={"csrf_token": page_csrf(client, "/crew"), "move": "finish",
                                                    "back": "crew", "note": "更换阀门",
                                                    "photo": (io.BytesIO(PNG), "valve.png")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    assert f'id="crew-order-{oid}"' not in client.get("/crew").get_data(as_text=True)
    [a] = _rows(app, "SELECT id, kind, name, path, size FROM wo_attachments")
    assert (a["kind"], a["name"], a["size"]) == ("photo", "valve.png", len(PNG))
    assert (tmp_path / "attachments" / a["path"]).read_bytes() == PNG
    assert client.get(f"/workorders/{oid}/attachments/{a['id']}").data == PNG

    client.post("/logout", data={"csrf_token": page_csrf(client)})
    login(client, "super")
    client.post(f"/workorders/{oid}/move", data={"csrf_token": page_csrf(client), "move": "close"})
    page = client.get(f"/workorders/{oid}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "已关闭" in page and "更换阀门" in page and f"您的报修单{oid}已处理完毕" in page and "待发送" in page
    assert [h["action"] for h in _rows(app, "SELECT action FROM wo_history ORDER BY id")] == [
        "create", "dispatch", "start", "finish", "attach", "close", "sms"]


def test_bad_input_rights_and_visibility(app, client, user_ids, tmp_path):
    use_workorders(app, tmp_path)
    login(client, "agent1")
    r = _create(client, f_address="")
    assert r.status_code == 400 and "地址: required" in r.get_data(as_text=True)
    r = _create(client, f_address="x", type="nope")
    assert r.status_code == 400 and "no order type" in r.get_data(as_text=True)
    assert _rows(app, "SELECT count(*) AS n FROM wo_orders") == [{"n": 0}]
    oid = int(re.search(r"/workorders/(\d+)", _create(client, f_address="x").headers["Location"]).group(1))
    r = client.post(f"/workorders/{oid}/attach", data={"csrf_token": page_csrf(client), "file": (io.BytesIO(b"x"), "../../evil.sh")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "an attachment is one of" in r.get_data(as_text=True)
    assert client.get(f"/workorders/{oid}/attachments/999").status_code == 404
    # agent1 belongs to no unit: the list has what it created, nothing else
    assert re.findall(r'<a href="/workorders/(\d+)">', client.get("/workorders/").get_data(as_text=True)) == [str(oid)]
    client.post("/logout", data={"csrf_token": page_csrf(client)})
    login(client, "agent2")                 # a member of the repair department: sees it
    assert client.get(f"/workorders/{oid}").status_code == 200
    client.post("/logout", data={"csrf_token": page_csrf(client)})
    login(client, "crew1")                  # another unit, not the creator: it does not exist for them
    assert client.get(f"/workorders/{oid}").status_code == 404
    assert f">{oid}<" not in client.get("/workorders/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": page_csrf(client)})
    login(client, "audit")                  # no work-order rights at all
    assert client.get("/workorders/").status_code == 403 and client.get("/crew").status_code == 403


def test_the_report_counts_volume_and_overdue_and_exports(app, client, user_ids, tmp_path):
    use_workorders(app, tmp_path)
    login(client, "super")
    for _ in range(2):
        _create(client, f_address="x")
    _create(client, type="reading", f_month="2026-03", f_reading="1234.5")
    with db.writing(app) as conn:         # one made overdue: its deadline has passed
        conn.execute(text("UPDATE wo_orders SET due_at = created_at WHERE id = 1"))
    page = client.get("/workorders/report").get_data(as_text=True)
    assert re.search(r'id="wo-overdue">1<', page)
    assert "东区营业点" in page and "维修部" in page
    rows = list(csv.reader(io.StringIO(client.get("/workorders/report.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert ["total", "", "", "3", "", "1", "0.3333", ""] in rows
    assert ["type", "repair", "报修", "2", "", "", "", ""] in rows
    assert [r[:6] for r in rows if r[0] == "branch"] == [["branch", "east", "东区营业点", "1", "0", "0"],
                                                         ["branch", "repair", "维修部", "2", "0", "1"]]
    assert client.get("/workorders/report.xlsx").mimetype.endswith("spreadsheetml.sheet")
    assert client.get("/workorders/?overdue=1").get_data(as_text=True).count('class="late"') == 1
    # the sweep escalates it to the repair department's head, who sees it on the list
    from datetime import datetime, timedelta, timezone

    from telephonist.workorders.sweep import sweep
    with db.writing(app) as conn:
        sweep(conn, app.extensions["workorders_config"].get(), datetime.now(timezone.utc) + timedelta(hours=2))
    page = client.get("/workorders/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert re.search(r'超时督办\(您为负责人\): <a href="/workorders/1">#1</a>', page)
    # a broken edit of workorders.toml: the office sees where, the orders stay as they were
    (tmp_path / "workorders.toml").write_text(GAS + "\n[[types]]\nid = 'x'\n", encoding="utf-8")
    page = client.get("/workorders/").get_data(as_text=True)
    assert f"{tmp_path / 'workorders.toml'}:" in page and "department &#39;&#39; is no unit" in page
    assert "东区营业点" in page


def test_the_desk_pop_offers_a_work_order_with_the_caller_and_the_ivr_account(app, user_ids, tmp_path):
    """The pop (agent/_pop.html as the desk's /agent/pop renders it) has the form; it opens the full order
    form in a new tab with the number, the account, the caller's name and the call filled in."""
    from flask import g, render_template

    from telephonist.webadmin import accounts, deskpop
    use_workorders(app, tmp_path)
    call = {"call_id": "c-42", "caller": "13900001111", "queue": "gas", "wait_ms": 3000}
    data = deskpop.handoff({"ivr": {"flow": "gas", "vars": {"account": "880012", "name": "王先生"}}})
    with app.test_request_context("/agent/pop/c-42"):
        with db.reading(app) as conn:
            g.user = accounts.get_user(conn, user_ids["agent1"])
        html = render_template("agent/_pop.html", call=call, data=data, path=[], history=[], voicemails=[],
                               faxes=[], crm="", customer=None)
    form = re.search(r'<form method="get" action="/workorders/new" target="_blank"[^>]*id="pop-workorder">(.*?)</form>',
                     html, re.S).group(1)
    for name, value in (("source", "desk"), ("call_id", "c-42"), ("caller_number", "13900001111"),
                        ("account", "880012"), ("caller_name", "王先生")):
        assert f'name="{name}" value="{value}"' in form
    assert '<option value="repair">报修</option>' in form


def test_nasty_input_in_every_work_order_field_is_refused_never_a_500(app, client, user_ids, tmp_path):
    """Other scripts' digits and numbers past the database's integers, in every field of the forms and
    query strings of the work-order pages: a refusal or a page, never 500, and no half-written order."""
    from tests.webadmin.test_bad_input import NASTY
    use_workorders(app, tmp_path)
    login(client, "super")
    oid = int(re.search(r"/workorders/(\d+)", _create(client, f_address="x").headers["Location"]).group(1))
    form = {"type": "reading", "priority": "high", "f_month": "3", "f_reading": "12", "caller_number": "139",
            "customer_id": "5", "unit": "east", "title": "t", "call_id": "c"}
    for nasty in NASTY:
        for key in form:
            r = _create(client, **{**form, key: nasty})
            assert r.status_code in (302, 400), (key, nasty, r.status_code)
        for key in ("q", "type", "state", "unit", "assignee", "since", "until", "offset", "overdue"):
            assert client.get("/workorders/", query_string={key: nasty}).status_code in (200, 400), (key, nasty)
            assert client.get("/workorders/report", query_string={key: nasty}).status_code in (200, 400), (key, nasty)
        for data in ({"move": nasty}, {"move": "dispatch", "unit": nasty}, {"move": "dispatch", "assignee": nasty}):
            r = client.post(f"/workorders/{oid}/move", data={"csrf_token": page_csrf(client), **data})
            assert r.status_code == 400, (data, r.status_code)
        r = client.post(f"/workorders/{oid}/attach", data={"csrf_token": page_csrf(client), "kind": "fax",
                                                          "ref_id": nasty})
        assert r.status_code == 400
    assert client.get(f"/workorders/{oid}").status_code == 200
    assert _rows(app, "SELECT state FROM wo_orders WHERE id = :i", i=oid) == [{"state": "accepted"}]


def test_a_calls_recording_and_a_fax_are_linked_to_an_order(app, client, user_ids, tmp_path, web_config):
    from pathlib import Path

    from tests.webadmin.site_support import add_fax
    from tests.webadmin.support import add_leg, tone, write_alaw_wav
    use_workorders(app, tmp_path)
    rec = write_alaw_wav(Path(web_config.recordings_dir) / "r.wav", tone(300, 200))
    leg = add_leg(app, caller="13900001111", dialled="4008001234", application="acd:gas", recording=str(rec))
    bare = add_leg(app, caller="13900001111", dialled="4008001234", application="acd:gas")
    fax = add_fax(app, tmp_path, caller="02112345678", pdf=False)
    login(client, "super")
    oid = int(re.search(r"/workorders/(\d+)", _create(client, f_address="x").headers["Location"]).group(1))

    def attach(kind: str, ref: int):
        return client.post(f"/workorders/{oid}/attach", data={"csrf_token": page_csrf(client), "kind": kind,
                                                              "ref_id": str(ref)})
    assert attach("recording", leg).status_code == 302 and attach("fax", fax).status_code == 302
    r = attach("recording", bare)                  # a call without a recording
    assert r.status_code == 400 and f"no recording {bare}" in r.get_data(as_text=True)
    rows = _rows(app, "SELECT id, kind, ref_id, path FROM wo_attachments ORDER BY id")
    assert [(a["kind"], a["ref_id"], a["path"]) for a in rows] == [("recording", leg, None), ("fax", fax, None)]
    assert client.get(f"/workorders/{oid}/attachments/{rows[0]['id']}").headers["Location"].endswith(f"/calls/{leg}")
    assert client.get(f"/workorders/{oid}/attachments/{rows[1]['id']}").headers["Location"].endswith(f"/inbox/fax/{fax}")
