"""The work orders' REST API: a token creates, finds, moves and comments on orders with its user's rights;
bad bodies are refused with the reason; every operation is in /api/openapi.json and refused without a token."""
from __future__ import annotations

from tests.webadmin.test_api import _token
from tests.webadmin.wo_support import use_workorders

NEW = {"type": "repair", "priority": "urgent", "fields": {"address": "东区幸福路1号", "fault": "漏气"},
       "caller_number": "13900001111", "caller_name": "王先生", "customer_id": 4711, "account": "880012"}


def test_a_crm_creates_and_follows_an_order(app, client, user_ids, tmp_path):
    use_workorders(app, tmp_path)
    from telephonist.crm.store import CustomerInput, open_customer
    from telephonist.webadmin import db
    with db.writing(app) as conn:
        customer = open_customer(conn, CustomerInput(name="王先生", phones=["13900001111"]))
    new = {**NEW, "customer_id": customer["id"]}
    sup = {"Authorization": "Bearer " + _token(app, user_ids["super"])}
    agent = {"Authorization": "Bearer " + _token(app, user_ids["agent1"], "agent")}
    auditor = {"Authorization": "Bearer " + _token(app, user_ids["audit"], "audit")}
    r = client.post("/api/workorders", json=new, headers=agent)
    assert r.status_code == 201
    o = r.json["workorder"]
    assert (o["state"], o["unit"], o["source"], o["customer_id"], o["created_by"]) == (
        "accepted", "repair", "api", customer["id"], "agent1")
    assert "no customer 4711" in client.post("/api/workorders", json=NEW, headers=agent).json["error"]["message"]
    assert client.post("/api/workorders", json={**NEW, "fields": {}}, headers=agent).json["error"]["message"] == \
        "地址: required"
    assert client.post("/api/workorders", data="[]", headers=agent, content_type="application/json").status_code == 400
    assert client.post("/api/workorders", json={**NEW, "customer_id": "x"}, headers=agent).status_code == 400
    assert client.post("/api/workorders", json=NEW, headers=auditor).status_code == 403

    assert client.get("/api/workorders?q=王先生", headers=sup).json["total"] == 1
    one = client.get(f"/api/workorders/{o['id']}", headers=sup).json
    assert one["moves"] == ["dispatch", "reject"] and one["history"][0]["action"] == "create"
    assert client.get(f"/api/workorders/{o['id']}", headers=agent).json["moves"] == []
    r = client.post(f"/api/workorders/{o['id']}/move", json={"move": "dispatch"}, headers=agent)
    assert r.status_code == 409 and "only the office" in r.json["error"]["message"]
    r = client.post(f"/api/workorders/{o['id']}/move", json={"move": "dispatch", "unit": "east-crew"}, headers=sup)
    assert r.status_code == 200 and r.json["workorder"]["state"] == "dispatched"
    assert client.post(f"/api/workorders/{o['id']}/comments", json={"text": "已联系"}, headers=sup).status_code == 201
    assert client.post("/api/workorders/999/comments", json={"text": "x"}, headers=sup).status_code == 404
    assert [t["id"] for t in client.get("/api/workorders/types", headers=agent).json["types"]] == [
        "repair", "reading", "complaint"]


def test_every_work_order_operation_is_documented_and_needs_a_token(app, client, user_ids, tmp_path):
    use_workorders(app, tmp_path)
    doc = client.get("/api/openapi.json", headers={"Authorization": "Bearer " + _token(app, user_ids["agent1"])}).json
    ops = [(path, method) for path, item in doc["paths"].items() if path.startswith("/api/workorders")
           for method in item]
    assert sorted(ops) == [("/api/workorders", "get"), ("/api/workorders", "post"),
                           ("/api/workorders/types", "get"), ("/api/workorders/{order_id}", "get"),
                           ("/api/workorders/{order_id}/comments", "post"), ("/api/workorders/{order_id}/move", "post")]
    for path, method in ops:
        r = client.open(path.replace("{order_id}", "1"), method=method.upper(), json={})
        assert r.status_code == 401, (path, method)
