"""What the agent desktop takes from the configuration: a queue's dispositions and CRM page are checked with
file:line like every other key; the desktop reads them again when the queues page (or anyone) changed a file;
the CRM address gets the call's fields URL-escaped, so a caller's data cannot change where it leads."""
from __future__ import annotations


import pytest

from telephonist.config import ConfigError, load_config
from telephonist.webadmin import create_app, db
from telephonist.webadmin.config import WebConfig
from telephonist.webadmin.deskpop import crm_link, handoff
from telephonist.webadmin.deskqueues import desk_settings
from tests.support.config_text import agent_phones
from tests.webadmin.support import FAST_HASH

SITE = """
[system]
node = "t"
state_dir = "state"

[database]
url = "sqlite:///{db}"
""" + agent_phones(["8001"]) + """
[acd]
agents_trunk_group = "desks"

[[queues]]
name = "sales"
dispositions = ["sold", "no interest"]
crm_url = "https://crm.example.com/c?tel={number}&acct={account}"
"""


def test_dispositions_and_crm_url_are_checked_with_their_lines(tmp_path):
    path = tmp_path / "telephonist.toml"
    path.write_text(SITE.replace("{db}", str(tmp_path / "t.db")) + """
[[queues]]
name = "claims"
dispositions = ["fixed", "fixed", " padded"]
crm_url = "javascript:alert(1)"

[[queues]]
name = "vip"
crm_url = "https://crm.example.com/{number}/{password}"
""")
    with pytest.raises(ConfigError) as e:
        load_config(str(path))
    lines = path.read_text().splitlines()
    got = {(p.line, p.message) for p in e.value.problems}
    assert {line for line, _ in got} == {lines.index('dispositions = ["fixed", "fixed", " padded"]') + 1,
                                         lines.index('crm_url = "javascript:alert(1)"') + 1,
                                         lines.index('crm_url = "https://crm.example.com/{number}/{password}"') + 1}
    text = " | ".join(m for _, m in got)
    for words in ("'fixed' is listed twice", "without spaces around it", "http:// or https://", "unknown field {password}"):
        assert words in text, text


def test_the_desktop_reads_a_changed_configuration_again(tmp_path):
    path = tmp_path / "telephonist.toml"
    path.write_text(SITE.replace("{db}", str(tmp_path / "t.db")))
    app = create_app(WebConfig(database_url=f"sqlite:///{tmp_path / 't.db'}", control_socket=str(tmp_path / "none"),
                               config_path=str(path), live_feed=False, testing=True, password_method=FAST_HASH))
    try:
        with app.app_context():
            first = desk_settings()
            assert first["queues"]["sales"]["dispositions"] == ["sold", "no interest"]
            assert first["reasons"] == ["break", "meal", "training", "meeting"]      # not "missed": the ACD's own
            assert desk_settings() is first                                           # unchanged files: not read again
            (tmp_path / "conf.d").mkdir()
            (tmp_path / "conf.d" / "91-webadmin-acd.toml").write_text(
                '[[queues]]\nname = "sales"\ndispositions = ["sold", "callback"]\n')
            assert desk_settings()["queues"]["sales"]["dispositions"] == ["sold", "callback"]
            # a file with a problem: the last good reading stays (as the ACD keeps running the last good one)
            bad = tmp_path / "conf.d" / "91-webadmin-acd.toml"
            bad.write_text('[[queues]]\nname = "sales"\ndispositions = ["x", "x"]\n')
            assert desk_settings()["queues"]["sales"]["dispositions"] == ["sold", "callback"]
    finally:
        app.extensions["chand_feed"].stop()
        db.engine(app).dispose()


def test_the_crm_link_escapes_what_the_caller_typed():
    template = "https://crm.example.com/c?tel={number}&acct={account}&q={queue}"
    assert crm_link(template, "+86 139", "A&B=1#x", "sales", "c1") == \
        "https://crm.example.com/c?tel=%2B86%20139&acct=A%26B%3D1%23x&q=sales"
    assert crm_link("", "139", "", "sales", "c1") == ""


def test_the_handoff_data_gives_account_verification_and_vip():
    data = {"ivr": {"flow": "insurance", "language": "zh",
                    "vars": {"policy_no": "P1", "auth_account": "P1", "vip_name": "gold", "product": "1"}}, "queue": "x"}
    h = handoff(data)
    assert (h.account, h.verified, h.vip, h.flow, h.language) == ("P1", True, "gold", "insurance", "zh")
    assert h.others == {"product": "1", "queue": "x"}
    assert handoff({"ivr": {"vars": {"account": "7"}}}).verified is False
    assert handoff(None) == handoff({})


def test_bad_requests_and_no_acd_get_clear_answers(client, user_ids, app):
    """Without chand (or the ACD) the desk says so and loses nothing; a bad request is refused with its reason."""
    from sqlalchemy import select

    from telephonist.webadmin.schema import audit_log
    from tests.webadmin.support import csrf_from, login
    login(client, "agent1")
    r = client.get("/agent/")
    assert r.status_code == 200 and 'id="problem"' in r.get_data(as_text=True)
    assert "cannot be reached" in r.get_data(as_text=True)
    token = csrf_from(r.get_data(as_text=True))

    def post(action: str, **form):
        return client.post(f"/agent/act/{action}", data={**form, "csrf_token": token})
    assert post("ready").status_code == 503 and post("ready").get_json()["error"]["code"] == "unavailable"
    assert post("explode").status_code == 404
    r = post("login", extension="8" * 33)
    assert r.status_code == 400 and "at most 32" in r.get_json()["error"]["message"]
    assert post("ready", agent="1002").status_code == 403
    assert client.post("/agent/act/ready", data={}).status_code == 400          # no CSRF token
    assert client.get("/agent/pop/not%20a%20call").status_code == 404
    assert client.get("/agent/pop/c1/recording/12").status_code == 404
    assert client.get("/agent/colleagues").get_json() == {"agents": [], "queues": []}
    assert client.get("/agent/events").status_code == 503                       # only the console server streams
    with db.reading(app) as conn:
        refused = conn.execute(select(audit_log).where(audit_log.c.action == "desk_refused")).one()
    assert refused.target == "1002" and refused.username == "agent1"
