"""Shifts in the console: a supervisor makes a pattern and a roster, the attendance report judges the agent log,
an agent sees only its own shifts on the desktop and may not edit; every change is audited."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from telephonist.acd.schema import agent_log
from telephonist.webadmin import accounts, db
from telephonist.webadmin.calls import site_tz
from tests.webadmin.support import login, page_csrf


def test_roster_attendance_and_my_shifts(app, client, user_ids):
    with app.app_context():
        tz = site_tz()
    today = datetime.now(tz).date()
    yesterday = today - timedelta(days=1)
    login(client, "super")
    csrf = page_csrf(client, "/shifts/")
    r = client.post("/shifts/patterns", data={"name": "早班", "starts": "08:00", "ends": "16:00",
                                              "days": list("1234567"), "grace_min": "5", "csrf_token": csrf})
    assert r.status_code == 302
    bad = client.post("/shifts/patterns", data={"name": "x", "starts": "25:00", "ends": "16:00", "days": ["1"],
                                                "csrf_token": csrf})
    assert bad.status_code == 400 and "HH:MM" in bad.get_data(as_text=True)
    with db.reading(app) as conn:
        pattern_id = conn.execute(sa.text("SELECT id FROM shift_patterns")).scalar()
    r = client.post("/shifts/roster", data={"agents": ["1001", "1002"], "pattern": str(pattern_id),
                                            "first": str(yesterday), "last": str(today + timedelta(days=2)),
                                            "csrf_token": csrf})
    assert r.status_code == 302
    assert client.get(f"/shifts/?week={yesterday}").get_data(as_text=True).count("早班") >= 2
    at = lambda h, m=0: datetime.combine(yesterday, time(h, m), tz)   # noqa: E731
    with db.writing(app) as conn:
        conn.execute(sa.insert(agent_log), [
            dict(agent="1001", at=at(8, 17), from_state="logged_out", to_state="ready", signal="login", reason=""),
            dict(agent="1001", at=at(16, 1), from_state="ready", to_state="logged_out", signal="logout", reason="")])
    report = client.get(f"/shifts/attendance?since={yesterday}&until={yesterday}").get_data(as_text=True)
    rows = {line.split('<td class="mono">')[1].split("<")[0]: line for line in report.split("<tr class=\"att-")[1:]}
    assert rows["1001"].startswith("late") and ">17<" in rows["1001"]
    assert rows["1002"].startswith("absent")
    assert client.get("/shifts/attendance?since=x").status_code == 400

    agent = client.application.test_client()
    login(agent, "agent1")
    mine = agent.get("/shifts/mine").get_data(as_text=True)
    assert str(today) in mine and str(yesterday) not in mine and "08:00–16:00" in mine
    assert agent.get("/shifts/").status_code == 403
    assert agent.post("/shifts/roster", data={"agents": ["1001"], "pattern": "", "csrf_token": page_csrf(agent, "/kb/")}
                      ).status_code == 403
    with db.reading(app) as conn:
        actions = [e["action"] for e in accounts.audit_entries(conn)]
    assert {"shift_pattern_add", "roster_set"} <= set(actions)
