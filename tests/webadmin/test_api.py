"""The REST API: token auth with the token user's rights, call records, recordings, the OpenAPI document."""
from __future__ import annotations

import re

from jsonschema import Draft202012Validator
from sqlalchemy import select

from telephonist.webadmin import accounts, db
from tests.webadmin.support import add_leg, login, page_csrf, tone, write_alaw_wav


def _token(app, user_id: int, name: str = "crm") -> str:
    with db.writing(app) as conn:
        return accounts.create_token(conn, user_id, name)[1]


def test_calls_by_token_follow_the_users_data_rights(app, client, user_ids, web_config):
    from pathlib import Path
    rec = write_alaw_wav(Path(web_config.recordings_dir) / "x.wav", tone(300, 200))
    mine = add_leg(app, caller="13800000001", dialled="400", application="acd:sales", agent="1001", recording=str(rec),
                   events=[("dtmf", {"digit": "5"})])
    theirs = add_leg(app, caller="13900000002", dialled="400", application="acd:sales", agent="1002")
    sup = {"Authorization": "Bearer " + _token(app, user_ids["super"])}
    agent = {"Authorization": "Bearer " + _token(app, user_ids["agent1"])}

    r = client.get("/api/calls", headers=sup)
    assert r.status_code == 200 and r.json["total"] == 2
    assert {c["caller"] for c in r.json["calls"]} == {"13800000001", "13900000002"}
    assert "recording_path" not in r.json["calls"][0]
    assert client.get("/api/calls?caller=139", headers=sup).json["total"] == 1
    assert client.get("/api/calls?disposition=nonsense", headers=sup).status_code == 400

    assert [c["id"] for c in client.get("/api/calls", headers=agent).json["calls"]] == [mine]
    one = client.get(f"/api/calls/{mine}", headers=agent).json
    assert one["call"]["has_recording"] and one["events"][0]["data"] == {"digit": "5"}
    assert client.get(f"/api/calls/{theirs}", headers=agent).status_code == 404
    # agents listen in the browser; downloading is the supervisor's right
    assert client.get(f"/api/calls/{mine}/recording", headers=agent).status_code == 403
    r = client.get(f"/api/calls/{mine}/recording", headers=sup)
    assert r.status_code == 200 and r.data == rec.read_bytes()


def test_a_revoked_token_or_a_disabled_user_is_refused(app, client, user_ids):
    secret = _token(app, user_ids["super"])
    h = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/calls", headers=h).status_code == 200
    with db.writing(app) as conn:
        tid = conn.execute(select(accounts.api_tokens.c.id)).scalar_one()
        accounts.revoke_token(conn, tid)
    assert client.get("/api/calls", headers=h).status_code == 401
    h2 = {"Authorization": "Bearer " + _token(app, user_ids["agent2"])}
    assert client.get("/api/calls", headers=h2).status_code == 200
    with db.writing(app) as conn:
        accounts.update_user(conn, user_ids["agent2"], active=False)
    assert client.get("/api/calls", headers=h2).status_code == 401


def test_the_tokens_page_shows_a_new_secret_once_and_it_works(app, client, user_ids):
    login(client, "admin")
    html = client.post("/admin/tokens", data={"name": "erp", "user_id": user_ids["audit"],
                                               "csrf_token": page_csrf(client, "/admin/tokens")}).get_data(as_text=True)
    import re
    secret = re.search(r'<code id="new-secret">([^<]+)</code>', html).group(1)
    assert secret not in client.get("/admin/tokens").get_data(as_text=True)
    api = app.test_client()
    assert api.get("/api/calls", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    # the auditor's token may not place calls
    r = api.post("/api/calls/originate", json={"trunk_group": "out", "number": "1"},
                 headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 403


def test_originate_without_chand_says_unavailable(app, client, user_ids):
    h = {"Authorization": "Bearer " + _token(app, user_ids["super"])}
    assert client.post("/api/calls/originate", json={"number": "1"}, headers=h).status_code == 400
    r = client.post("/api/calls/originate", json={"trunk_group": "out", "number": "13800001234"}, headers=h)
    assert r.status_code == 503 and r.json["error"]["code"] == "unavailable"


def test_the_openapi_document_is_valid_and_lists_every_api_route(app, client, user_ids):
    h = {"Authorization": "Bearer " + _token(app, user_ids["agent1"])}
    doc = client.get("/api/openapi.json", headers=h).json
    assert doc["openapi"].startswith("3.1")
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    documented = {re.sub(r"\{(\w+_id)\}", r"<int:\1>", p) for p in doc["paths"]}
    routes = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert routes == documented
