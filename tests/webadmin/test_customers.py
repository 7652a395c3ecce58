"""The customer file in the console: rights, open/edit/close, the timeline with a playable recording, custom
fields, duplicates and merge, import with errors per line, export that imports back, all audited."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from telephonist.acd.schema import calls as acd_calls
from telephonist.crm import store, timeline
from telephonist.crm.store import CustomerInput
from telephonist.webadmin import db
from telephonist.webadmin.schema import audit_log
from tests.webadmin.support import add_leg, login, page_csrf, tone, write_alaw_wav

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def _csrf(client) -> str:
    return page_csrf(client, "/customers/")


def _audits(app, action: str) -> list[dict]:
    with db.reading(app) as conn:
        rows = conn.execute(sa.select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id))
        return [dict(r._mapping) | {"detail": json.loads(r.detail)} for r in rows]


def _open(app, name: str, **kw) -> dict:
    with db.writing(app) as conn:
        return store.open_customer(conn, CustomerInput(name=name, **kw), T0)


def test_rights_decide_who_sees_edits_and_exports(app, client, user_ids):
    c = _open(app, "张三", phones=["13900000001"])
    login(client, "audit")                               # an auditor has no customers.* right
    assert client.get("/customers/").status_code == 403
    assert client.get(f"/customers/{c['id']}").status_code == 403
    client.post("/logout", data={"csrf_token": page_csrf(client)})
    login(client, "agent1")                              # an agent views and edits, does not export
    assert "张三" in client.get("/customers/?q=139-0000-0001").get_data(as_text=True)
    assert client.get("/customers/export.csv").status_code == 403
    r = client.post(f"/customers/{c['id']}", data={"csrf_token": _csrf(client), "name": "张三丰",
                                                   "phones": "13900000001\n13900000002"})
    assert r.status_code == 302
    with db.reading(app) as conn:
        assert store.get(conn, c["id"])["phones"] == ["13900000001", "13900000002"]
    [entry] = _audits(app, "customer_edit")
    assert entry["username"] == "agent1" and entry["detail"]["name"] == "张三丰"


def test_open_edit_close_through_the_pages_and_a_refused_form_keeps_everything(app, client, user_ids):
    login(client, "super")
    csrf = _csrf(client)
    r = client.post("/customers/fields", data={"csrf_token": csrf, "name": "meter", "label": "表号"})
    assert r.status_code == 302
    r = client.post("/customers/new", data={"csrf_token": csrf, "name": "Li Si", "class": "vip", "region": "north",
                                            "phones": "+86 139 0000 0003", "addresses": "Road 9",
                                            "custom.meter": "M-1", "pin": "2468"})
    assert r.status_code == 302
    cid = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    page = client.get(f"/customers/{cid}").get_data(as_text=True)
    assert "Li Si" in page and "8613900000003" in page and "M-1" in page and "VIP" in page
    bad = client.post(f"/customers/{cid}", data={"csrf_token": csrf, "name": "Li Si", "class": "gold"})
    assert bad.status_code == 400 and "class" in bad.get_data(as_text=True)
    with db.reading(app) as conn:
        assert store.get(conn, cid)["klass"] == "vip"
    assert client.post(f"/customers/{cid}/close", data={"csrf_token": csrf}).status_code == 302
    assert client.post(f"/customers/{cid}/close", data={"csrf_token": csrf}).status_code == 400
    with db.reading(app) as conn:
        assert store.get(conn, cid)["status"] == "closed"
    assert [a["action"] for a in _audits(app, "customer_open") + _audits(app, "customer_close")] == [
        "customer_open", "customer_close"]
    zh = client.get(f"/customers/{cid}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "已销户" in zh and "客户时间线" in zh


def test_the_timeline_shows_calls_with_recordings_voicemail_and_appended_entries(app, client, user_ids, web_config):
    c = _open(app, "Wang", phones=["13900000004"])
    rec = write_alaw_wav(Path(web_config.recordings_dir) / "w.wav", tone(300, 200))
    leg = add_leg(app, caller="13900000004", dialled="400", application="acd:sales", agent="1001",
                  recording=str(rec), started=T0)
    with db.writing(app) as conn:
        from telephonist.storage.schema import call_legs
        call_id = conn.execute(sa.select(call_legs.c.call_id).where(call_legs.c.id == leg)).scalar()
        conn.execute(sa.insert(acd_calls).values(call_id=call_id, queue="sales", caller="13900000004",
                                                 entered_at=T0, agent="1001", outcome="answered", note="meter"))
        timeline.append(conn, c["id"], "work_order", "repair order WO-7", ref="7", at=T0 + timedelta(hours=1))
    other = _open(app, "Other", phones=["13900000099"])
    login(client, "agent1")
    page = client.get(f"/customers/{c['id']}").get_data(as_text=True)
    assert page.index("repair order WO-7") < page.index("sales · 1001")
    assert f"/customers/{c['id']}/recording/{leg}" in page
    r = client.get(f"/customers/{c['id']}/recording/{leg}")
    assert r.status_code == 200 and r.data[:4] == b"RIFF"
    assert client.get(f"/customers/{other['id']}/recording/{leg}").status_code == 404
    r = client.post(f"/customers/{c['id']}/timeline", data={"csrf_token": _csrf(client), "summary": "called back"})
    assert r.status_code == 302 and "called back" in client.get(f"/customers/{c['id']}").get_data(as_text=True)


def test_the_timeline_links_what_other_areas_know_and_a_bad_ref_breaks_nothing(app, client, user_ids):
    from tests.crm.timeline_support import seed
    ids = seed(db.engine(app))
    with db.writing(app) as conn:        # an entry the API took with a kind the page links by ref, and a free ref
        timeline.append(conn, ids["a"]["id"], "fax", "fax from the API", ref="scan-7", at=T0 - timedelta(days=1))
    login(client, "super")
    r = client.get(f"/customers/{ids['a']['id']}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    for kind in ("ivr", "survey", "sms", "email", "work_order", "campaign", "fax"):
        assert f'data-kind="{kind}"' in page, kind
    for link in (f"/calls/{ids['leg_ivr']}", f"/workorders/{ids['order']}", f"/campaigns/{ids['mail_c']}",
                 f"/campaigns/{ids['sms_c']}", f"/campaigns/{ids['survey_c']}", f"/campaigns/{ids['sales_c']}"):
        assert f'href="{link}"' in page, link
    assert "gas leak" in page and "B&#39;s leak" not in page and "bought" not in page
    assert client.get(f"/campaigns/{ids['mail_c']}").status_code == 200


def test_duplicates_are_listed_and_merged_with_an_audit(app, client, user_ids):
    a = _open(app, "Sun", phones=["13900000005"])
    b = _open(app, "Sun W", phones=["13900000005", "13900000006"])
    login(client, "super")
    page = client.get("/customers/duplicates").get_data(as_text=True)
    assert "13900000005" in page and b["number"] in page
    r = client.post("/customers/merge", data={"csrf_token": _csrf(client), "survivor": a["id"], "duplicate": b["id"]})
    assert r.status_code == 302
    assert "id=\"no-duplicates\"" in client.get("/customers/duplicates").get_data(as_text=True)
    [entry] = _audits(app, "customer_merge")
    assert entry["detail"]["phones"] == ["13900000006"] and entry["target"] == a["number"]


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_import_maps_columns_reports_bad_lines_and_the_export_imports_back(app, client, user_ids):
    existing = _open(app, "Old name", number="A-1", phones=["13900000007"])
    login(client, "super")
    csrf = _csrf(client)
    client.post("/customers/fields", data={"csrf_token": csrf, "name": "meter", "label": "Meter"})
    data = _csv([["客户姓名", "number", "phones", "class", "Meter"],
                 ["周一", "", "13900000010;010-6666-0000", "key", "M-10"],
                 ["", "", "13900000011", "", ""],                    # no name: refused
                 ["吴二", "", "12", "", ""],                          # a bad phone: refused
                 ["New name", "A-1", "13900000007", "vip", "M-1"]])  # updates A-1
    r = client.post("/customers/import", data={"csrf_token": csrf, "map.name": "客户姓名",
                                               "file": (io.BytesIO(data), "c.csv")},
                    content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'id="import-opened">1<' in page and 'id="import-updated">1<' in page and 'id="import-errors">2<' in page
    assert "<td>3</td>" in page and "<td>4</td>" in page
    with db.reading(app) as conn:
        [zhou] = store.search(conn, store.CustomerSearch(text="周一"))
        assert zhou["phones"] == ["13900000010", "01066660000"] and zhou["custom"] == {"meter": "M-10"}
        assert store.get(conn, existing["id"])["name"] == "New name"
    refused = client.post("/customers/import", data={"csrf_token": csrf, "file": (io.BytesIO(b"\xff\xfe\x00"), "x.xlsx")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400 and "Excel" in refused.get_data(as_text=True)

    exported = client.get("/customers/export.xlsx")
    assert exported.status_code == 200
    ws = load_workbook(io.BytesIO(exported.data)).active
    rows = [[c if c is not None else "" for c in r] for r in ws.iter_rows(values_only=True)]
    assert rows[0][:7] == ["number", "name", "class", "region", "id_card", "phones", "addresses"]
    assert rows[0][-1] == "meter" and any(r[1] == "周一" and r[-1] == "M-10" for r in rows)
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    again = client.post("/customers/import", data={"csrf_token": csrf, "file": (io.BytesIO(buf.getvalue()), "e.xlsx")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert 'id="import-opened">0<' in again and 'id="import-updated">2<' in again and 'id="import-errors">0<' in again
    assert [a["detail"]["opened"] for a in _audits(app, "customer_import")] == [1, 0]


def test_an_export_neutralises_formulas(app, client, user_ids):
    _open(app, "=HYPERLINK(\"http://evil.example\")", phones=["13900000012"])
    login(client, "super")
    text = client.get("/customers/export.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
