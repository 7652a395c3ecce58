"""IVR self-service use by type, IVR outcomes, fax traffic and satisfaction by agent: counted from ivrd's
and faxd's tables in the site's time zone, charted, and exported as CSV and XLSX."""
from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import insert

from telephonist.faxd.schema import faxes
from telephonist.ivrd.schema import sessions, steps, survey_results
from telephonist.webadmin import db
from tests.webadmin.support import login

TZ = ZoneInfo("Asia/Shanghai")


def _csv(client, url):
    r = client.get(url)
    assert r.status_code == 200, url
    return list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))


def test_ivr_fax_and_survey_reports(app, client, user_ids):
    day = datetime.now(TZ).date() - timedelta(days=1)
    at = lambda h, m=0, d=day: datetime.combine(d, time(h, m), TZ)   # noqa: E731
    with db.writing(app) as conn:
        def step(call, tag, when):
            conn.execute(insert(steps).values(call_id=call, chan="e1a/1", flow="main", node="n", node_type="play",
                                              tag=tag, result="ok", at=when))
        step("c1", "policy_query", at(9))
        step("c1", "policy_query", at(9, 1))                 # the same call twice: one use
        step("c2", "policy_query", at(0, 30))                # 00:30 local is the day before in UTC: still `day`
        step("c2", "claims_status", at(0, 31))
        step("c5", "policy_query", at(0, 30, day + timedelta(days=1)))     # the next day: not in the report
        step("c3", None, at(10))
        for call, outcome, h in (("c1", "hangup", 9), ("c2", "queue", 23), ("c3", None, 10), ("c4", "queue", 11)):
            conn.execute(insert(sessions).values(call_id=call, chan="e1a/1", flow="main", outcome=outcome,
                                                 started_at=at(h)))
        for direction, code, h in (("inbound", 0, 8), ("inbound", 0, 9), ("inbound", 48, 9), ("outbound", 0, 12)):
            conn.execute(insert(faxes).values(direction=direction, result_code=code, created_at=at(h)))
        for agent, answer in (("8001", "satisfied"), ("8001", "satisfied"), ("8001", "dissatisfied"),
                              ("8002", "complaint"), ("8002", "neutral"), ("8002", "satisfied"), ("8002", "neutral")):
            conn.execute(insert(survey_results).values(call_id="x", agent=agent, digit="1", answer=answer,
                                                       created_at=at(15)))
    login(client, "super")
    q = f"?since={day}&until={day}"
    ivr = _csv(client, f"/reports/export/ivr.csv{q}")
    assert len(ivr) == 1 and ivr[0]["day"] == str(day)
    assert (ivr[0]["policy_query"], ivr[0]["claims_status"], ivr[0]["total"]) == ("2", "1", "3")
    out = _csv(client, f"/reports/export/outcomes.csv{q}")[0]
    assert (out["hangup"], out["queue"], out["open"], out["voicemail"], out["total"]) == ("1", "2", "1", "0", "4")
    fx = _csv(client, f"/reports/export/fax.csv{q}")[0]
    assert (fx["inbound ok"], fx["inbound failed"], fx["outbound ok"], fx["outbound failed"]) == ("2", "1", "1", "0")
    sv = {r["agent"]: r for r in _csv(client, f"/reports/export/survey.csv{q}")}
    assert list(sv) == ["8002", "8001"]                                  # the most answers first
    assert (sv["8001"]["satisfied"], sv["8001"]["dissatisfied"], sv["8001"]["satisfied %"]) == ("2", "1", "66.7%")
    assert (sv["8002"]["neutral"], sv["8002"]["complaint"], sv["8002"]["total"]) == ("2", "1", "4")

    for name in ("ivr", "outcomes", "fax", "survey"):
        page = client.get(f"/reports/{name}{q}").get_data(as_text=True)
        assert "<svg" in page and 'id="report-tabs"' in page, name
        wb = load_workbook(io.BytesIO(client.get(f"/reports/export/{name}.xlsx{q}").data))
        assert wb.active._charts and wb.active["A2"].value in (str(day), "8002"), name
    assert "policy_query" in client.get(f"/reports/ivr{q}").get_data(as_text=True)
    assert client.get("/reports/nonsense").status_code == 404
    assert client.get(f"/reports/ivr?since=2020-01-01&until={day}").status_code == 400      # over a year
    login(client, "agent1")
    assert client.get(f"/reports/export/survey.csv{q}").status_code == 403


def test_report_exports_never_turn_a_tag_or_an_agent_code_into_a_formula(app, client, user_ids):
    day = datetime.now(TZ).date() - timedelta(days=1)
    at = datetime.combine(day, time(10), TZ)
    evil = "=cmd|' /C calc'!A0"
    with db.writing(app) as conn:
        conn.execute(insert(steps).values(call_id="c1", chan="e1a/1", flow="main", node="n", node_type="play",
                                          tag=evil, result="ok", at=at))
        conn.execute(insert(survey_results).values(call_id="c1", agent="@SUM(A1:A9)", digit="1", answer="satisfied",
                                                   created_at=at))
    login(client, "super")
    q = f"?since={day}&until={day}"
    columns = _csv(client, f"/reports/export/ivr.csv{q}")[0]
    assert "'" + evil in columns and evil not in columns
    assert [r["agent"] for r in _csv(client, f"/reports/export/survey.csv{q}")] == ["'@SUM(A1:A9)"]
    ivr = load_workbook(io.BytesIO(client.get(f"/reports/export/ivr.xlsx{q}").data)).active
    tag = next(c for c in ivr[1] if c.value == evil)
    assert tag.data_type == "s" and tag.quotePrefix
    survey = load_workbook(io.BytesIO(client.get(f"/reports/export/survey.xlsx{q}").data)).active
    assert survey["A2"].value == "@SUM(A1:A9)" and survey["A2"].data_type == "s" and survey["A2"].quotePrefix
