"""The queue and agent reports: the ACD's tables summed per 15 minutes, hour, day or month of the site's time
zone (service level, 90th-percentile wait, dispositions; agents' state times, calls, survey answers), shown,
charted and exported; a user without calls.all sees only the agent that is theirs."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import insert

from telephonist.acd import schema as A
from telephonist.ivrd.schema import survey_results
from telephonist.webadmin import accounts, db
from tests.webadmin.support import login, password

TZ = ZoneInfo("Asia/Shanghai")


def _csv(client, url):
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))


def _seed(app, day: date) -> None:
    at = lambda h, m=0, s=0: datetime.combine(day, time(h, m, s), TZ)   # noqa: E731
    with db.writing(app) as conn:
        for queue, when, outcome, wait, talk, hold, wrap, code in (
                ("service", at(9, 5), "answered", 10, 60, 5, 15, "solved"),
                ("service", at(9, 20), "answered", 30, 120, 0, 0, "solved"),
                ("service", at(9, 40), "abandoned", 3, None, None, None, None),      # within 5 s
                ("service", at(10, 10), "abandoned", 40, None, None, None, None),
                ("service", at(10, 15), "answered", 50, 30, 0, 10, "escalated"),
                ("claims", at(9, 10), "answered", 5, 30, 0, 0, None),
                ("service", at(9, 0) - timedelta(days=1), "answered", 1, 1, 0, 0, "solved")):   # another day
            conn.execute(insert(A.calls).values(
                call_id=f"c{when:%d%H%M}{queue}", queue=queue, caller="13900001111", entered_at=when, outcome=outcome,
                wait_ms=wait * 1000, talk_ms=None if talk is None else talk * 1000,
                hold_ms=None if hold is None else hold * 1000, wrapup_ms=None if wrap is None else wrap * 1000,
                wrapup_code=code, agent="1001" if outcome == "answered" else None))
        for agent, when, prev, new, signal, reason in (
                ("1001", at(8), "logged_out", "not_ready", "login", ""),
                ("1001", at(8, 5), "not_ready", "ready", "ready", ""),
                ("1001", at(9, 5, 10), "ready", "reserved", "reserve", ""),
                ("1001", at(9, 5, 10), "reserved", "ringing", "ring", ""),
                ("1001", at(9, 5, 10), "ringing", "on_call", "answer", ""),
                ("1001", at(9, 6, 10), "on_call", "wrap_up", "hangup", ""),
                ("1001", at(9, 6, 25), "wrap_up", "ready", "wrap_end", ""),
                ("1001", at(12), "ready", "not_ready", "not_ready", "break"),
                ("1001", at(12, 30), "not_ready", "logged_out", "logout", ""),
                ("1002", at(9), "logged_out", "not_ready", "login", ""),
                ("1002", at(10), "not_ready", "outbound", "dial", ""),
                ("1002", at(10, 5), "outbound", "wrap_up", "hangup", ""),
                ("1002", at(10, 5, 10), "wrap_up", "ready", "wrap_end", ""),
                ("1002", at(11), "ready", "logged_out", "logout", "")):
            conn.execute(insert(A.agent_log).values(agent=agent, at=when, from_state=prev, to_state=new, signal=signal,
                                                    reason=reason))
        for answer in ("satisfied", "satisfied", "dissatisfied"):
            conn.execute(insert(survey_results).values(call_id="x", agent="1001", digit="1", answer=answer,
                                                       created_at=at(9, 7)))


def test_queue_report_per_interval_with_service_level_waits_and_dispositions(app, client, user_ids):
    day = datetime.now(TZ).date() - timedelta(days=1)
    _seed(app, day)
    login(client, "super")
    q = f"since={day}&until={day}"
    hours = {(r["interval"], r["queue"]): r for r in _csv(client, f"/reports/acd/queues.csv?interval=hour&{q}")}
    assert list(hours) == [(f"{day} 09:00", "claims"), (f"{day} 09:00", "service"), (f"{day} 10:00", "service")]
    nine = hours[(f"{day} 09:00", "service")]
    assert (nine["offered"], nine["answered"], nine["abandoned"], nine["abandoned_short"]) == ("3", "2", "1", "1")
    assert (nine["service_level"], nine["avg_wait_s"], nine["p90_wait_s"], nine["longest_wait_s"]) == \
        ("50.0%", "20.0", "30.0", "30.0")                 # the short abandon is not counted against the level
    assert nine["aht_s"] == "100.0"                     # (80 + 120) / 2
    ten = hours[(f"{day} 10:00", "service")]
    assert (ten["offered"], ten["service_level"], ten["p90_wait_s"]) == ("2", "0.0%", "50.0")
    quarters = [(r["interval"][-5:], r["queue"]) for r in _csv(client, f"/reports/acd/queues.csv?interval=15min&{q}")]
    assert quarters == [("09:00", "claims"), ("09:00", "service"), ("09:15", "service"), ("09:30", "service"),
                        ("10:00", "service"), ("10:15", "service")]
    days = _csv(client, f"/reports/acd/queues.csv?interval=day&{q}&queue=service")
    assert [(r["interval"], r["offered"], r["answered"]) for r in days] == [(str(day), "5", "3")]
    months = _csv(client, f"/reports/acd/queues.csv?interval=month&since={day - timedelta(days=1)}&until={day}")
    assert sum(int(r["offered"]) for r in months) == 7

    page = client.get(f"/reports/queues?interval=hour&{q}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and 'id="dispositions"' in html
    disp = html[html.index('id="dispositions"'):]
    for queue, code, n in (("service", "solved", 2), ("service", "escalated", 1), ("claims", "none given", 1)):
        assert f"<td>{queue}</td><td>{code}</td><td class=\"num\">{n}</td>" in disp
    wb = load_workbook(io.BytesIO(client.get(f"/reports/acd/queues.xlsx?interval=hour&{q}").data))
    assert [c.value for c in wb.active[1]][:4] == ["interval", "queue", "offered", "answered"]
    assert client.get(f"/reports/queues?interval=week&{q}").status_code == 400


def test_agent_report_times_calls_and_survey_and_an_agent_sees_only_its_own(app, client, user_ids):
    day = datetime.now(TZ).date() - timedelta(days=1)
    _seed(app, day)
    login(client, "super")
    q = f"since={day}&until={day}"
    rows = {r["agent"]: r for r in _csv(client, f"/reports/acd/agents.csv?{q}")}
    a = rows["1001"]
    assert (a["login"], a["talk"], a["wrap_up"], a["not_ready"]) == ("4:30:00", "0:01:00", "0:00:15", "0:35:00")
    assert (a["calls"], a["calls_made"], a["aht"], a["survey_answers"], a["satisfied"]) == \
        ("1", "0", "0:01:15", "3", "66.7%")
    assert a["not_ready_reasons"] == "break 0:30:00, none 0:05:00"
    b = rows["1002"]
    assert (b["login"], b["calls"], b["calls_made"], b["survey_answers"]) == ("2:00:00", "0", "1", "0")
    html = client.get(f"/reports/agents?{q}").get_data(as_text=True)
    assert "<svg" in html and "1002" in html

    with db.writing(app) as conn:                        # a team lead who may see reports but only its own calls
        accounts.create_role(conn, "lead", {"reports.view"})
        accounts.create_user(conn, "lead", password("lead"), "lead", agent_id="1002",
                             method=app.config["WEB"].password_method)
    own = app.test_client()
    login(own, "lead")
    assert [r["agent"] for r in _csv(own, f"/reports/acd/agents.csv?{q}")] == ["1002"]
    assert "Your own figures only." in own.get(f"/reports/agents?{q}").get_data(as_text=True)
    agent = app.test_client()
    login(agent, "agent1")                                 # no reports.view
    assert agent.get(f"/reports/agents?{q}").status_code == 403
