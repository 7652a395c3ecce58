"""The desk pop and the customer file: an unknown caller gets the register form, registering opens the customer
with the caller's number (audited), and the pop then shows the customer, its class and its timeline."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from telephonist.acd.schema import calls as acd_calls
from telephonist.crm import store, timeline
from telephonist.webadmin import db
from telephonist.webadmin.schema import audit_log
from tests.webadmin.support import login, page_csrf

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
CALLER = "13900000020"


def test_an_unknown_caller_is_registered_from_the_pop_and_then_popped(app, client, user_ids):
    with db.writing(app) as conn:                       # a call agent 1001 took (the pop of wrap-up)
        conn.execute(sa.insert(acd_calls).values(call_id="c-20", queue="service", caller=CALLER, entered_at=T0,
                                                 agent="1001", outcome="answered"))
    login(client, "agent1")
    csrf = page_csrf(client, "/agent/")
    pop = client.get("/agent/pop/c-20").get_data(as_text=True)
    assert 'id="pop-register"' in pop and 'id="pop-customer"' not in pop
    assert client.post("/agent/pop/c-20/register", data={"name": ""},
                       headers={"X-CSRF-Token": csrf}).status_code == 400
    r = client.post("/agent/pop/c-20/register", data={"name": "赵六"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    cid = r.get_json()["customer"]["id"]
    with db.writing(app) as conn:
        assert store.get(conn, cid)["phones"] == [CALLER]
        store.update_customer(conn, cid, store.CustomerInput(klass="vip"))
        timeline.append(conn, cid, "work_order", "meter repair", at=T0)
        audit = conn.execute(sa.select(audit_log.c.username, audit_log.c.target)
                             .where(audit_log.c.action == "customer_open")).one()
    assert tuple(audit) == ("agent1", str(store.NUMBER_BASE + cid))
    pop = client.get("/agent/pop/c-20", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'id="pop-customer"' in pop and "赵六" in pop and "VIP" in pop and "meter repair" in pop
    assert 'id="pop-register"' not in pop and "工单" in pop
    assert client.post("/agent/pop/other/register", data={"name": "x"}, headers={"X-CSRF-Token": csrf}).status_code == 404
