"""Quality in the console: a manager makes a form, a reviewer scores only the calls of agents up to their level,
the agent sees the score and appeals, another manager revises it, and the assessment counts it."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from telephonist.quality.schema import reviews
from telephonist.webadmin import accounts, create_app, db
from telephonist.webadmin.schema import audit_log
from tests.quality.conftest import answered_call
from tests.webadmin.support import FAST_HASH, login, make_users, page_csrf, password, tone, write_alaw_wav

AGENTS = """
[acd]
agents_trunk_group = "out"

[[agents]]
number = "1001"
name = "Li Na"
level = 1

[[agents]]
number = "1002"
name = "Wang Wei"
level = 3
"""
FORM = "Opening; Greets with the company name; 10\nCompliance; Verifies the caller; 20; fatal\n"


@pytest.fixture
def qa_app(site):
    from tests.webadmin.site_support import site_web_config
    cfg = site / "telephonist.toml"
    cfg.write_text(cfg.read_text() + AGENTS)
    app = create_app(site_web_config(cfg))
    make_users(app)
    with db.writing(app) as conn:
        accounts.create_role(conn, "reviewer", {"quality.review", "quality.view", "recordings.listen"})
        accounts.create_user(conn, "qa1", password("qa1"), "reviewer", method=FAST_HASH)
    yield app
    app.extensions["chand_feed"].stop()
    db.engine(app).dispose()


def _calls(app) -> dict[str, int]:
    now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=30)
    rows = {}
    with db.writing(app) as conn:
        for call_id, agent in (("c-1001", "1001"), ("c-1002", "1002")):
            rows[agent] = answered_call(conn, call_id, agent, now)
    base = app.config["WEB"].recordings_dir
    for call_id in ("c-1001", "c-1002"):
        write_alaw_wav(__import__("pathlib").Path(base) / f"2026/12/01/{call_id}.wav", tone(ms=400))
    return rows


def _post(client, url: str, page: str, **data):
    return client.post(url, data={"csrf_token": page_csrf(client, page), **data})


def test_score_appeal_revise_and_assess(qa_app):
    rows = _calls(qa_app)
    boss, reviewer, agent, other = (qa_app.test_client() for _ in range(4))
    for client, name in ((boss, "super"), (reviewer, "qa1"), (agent, "agent1"), (other, "agent2")):
        assert login(client, name).status_code == 302

    bad = _post(boss, "/quality/forms/new", "/quality/forms", name="Service", items="A; b; 10\nA; b; ten\n", active="1")
    assert bad.status_code == 400 and "line 2" in bad.get_data(as_text=True)
    assert _post(boss, "/quality/forms/new", "/quality/forms", name="Service", items=FORM, active="1").status_code == 302
    assert _post(boss, "/quality/reviewers", "/quality/reviewers", username="qa1", level="2").status_code == 302

    work = reviewer.get("/quality/").get_data(as_text=True)
    assert f"/quality/score/{rows['1001']}" in work and f"/quality/score/{rows['1002']}" not in work
    assert reviewer.get(f"/quality/score/{rows['1002']}").status_code == 403           # level 3 > 2
    assert reviewer.get(f"/quality/call/{rows['1002']}/recording").status_code == 403
    wav = reviewer.get(f"/quality/call/{rows['1001']}/recording")
    assert wav.status_code == 200 and wav.mimetype == "audio/wav"

    page = reviewer.get(f"/quality/score/{rows['1001']}").get_data(as_text=True)
    ids = re.findall(r'name="item-(\d+)"', page)
    assert len(ids) == 2
    r = _post(reviewer, f"/quality/score/{rows['1001']}", f"/quality/score/{rows['1001']}",
              **{f"item-{ids[0]}": "5", f"item-{ids[1]}": "20", "comment": "no company name"})
    assert r.status_code == 302
    review_id = int(r.location.rsplit("/", 1)[1])
    with db.reading(qa_app) as conn:
        assert conn.execute(select(reviews.c.score, reviews.c.agent, reviews.c.reviewer)).one() == (83.3, "1001", "qa1")

    mine = agent.get("/quality/mine").get_data(as_text=True)
    assert "83.3" in mine
    assert other.get(f"/quality/review/{review_id}").status_code == 403                # another agent's review
    assert agent.get(f"/quality/call/{rows['1001']}/recording").status_code == 200     # their own call
    assert agent.get(f"/quality/call/{rows['1002']}/recording").status_code == 403
    r = _post(agent, f"/quality/review/{review_id}/appeal", f"/quality/review/{review_id}",
              text="I said Telephonist Life at 0:03")
    assert r.status_code == 302
    assert "I said Telephonist Life" in boss.get("/quality/appeals").get_data(as_text=True)
    r = _post(boss, f"/quality/review/{review_id}/decide", f"/quality/review/{review_id}", decision="revise",
              reply="heard it", **{f"item-{ids[0]}": "10", f"item-{ids[1]}": "20"})
    assert r.status_code == 302
    page = agent.get(f"/quality/review/{review_id}").get_data(as_text=True)
    assert "100.0" in page and "heard it" in page

    report = boss.get("/quality/report").get_data(as_text=True)
    row = re.search(r"<tr><td>1001</td>(.*?)</tr>", report, re.S).group(1)
    assert "100.0" in row
    with db.reading(qa_app) as conn:
        actions = set(conn.execute(select(audit_log.c.action)).scalars())
    assert {"quality.form", "quality.reviewer", "quality.score", "quality.appeal", "quality.decide"} <= actions


def test_a_sampling_rule_fills_the_work_list(qa_app):
    rows = _calls(qa_app)
    boss = qa_app.test_client()
    login(boss, "super")
    assert _post(boss, "/quality/rules", "/quality/rules", name="weekly", kind="per_agent_week", count="1",
                 active="1").status_code == 302
    r = _post(boss, "/quality/rules/draw", "/quality/rules")
    assert r.status_code == 302
    todo = boss.get(r.location).get_data(as_text=True).split('id="todo"')[1].split("</table>")[0]
    assert f"/quality/score/{rows['1001']}" in todo and f"/quality/score/{rows['1002']}" in todo
    zh = boss.get("/quality/rules", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "抽检规则" in zh


def test_the_nightly_command_draws_by_the_rules(qa_app, site):
    import subprocess
    import sys

    from telephonist.quality import sampling
    rows = _calls(qa_app)
    with db.writing(qa_app) as conn:
        sampling.save_rule(conn, None, "weekly", "per_agent_week", 5, "", "", active=True)
    r = subprocess.run([sys.executable, "-m", "telephonist.cli", "quality", "draw", "--config",
                        str(site / "telephonist.toml")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("2 calls drawn")
    with db.reading(qa_app) as conn:
        assert {s["call_row"] for s in sampling.work_list(conn, None)} == set(rows.values())
