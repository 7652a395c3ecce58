"""The campaign pages of the web console: create with a checked strategy, import a list with a mapping,
start / pause / stop, edit the strategy, the do-not-call list, results and the export under its right —
each change audited, each refused without the right."""
import io
import json

import sqlalchemy as sa

from telephonist.webadmin import db
from tests.webadmin.support import login, page_csrf

STRATEGY = {"windows": {"default": {"hours": {"mon-fri": "09:00-18:00"}}}, "max_attempts": 2}
LIST = "客户,手机,账单\n张三,13800000001,215.60\n李四,13800000002,88\n张三二,13800000001,1\n"


def audit(app) -> list[tuple[str, str]]:
    with db.reading(app) as conn:
        return [(r.action, r.target) for r in conn.execute(sa.text("SELECT action, target FROM wa_audit_log ORDER BY id"))]


def test_campaign_pages(app, client, user_ids):
    assert client.get("/campaigns/").status_code in (302, 401)          # nobody logged in: refused
    login(client, "admin")
    csrf = page_csrf(client, "/campaigns/")
    form = {"csrf_token": csrf, "name": "gas-bills", "kind": "notice", "mode": "agentless", "target": "bill_notice",
            "trunk_group": "out", "caller_id": "95158", "priority": "0"}
    bad = client.post("/campaigns/", data={**form, "strategy": json.dumps({"windows": {}})})
    assert bad.status_code == 400 and "default" in bad.get_data(as_text=True)
    made = client.post("/campaigns/", data={**form, "strategy": json.dumps(STRATEGY)})
    assert made.status_code == 302
    page = made.headers["Location"]
    cid = int(page.rstrip("/").rsplit("/", 1)[1])

    done = client.post(f"/campaigns/{cid}/import", content_type="multipart/form-data", data={
        "csrf_token": csrf, "phones": "手机", "name": "客户", "list": (io.BytesIO(LIST.encode()), "bills.csv")},
        follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Imported 2; duplicates 1; rejected 0." in text and "13800000001" in text
    assert client.post(f"/campaigns/{cid}/start", data={"csrf_token": csrf}).status_code == 302
    new = {**STRATEGY, "max_attempts": 5}
    assert client.post(f"/campaigns/{cid}/strategy", data={"csrf_token": csrf, "strategy": json.dumps(new)}).status_code == 302
    refused = client.post(f"/campaigns/{cid}/strategy", data={"csrf_token": csrf, "strategy": "{not json"})
    assert refused.status_code == 400
    with db.reading(app) as conn:
        row = conn.execute(sa.text("SELECT state, strategy FROM dl_campaigns WHERE id = :c"), {"c": cid}).one()
    assert row.state == "running" and json.loads(row.strategy)["max_attempts"] == 5      # the bad edit lost nothing
    shown = client.get(page, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "进行中" in shown and "接通率" in shown and "外呼策略" in shown

    assert client.post("/campaigns/dnc", data={"csrf_token": csrf, "kind": "phone", "value": "13900000009"}).status_code == 302
    assert "13900000009" in client.get("/campaigns/dnc?q=139000").get_data(as_text=True)
    assert "13900000009" not in client.get("/campaigns/dnc?q=138").get_data(as_text=True)
    client.post("/campaigns/dnc/delete", data={"csrf_token": csrf, "kind": "phone", "value": "13900000009"})
    assert "13900000009" not in client.get("/campaigns/dnc").get_data(as_text=True)

    export = client.get(f"/campaigns/{cid}/export.csv?which=unfinished")
    assert export.status_code == 200
    lines = export.get_data(as_text=True).lstrip("\ufeff").splitlines()      # BOM: Excel reads it as UTF-8
    assert lines[0].split(",") == ["name", "phones", "customer_type", "id_card", "账单", "state", "outcome",
                                   "result", "attempts"]
    assert lines[1].startswith("张三,13800000001,default,,215.60,pending")
    assert [a for a, _ in audit(app) if a.startswith(("campaign", "dnc"))] == [
        "campaign_create", "campaign_import", "campaign_start", "campaign_strategy", "dnc_add", "dnc_delete",
        "campaign_export"]

    client.post("/logout", data={"csrf_token": csrf})
    login(client, "agent1")                              # no campaign rights
    assert client.get("/campaigns/").status_code == 403
    assert client.get(f"/campaigns/{cid}/export.csv").status_code == 403
    assert client.post(f"/campaigns/{cid}/stop", data={"csrf_token": page_csrf(client)}).status_code in (400, 403)


def test_flagged_questions_on_the_campaign_page(app, client, user_ids):
    """An agent flags a script question on its call; supervisors without a desktop (no agent ID, so the notice
    reaches nobody) see it on the campaign's page with the agent and the question; an agent cannot."""
    from datetime import UTC, datetime

    from telephonist.dialer import preview, scripts
    from telephonist.dialer.lists import import_rows, read_table
    from telephonist.dialer.store import DialerStore
    store = DialerStore(engine=db.engine(app))
    cid = store.create_campaign("renewals", "sales", "preview", "sales", "out",
                                {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}})
    header, rows = read_table("l.csv", "name,phone\nwang,13800001111\n".encode())
    import_rows(store.engine, cid, header, rows, {"name": "name", "phones": "phone"})
    sid = scripts.save(store.engine, "renewal", scripts.from_table(*scripts.read_text(
        "id | question | field | answer | next | result\nq1 | Happy with us? | happy | yes | end | ok\n")), "lead")
    scripts.use_in_campaign(store.engine, cid, sid)
    store.set_state(cid, "running")
    with db.reading(app) as conn:
        rid = conn.execute(sa.text("SELECT id FROM dl_records")).scalar_one()
    preview.assign(store.engine, cid, [rid], "1001", datetime.now(UTC))
    claim, _ = preview.claim(store.engine, rid, "1001", datetime.now(UTC))

    login(client, "agent1")
    flagged = client.post(f"/agent/script/{claim.attempt_id}/flag", data={
        "csrf_token": page_csrf(client, "/agent/"), "question": "q1", "note": "asks about a discount"})
    assert flagged.status_code == 200, flagged.get_data(as_text=True)
    assert client.get(f"/campaigns/{cid}").status_code == 403                    # not for agents
    client.post("/logout", data={"csrf_token": page_csrf(client, "/agent/")})

    login(client, "super")                                                       # a supervisor with no desktop
    shown = client.get(f"/campaigns/{cid}")
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'id="flags"' in text
    assert "1001" in text and "q1: Happy with us?" in text and "asks about a discount" in text
    assert f"dl-{claim.attempt_id}" in text
    assert "坐席标记给主管的问题" in client.get(f"/campaigns/{cid}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
