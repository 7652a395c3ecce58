"""The console's preview and call script pages: a preview campaign's records shared out among agents, assigned one
by one, reassigned and taken back; a script designed in the table editor (a bad one refused with its lines),
imported from a file, searched, edited live into a new version and set on the campaign. Each change audited, each
refused without campaigns.manage (and without a login); the agent's desk lists only its own records."""
import io
import json

import sqlalchemy as sa

from telephonist.webadmin import db
from tests.webadmin.support import login, page_csrf

STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "max_attempts": 2}
LIST = "name,phone\n" + "".join(f"客户{i},1380000000{i}\n" for i in range(1, 6))
TSV = "id\tquestion\tfield\tanswer\tnext\nq1\t满意吗?\thappy\t是\tend\n\t\t\t否\tq2\nq2\t为什么?\twhy\t\t\n"
SCRIPT = "id | question | field | answer | next | result\nq1 | 满意吗? | happy | 是 | end | ok\n | | | 否 | q2\nq2 | 为什么? | why\n"


def audit(app) -> list[str]:
    with db.reading(app) as conn:
        return [r.action for r in conn.execute(sa.text("SELECT action FROM wa_audit_log ORDER BY id"))]


def rows(app, sql, **kw):
    with db.reading(app) as conn:
        return conn.execute(sa.text(sql), kw).all()


def test_assign_records_and_design_scripts(app, client, user_ids):
    assert client.get("/campaigns/scripts/").status_code in (302, 401)
    login(client, "super")
    csrf = page_csrf(client, "/campaigns/")
    made = client.post("/campaigns/", data={"csrf_token": csrf, "name": "renewals", "kind": "sales", "mode": "preview",
                                            "target": "sales", "trunk_group": "out", "strategy": json.dumps(STRATEGY)})
    assert made.status_code == 302, made.get_data(as_text=True)
    cid = int(made.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    client.post(f"/campaigns/{cid}/import", content_type="multipart/form-data", data={
        "csrf_token": csrf, "phones": "phone", "name": "name", "list": (io.BytesIO(LIST.encode()), "l.csv")})
    assert 'id="assign-link"' in client.get(f"/campaigns/{cid}").get_data(as_text=True)
    ids = [r.id for r in rows(app, "SELECT id FROM dl_records WHERE campaign_id = :c ORDER BY id", c=cid)]

    r = client.post(f"/campaigns/{cid}/preview/batch", data={"csrf_token": csrf, "agents": "1001, 1002", "per_agent": "2"})
    assert r.status_code == 302
    client.post(f"/campaigns/{cid}/preview/assign", data={"csrf_token": csrf, "agent": "1001", "record": [ids[4]],
                                                          "do": "assign"})
    client.post(f"/campaigns/{cid}/preview/assign", data={"csrf_token": csrf, "agent": "1001", "record": [ids[1]],
                                                          "do": "assign"})                       # from 1002 to 1001
    client.post(f"/campaigns/{cid}/preview/assign", data={"csrf_token": csrf, "record": [ids[2]], "do": "take_back"})
    bad = client.post(f"/campaigns/{cid}/preview/assign", data={"csrf_token": csrf, "agent": "x y", "record": [ids[0]]})
    assert bad.status_code == 400
    assert dict(rows(app, "SELECT id, agent FROM dl_records WHERE campaign_id = :c", c=cid)) == {
        ids[0]: "1001", ids[1]: "1001", ids[2]: None, ids[3]: "1002", ids[4]: "1001"}
    zh = client.get(f"/campaigns/{cid}/preview", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "分配记录" in zh and 'data-agent="1001"' in zh

    # scripts: a bad one refused with its line, a good one saved, searched, edited into version 2, imported
    bad = client.post("/campaigns/scripts/", data={"csrf_token": csrf, "name": "renewal",
                                                  "text": "id|question|answer|next\nq1|Hi?|yes|q9\n"})
    assert bad.status_code == 400 and "script:2: goes to question" in bad.get_data(as_text=True)
    made = client.post("/campaigns/scripts/", data={"csrf_token": csrf, "name": "renewal", "text": SCRIPT,
                                                   "description": "续保回访"})
    assert made.status_code == 302
    sid = int(made.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert "renewal" in client.get("/campaigns/scripts/?q=为什么").get_data(as_text=True)
    assert 'data-script' not in client.get("/campaigns/scripts/?q=nothing-like-it").get_data(as_text=True)
    r = client.post(f"/campaigns/scripts/{sid}", data={"csrf_token": csrf, "name": "renewal",
                                                       "text": SCRIPT.replace("为什么?", "哪里不满意?")})
    assert r.status_code == 302
    assert rows(app, "SELECT version FROM dl_scripts WHERE id = :s", s=sid)[0].version == 2
    shown = client.get(f"/campaigns/scripts/{sid}").get_data(as_text=True)
    assert "哪里不满意?" in shown and "v2" in shown
    r = client.post("/campaigns/scripts/import", content_type="multipart/form-data", data={
        "csrf_token": csrf, "file": (io.BytesIO(TSV.encode("gb18030")), "survey.txt")})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert rows(app, "SELECT name FROM dl_scripts ORDER BY id")[-1].name == "survey"
    assert client.post(f"/campaigns/{cid}/script", data={"csrf_token": csrf, "script_id": str(sid)}).status_code == 302
    assert rows(app, "SELECT script_id FROM dl_campaigns WHERE id = :c", c=cid)[0].script_id == sid
    assert f'<option value="{sid}" selected>' in client.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert [a for a in audit(app) if a.startswith(("campaign_assign", "campaign_take", "script", "campaign_script"))] == [
        "campaign_assign_batch", "campaign_assign", "campaign_assign", "campaign_take_back", "script_create",
        "script_edit", "script_import", "campaign_script"]

    # an agent: no console rights; its desk lists its own records only
    client.post("/logout", data={"csrf_token": csrf})
    login(client, "agent2")
    assert client.get(f"/campaigns/{cid}/preview").status_code == 403
    assert client.get("/campaigns/scripts/").status_code == 403
    token = page_csrf(client, "/agent/")
    assert client.post(f"/campaigns/{cid}/preview/batch", data={"csrf_token": token, "agents": "1002",
                                                                 "per_agent": "9"}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(client, "super")
    client.post(f"/campaigns/{cid}/start", data={"csrf_token": page_csrf(client, "/campaigns/")})
    client.post("/logout", data={"csrf_token": page_csrf(client, "/campaigns/")})
    login(client, "agent2")
    listed = client.get("/agent/preview").get_json()["records"]
    assert [r["record"] for r in listed] == [ids[3]]
    assert client.get(f"/agent/preview/{ids[0]}").status_code == 404                  # agent 1001's record
    view = client.get(f"/agent/preview/{ids[3]}").get_json()
    assert view["name"] == "客户4" and view["script"]["version"] == 2
