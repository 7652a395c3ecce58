"""The customer file in the REST API: every operation needs a token and its right, answers what
/api/openapi.json says, refuses bad input with the reason, and is audited."""
from __future__ import annotations

import json

import sqlalchemy as sa
from jsonschema import Draft202012Validator

from telephonist.webadmin import accounts, db
from telephonist.webadmin.openapi_customers import CUSTOMER, ENTRY
from telephonist.webadmin.schema import audit_log
from tests.crm.timeline_support import _ivr

OPERATIONS = [("GET", "/api/customers"), ("POST", "/api/customers"), ("GET", "/api/customers/1"),
              ("PATCH", "/api/customers/1"), ("POST", "/api/customers/1/close"),
              ("GET", "/api/customers/1/timeline"), ("POST", "/api/customers/1/timeline")]


def _bearer(app, user_id: int) -> dict[str, str]:
    with db.writing(app) as conn:
        return {"Authorization": "Bearer " + accounts.create_token(conn, user_id, "crm")[1]}


def test_every_customer_operation_is_refused_without_credentials_or_the_right(app, client, user_ids):
    documented = client.get("/api/openapi.json", headers=_bearer(app, user_ids["admin"])).json["paths"]
    for method, url in OPERATIONS:
        path = url.replace("/1", "/{customer_id}")
        assert method.lower() in documented[path], (method, path)
        assert client.open(url, method=method, json={}).status_code == 401
        assert client.open(url, method=method, json={}, headers=_bearer(app, user_ids["audit"])).status_code == 403


def test_create_search_update_timeline_close(app, client, user_ids):
    h = _bearer(app, user_ids["agent1"])
    customer, entry = Draft202012Validator(CUSTOMER), Draft202012Validator(ENTRY)
    r = client.post("/api/customers", json={"name": "钱七", "phones": ["+86 139 0000 0050"], "class": "key",
                                             "pin": "8642"}, headers=h)
    assert r.status_code == 201
    c = r.json["customer"]
    customer.validate(c)
    assert c["phones"] == ["8613900000050"] and c["class"] == "key" and c["priority"] == 5 and "pin" not in c
    bad = client.post("/api/customers", json={"name": "x", "phones": "not a list", "class": 3}, headers=h)
    assert bad.status_code == 400 and bad.json["error"]["code"] == "bad_request"
    assert client.post("/api/customers", data="nope", headers=h).status_code == 400
    found = client.get("/api/customers?q=8613900000050", headers=h).json
    assert found["total"] == 1 and found["customers"][0]["id"] == c["id"]
    assert client.get("/api/customers?status=weird", headers=h).status_code == 400
    r = client.patch(f"/api/customers/{c['id']}", json={"region": "east", "addresses": ["Road 1"]}, headers=h)
    assert r.status_code == 200 and r.json["customer"]["addresses"] == ["Road 1"] and r.json["customer"]["name"] == "钱七"
    r = client.post(f"/api/customers/{c['id']}/timeline", json={"kind": "sms", "summary": "reading due",
                                                               "ref": "sms-9", "at": "2026-12-01T09:00:00+00:00"},
                    headers=h)
    assert r.status_code == 201
    entry.validate(r.json["entry"])
    assert client.post(f"/api/customers/{c['id']}/timeline", json={"kind": "SMS!", "summary": "x"},
                       headers=h).status_code == 400
    listed = client.get(f"/api/customers/{c['id']}/timeline", headers=h).json["timeline"]
    assert [(e["kind"], e["ref"], e["at"]) for e in listed] == [("sms", "sms-9", "2026-12-01T09:00:00+00:00")]
    assert client.get("/api/customers/999/timeline", headers=h).status_code == 404
    with db.writing(app) as conn:                       # the caller in the IVR, found by the customer's number
        _ivr(conn, "c-ivr-api", "+8613900000050", 10, tag="meter_reading")
    whole = client.get(f"/api/customers/{c['id']}/timeline?all=1", headers=h).json["timeline"]
    assert [e["kind"] for e in whole] == ["ivr", "sms"] and "meter_reading" in whole[0]["summary"]    # newest first
    assert [e["kind"] for e in client.get(f"/api/customers/{c['id']}/timeline?all=1&kind=ivr",
                                          headers=h).json["timeline"]] == ["ivr"]
    assert client.get(f"/api/customers/{c['id']}/timeline?all=1&before=2026-12-01T00:00:00",
                      headers=h).status_code == 400
    assert client.post(f"/api/customers/{c['id']}/close", headers=h).json["customer"]["status"] == "closed"
    assert client.post(f"/api/customers/{c['id']}/close", headers=h).status_code == 400
    with db.reading(app) as conn:
        rows = conn.execute(sa.select(audit_log.c.action, audit_log.c.detail).where(
            audit_log.c.action.like("customer_%")).order_by(audit_log.c.id)).all()
    assert [a for a, _ in rows] == ["customer_open", "customer_edit", "customer_timeline_add", "customer_close"]
    assert all(json.loads(d)["via"] == "api" for _, d in rows)
