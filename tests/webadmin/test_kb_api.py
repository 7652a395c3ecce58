"""Writing the knowledge base through REST: create, save a new version, retire — each with the kb.edit right
(a token without it, or no token, is refused), in /api/openapi.json, audited; versions are kept, a stale save
is a 409, bad input a 400 with the reason; a retired article is no longer found."""
from __future__ import annotations

from jsonschema import Draft202012Validator

from telephonist.webadmin import accounts, db

OPERATIONS = [("POST", "/api/kb/articles", "/api/kb/articles"),
              ("PUT", "/api/kb/articles/1", "/api/kb/articles/{article_id}"),
              ("POST", "/api/kb/articles/1/retire", "/api/kb/articles/{article_id}/retire")]


def _bearer(app, user_id: int) -> dict[str, str]:
    with db.writing(app) as conn:
        return {"Authorization": "Bearer " + accounts.create_token(conn, user_id, "kb")[1]}


def _audit(app) -> list[tuple[str, str]]:
    with db.reading(app) as conn:
        return [(e["action"], e["target"]) for e in reversed(accounts.audit_entries(conn))]


def test_every_kb_write_is_documented_and_refused_without_credentials_or_the_right(app, client, user_ids):
    doc = client.get("/api/openapi.json", headers=_bearer(app, user_ids["admin"])).json["paths"]
    agent = _bearer(app, user_ids["agent1"])               # agents read the knowledge base, may not write it
    for method, url, path in OPERATIONS:
        assert method.lower() in doc[path], (method, path)
        assert client.open(url, method=method, json={"title": "x"}).status_code == 401
        assert client.open(url, method=method, json={"title": "x"}, headers=agent).status_code == 403
    assert _audit(app) == []


def test_create_save_retire_with_versions_kept_and_audited(app, client, user_ids):
    h = _bearer(app, user_ids["super"])
    schema = client.get("/api/openapi.json", headers=h).json["paths"]["/api/kb/articles/{article_id}"]["get"]
    article = Draft202012Validator(schema["responses"]["200"]["content"]["application/json"]["schema"])
    r = client.post("/api/kb/articles", json={"title": "燃气表读数异常", "body": "先核对表号，再预约上门检查。",
                                               "tags": ["queue:gas", "ivr:main/reading"]}, headers=h)
    assert r.status_code == 201, r.json
    article.validate(r.json)
    a = r.json["article"]
    assert (a["version"], a["retired"], a["tags"]) == (1, False, ["ivr:main/reading", "queue:gas"])
    aid = a["id"]
    for bad in ({"title": ""}, {"title": "x", "tags": "queue:gas"}, {"title": "x", "tags": ["team:x"]},
                {"title": "x", "category_id": "one"}, {"title": 5}):
        r = client.post("/api/kb/articles", json=bad, headers=h)
        assert r.status_code == 400 and r.json["error"]["code"] == "bad_request", bad
    assert client.post("/api/kb/articles", data="nope", headers=h).status_code == 400

    r = client.put(f"/api/kb/articles/{aid}", json={"title": "燃气表读数异常", "body": "到期免费更换。", "version": 1,
                                                     "note": "new rule"}, headers=h)
    assert r.status_code == 200 and r.json["article"]["version"] == 2 and r.json["article"]["tags"] == []
    stale = client.put(f"/api/kb/articles/{aid}", json={"title": "x", "body": "y", "version": 1}, headers=h)
    assert stale.status_code == 409 and stale.json["error"]["code"] == "conflict"
    assert client.put("/api/kb/articles/999", json={"title": "x"}, headers=h).status_code == 404
    assert client.get("/api/kb/search?q=免费更换", headers=h).json["hits"][0]["id"] == aid

    r = client.post(f"/api/kb/articles/{aid}/retire", json={"note": "meters replaced"}, headers=h)
    assert r.status_code == 200 and (r.json["article"]["retired"], r.json["article"]["version"]) == (True, 3)
    assert client.post(f"/api/kb/articles/{aid}/retire", headers=h).status_code == 400      # retired already
    assert client.post("/api/kb/articles/999/retire", headers=h).status_code == 404
    assert client.get("/api/kb/search?q=免费更换", headers=h).json["hits"] == []
    assert client.get(f"/api/kb/articles/{aid}", headers=h).json["article"]["retired"] is True

    from telephonist.kb import store
    with db.reading(app) as conn:
        assert [(v["version"], v["note"], v["saved_by"]) for v in store.history(conn, aid)] == [
            (3, "retired: meters replaced", "super"), (2, "new rule", "super"), (1, "", "super")]
    assert _audit(app) == [("kb_create", "燃气表读数异常"), ("kb_save", "燃气表读数异常"), ("kb_retire", str(aid))]


def test_the_console_marks_a_retired_article(app, client, user_ids):
    from tests.webadmin.support import login
    h = _bearer(app, user_ids["super"])
    aid = client.post("/api/kb/articles", json={"title": "旧表更换", "body": "x"}, headers=h).json["article"]["id"]
    login(client, "agent1")
    assert 'id="kb-retired"' not in client.get(f"/kb/{aid}").get_data(as_text=True)
    client.post(f"/api/kb/articles/{aid}/retire", headers=h)
    assert 'id="kb-retired"' in client.get(f"/kb/{aid}").get_data(as_text=True)
    assert f'href="/kb/{aid}"' not in client.get("/kb/").get_data(as_text=True)
