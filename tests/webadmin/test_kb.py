"""The knowledge base in the console: a supervisor writes, an agent finds by a Chinese phrase (escaped, marked),
may not write; versions are listed and restored; attachments stay in the kb folder; the desk panel shows the
articles of the call's IVR path and queue; the REST search needs a token; every change is audited."""
from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from telephonist.acd.schema import calls as acd_calls
from telephonist.ivrd.schema import steps
from telephonist.webadmin import accounts, db
from tests.webadmin.support import login, page_csrf

ARTICLE = {"title": "燃气表读数异常", "body": "先核对表号 <script>alert(1)</script>，再预约上门检查。",
           "tags": "queue:gas ivr:main/reading"}


def _new(client, **fields) -> int:
    r = client.post("/kb/new", data={**ARTICLE, **fields, "csrf_token": page_csrf(client, "/kb/new")})
    assert r.status_code == 302, r.get_data(as_text=True)
    return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def _audit(app) -> list[tuple[str, str]]:
    with db.reading(app) as conn:
        return [(e["action"], e["target"]) for e in reversed(accounts.audit_entries(conn))]


def test_write_find_edit_restore_and_who_may(app, client, user_ids):
    login(client, "super")
    article = _new(client)
    csrf = page_csrf(client, "/kb/")
    assert client.post("/kb/new", data={"title": "", "body": "x", "csrf_token": csrf}).status_code == 400
    r = client.post("/kb/new", data={"title": "t", "body": "x", "tags": "team:x", "csrf_token": csrf})
    assert r.status_code == 400 and "queue:NAME" in r.get_data(as_text=True)
    r = client.post(f"/kb/{article}/edit", data={"title": "燃气表更换", "body": "到期免费更换。", "tags": "",
                                                 "version": "1", "csrf_token": csrf})
    assert r.status_code == 302
    stale = client.post(f"/kb/{article}/edit", data={"title": "x", "body": "y", "version": "1", "csrf_token": csrf})
    assert stale.status_code == 409 and "someone else" in stale.get_data(as_text=True)
    history = client.get(f"/kb/{article}/history").get_data(as_text=True)
    assert "燃气表读数异常" in history and "燃气表更换" in history
    assert "到期免费更换" not in client.get(f"/kb/{article}/versions/1").get_data(as_text=True)
    assert client.post(f"/kb/{article}/versions/1/restore", data={"csrf_token": csrf}).status_code == 302
    assert client.post(f"/kb/{article}/versions/9/restore", data={"csrf_token": csrf}).status_code == 404

    client.post("/logout", data={"csrf_token": csrf})
    login(client, "agent1")
    page = client.get("/kb/?q=读数异常").get_data(as_text=True)
    assert f'href="/kb/{article}"' in page and "<mark>读数" in page
    body = client.get(f"/kb/{article}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert "queue:gas" in body                                                      # restored with its tags
    assert client.get("/kb/new").status_code == 403
    assert client.post(f"/kb/{article}/delete", data={"csrf_token": page_csrf(client, "/kb/")}).status_code == 403
    assert [a for a, _ in _audit(app) if a.startswith("kb_")] == ["kb_create", "kb_save", "kb_restore"]


def test_attachments_are_kept_in_the_kb_folder_under_names_of_ids(app, client, user_ids, web_config):
    login(client, "super")
    article = _new(client)
    csrf = page_csrf(client, "/kb/")
    r = client.post(f"/kb/{article}/attachments", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(b"%PDF-1.4 meter"), "../../etc/表单.pdf"), "csrf_token": csrf})
    assert r.status_code == 302
    kb_dir = Path(web_config.kb_files)
    stored = [p for p in kb_dir.rglob("*") if p.is_file()]
    assert [p.relative_to(kb_dir).parts[0] for p in stored] == [str(article)] and stored[0].read_bytes() == b"%PDF-1.4 meter"
    page = client.get(f"/kb/{article}").get_data(as_text=True)
    assert "表单.pdf" in page and "etc" not in page.split("kb-attachments")[1].split("</ul>")[0]
    got = client.get(f"/kb/{article}/attachments/{stored[0].name}")
    assert got.data == b"%PDF-1.4 meter" and "attachment" in got.headers["Content-Disposition"]
    assert client.get(f"/kb/{article + 1}/attachments/{stored[0].name}").status_code == 404
    big = client.post(f"/kb/{article}/attachments", content_type="multipart/form-data", follow_redirects=True,
                      data={"file": (io.BytesIO(b"x" * (10 * 1024 * 1024 + 1)), "big.bin"), "csrf_token": csrf})
    assert "10 MiB" in big.get_data(as_text=True) and "big.bin" not in big.get_data(as_text=True).split("kb-attachments")[1]
    assert len([p for p in kb_dir.rglob("*") if p.is_file()]) == 1
    client.post(f"/kb/{article}/delete", data={"csrf_token": csrf})
    assert not [p for p in kb_dir.rglob("*") if p.is_file()]
    assert ("kb_attach", "表单.pdf") in _audit(app) and ("kb_delete", ARTICLE["title"]) in _audit(app)


def test_the_desk_panel_shows_the_calls_articles_and_searches(app, client, user_ids):
    login(client, "super")
    by_menu = _new(client)
    by_queue = _new(client, title="天然气报装流程", body="报装需要房产证。", tags="queue:gas")
    _new(client, title="其他", body="无关", tags="queue:water")
    at = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    with db.writing(app) as conn:
        conn.execute(sa.insert(acd_calls).values(call_id="c-1", queue="gas", caller="139", entered_at=at, agent="1001"))
        conn.execute(sa.insert(steps), [dict(call_id="c-1", flow="main", node=n, node_type="menu", result="ok", at=at)
                                        for n in ("start", "reading")])
        conn.execute(sa.insert(acd_calls).values(call_id="c-2", queue="gas", caller="138", entered_at=at, agent="1002"))
    client.post("/logout", data={"csrf_token": page_csrf(client, "/kb/")})
    login(client, "agent1")
    panel = client.get("/kb/panel?call_id=c-1").get_data(as_text=True)
    assert panel.index(f"/kb/panel/{by_menu}") < panel.index(f"/kb/panel/{by_queue}") and "其他" not in panel
    assert client.get("/kb/panel?call_id=c-2").status_code == 404              # another agent's call
    found = client.get("/kb/panel?q=房产证").get_data(as_text=True)
    assert f"/kb/panel/{by_queue}" in found and "<mark>房产证</mark>" in found
    assert "报装需要房产证" in client.get(f"/kb/panel/{by_queue}").get_data(as_text=True)


def test_the_rest_search_needs_a_token_with_the_right(app, client, user_ids):
    login(client, "super")
    article = _new(client)
    with db.writing(app) as conn:
        agent = accounts.create_token(conn, user_ids["agent1"], "crm")[1]
        auditor = accounts.create_token(conn, user_ids["audit"], "bi")[1]
    api = app.test_client()
    assert api.get("/api/kb/search?q=燃气表").status_code == 401
    assert api.get(f"/api/kb/articles/{article}").status_code == 401
    assert api.get("/api/kb/search?q=燃气表", headers={"Authorization": "Bearer " + auditor}).status_code == 403
    h = {"Authorization": "Bearer " + agent}
    hits = api.get("/api/kb/search?q=燃气表", headers=h).json["hits"]
    assert [x["id"] for x in hits] == [article] and "<mark>燃气表</mark>" in hits[0]["title"]
    got = api.get(f"/api/kb/articles/{article}", headers=h).json["article"]
    assert got["body"] == ARTICLE["body"] and got["tags"] == ["ivr:main/reading", "queue:gas"]
    assert api.get("/api/kb/articles/999", headers=h).json["error"]["code"] == "not_found"
    assert api.get("/api/kb/search?limit=x&q=a", headers=h).status_code == 400
    assert json.dumps(api.get("/api/openapi.json", headers=h).json).count("/api/kb/") == 4


def test_a_sites_attachments_go_under_its_state_folder(site, site_app, site_client):
    from telephonist.config import load_config
    state = Path(load_config(str(site / "telephonist.toml")).system.state_dir)
    assert site_app.config["WEB"].kb_files == str(state / "kb")
    login(site_client, "super")
    article = _new(site_client)
    r = site_client.post(f"/kb/{article}/attachments", content_type="multipart/form-data",
                         data={"file": (io.BytesIO(b"x" * 10), "a.txt"), "csrf_token": page_csrf(site_client, "/kb/")})
    assert r.status_code == 302 and [p.name for p in (state / "kb" / str(article)).iterdir()] != []
