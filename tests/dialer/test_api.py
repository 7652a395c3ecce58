"""The dialer's REST API: a token creates a campaign, adds records (checked and de-duplicated as a list),
starts and stops it, reads records, their attempts and the results, and keeps the do-not-call list — with
its user's rights, audited, every operation in /api/openapi.json and refused without a token."""
import json

import sqlalchemy as sa

from telephonist.webadmin import db
from tests.webadmin.test_api import _token

STRATEGY = {"windows": {"default": {"hours": {"mon-fri": "09:00-18:00"}}}, "max_attempts": 2}
NEW = {"name": "renewals", "kind": "notice", "mode": "agentless", "target": "renewal", "trunk_group": "out",
       "caller_id": "95158", "strategy": STRATEGY}


def test_a_crm_runs_a_campaign_by_api(app, client, user_ids):
    sup = {"Authorization": "Bearer " + _token(app, user_ids["super"])}
    agent = {"Authorization": "Bearer " + _token(app, user_ids["agent1"], "agent")}
    bad = client.post("/api/campaigns", json={**NEW, "strategy": {"windows": {}}}, headers=sup)
    assert bad.status_code == 400 and "default" in bad.json["error"]["message"]
    assert client.post("/api/campaigns", json=NEW, headers=agent).status_code == 403
    made = client.post("/api/campaigns", json=NEW, headers=sup)
    assert made.status_code == 201
    c = made.json["campaign"]
    assert (c["name"], c["state"], c["strategy"]) == ("renewals", "draft", STRATEGY)
    cid = c["id"]

    added = client.post(f"/api/campaigns/{cid}/records", headers=sup, json={"records": [
        {"name": "张三", "phones": ["13800000001", "010-8888-0001"], "customer_type": "vip", "fields": {"amount": "215.60"}},
        {"name": "李四", "phones": ["13800000002"], "id_card": "110101199002020022", "fields": {"policy": "P-9"}},
        {"name": "张三又", "phones": ["13800000001"]}, {"name": "无号", "phones": []}]})
    assert added.status_code == 201
    assert (added.json["added"], added.json["duplicates"], added.json["rejected"]) == (
        2, [{"index": 2, "key": "13800000001"}], [{"index": 3, "why": "no usable phone number"}])
    assert client.post(f"/api/campaigns/{cid}/records", headers=sup, json={"records": "x"}).status_code == 400
    assert client.post("/api/campaigns/999/records", headers=sup, json={"records": [{"phones": ["1380"]}]}).status_code == 404

    listed = client.get(f"/api/campaigns/{cid}/records?state=pending", headers=agent)
    assert listed.status_code == 403                                  # an agent has no campaign rights
    listed = client.get(f"/api/campaigns/{cid}/records?state=pending&limit=1", headers=sup).json
    assert listed["total"] == 2 and listed["records"][0]["phones"] == ["13800000001", "01088880001"]
    assert listed["records"][0]["fields"] == {"amount": "215.60", "policy": ""}
    rid = listed["records"][0]["id"]
    one = client.get(f"/api/campaigns/{cid}/records/{rid}", headers=sup).json
    assert one["record"]["state"] == "pending" and one["attempts"] == []
    assert client.get(f"/api/campaigns/{cid}/records/99999", headers=sup).status_code == 404

    assert client.post(f"/api/campaigns/{cid}/state", json={"action": "start"}, headers=sup).json["state"] == "running"
    assert client.post(f"/api/campaigns/{cid}/state", json={"action": "explode"}, headers=sup).status_code == 400
    assert client.post("/api/campaigns/999/state", json={"action": "pause"}, headers=sup).status_code == 404
    assert [x["state"] for x in client.get("/api/campaigns", headers=sup).json["campaigns"]] == ["running"]
    res = client.get(f"/api/campaigns/{cid}/results", headers=sup).json
    figures = res["figures"]
    assert res["days"] == []                                          # nothing dialled yet
    assert (figures["records"], figures["by_state"], figures["contact_rate"]) == (2, {"pending": 2}, None)
    assert client.get(f"/api/campaigns/{cid}", headers=sup).json["campaign"]["figures"]["records"] == 2

    assert client.post("/api/dnc", json={"kind": "phone", "value": "13900000009"}, headers=sup).status_code == 201
    assert client.post("/api/dnc", json={"kind": "phone", "value": "13900000009"}, headers=sup).json == {"added": False}
    assert client.post("/api/dnc", json={"kind": "email", "value": "x"}, headers=sup).status_code == 400
    assert [e["value"] for e in client.get("/api/dnc?q=139000", headers=sup).json["entries"]] == ["13900000009"]
    assert client.delete("/api/dnc?kind=phone&value=13900000009", headers=agent).status_code == 403
    assert client.delete("/api/dnc?kind=phone&value=13900000009", headers=sup).json == {"deleted": True}
    assert client.delete("/api/dnc?kind=phone&value=13900000009", headers=sup).status_code == 404
    assert client.post(f"/api/campaigns/{cid}/state", json={"action": "stop"}, headers=sup).json["state"] == "stopped"

    with db.reading(app) as conn:
        audits = [(r.action, json.loads(r.detail).get("via")) for r in conn.execute(sa.text(
            "SELECT action, detail FROM wa_audit_log WHERE action LIKE 'campaign%' OR action LIKE 'dnc%' ORDER BY id"))]
    assert audits == [("campaign_create", "api"), ("campaign_import", "api"), ("campaign_start", "api"),
                      ("dnc_add", "api"), ("dnc_add", "api"), ("dnc_delete", "api"), ("campaign_stop", "api")]


def test_every_dialer_operation_is_documented_and_needs_a_token(app, client, user_ids):
    doc = client.get("/api/openapi.json", headers={"Authorization": "Bearer " + _token(app, user_ids["agent1"])}).json
    ops = [(m.upper(), p) for p, item in doc["paths"].items() if p.startswith(("/api/campaigns", "/api/dnc"))
           for m in item]
    assert len(ops) == 11
    for method, path in ops:
        url = path.replace("{campaign_id}", "1").replace("{record_id}", "1")
        r = client.open(url, method=method, json={})
        assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized", (method, url)
