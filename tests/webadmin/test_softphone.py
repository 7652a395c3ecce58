"""The softphone's account (GET /agent/softphone): an agent gets its own extension's SIP password and nobody
else's; nothing without [webadmin] softphone_ws or for an extension that is not a sip phone's; the pages' CSP lets
them connect to that WebSocket only; the configuration refuses a softphone_ws that is not a WebSocket URL."""
from __future__ import annotations

import textwrap

import pytest

from telephonist.config import ConfigError, load_config
from telephonist.webadmin import create_app, db
from telephonist.webadmin.config import WebConfig
from tests.webadmin.support import FAST_HASH, login, make_users

WS = "wss://pbx.example.com:8443"
SECRET = "Browser-Desk-8q2!x"


def write_config(tmp_path, softphone_ws: str = "") -> str:
    conf = tmp_path / "telephonist.toml"
    conf.write_text(textwrap.dedent(f"""
        [system]
        prompts_dir = "{tmp_path / 'prompts'}"
        state_dir = "{tmp_path}"
        [database]
        url = "sqlite:///{tmp_path / 'telephonist.db'}"
        [webadmin]
        softphone_ws = "{softphone_ws}"
        [[spans]]
        name = "phones"
        driver = "sip"
        type = "e1"
        channels = 1
        extensions = ["8001"]
        [spans.sip]
        bind = "127.0.0.1:25060"
        rtp_host = "127.0.0.1"
        rtp_port = 25100
        realm = "callcenter"
        [spans.sip.passwords]
        8001 = "{SECRET}"
        [[spans]]
        name = "desks"
        driver = "sim"
        type = "fxs"
        channels = 1
        extensions = ["8002"]
        [[trunk_groups]]
        name = "agents"
        lines = ["phones/*", "desks/*"]
        [acd]
        agents_trunk_group = "agents"
        [[queues]]
        name = "sales"
        [[agents]]
        number = "1001"
        extension = "8001"
        queues = ["sales"]
        [[agents]]
        number = "1002"
        extension = "8002"
        queues = ["sales"]
        """))
    return str(conf)


@pytest.fixture
def make_app(tmp_path):
    apps = []

    def make(softphone_ws: str = WS):
        (tmp_path / "recordings").mkdir(exist_ok=True)
        app = create_app(WebConfig(database_url=f"sqlite:///{tmp_path / 'telephonist.db'}",
                                   control_socket=str(tmp_path / "none.sock"), recordings_dir=str(tmp_path / "recordings"),
                                   config_path=write_config(tmp_path, softphone_ws), live_feed=False, testing=True,
                                   password_method=FAST_HASH, softphone_ws=softphone_ws))
        make_users(app)
        apps.append(app)
        return app
    yield make
    for app in apps:
        app.extensions["chand_feed"].stop()
        db.engine(app).dispose()


def test_an_agent_gets_its_own_extensions_account_and_nothing_is_cached(make_app):
    c = make_app().test_client()
    login(c, "agent1")
    r = c.get("/agent/softphone")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert r.get_json() == {"ws": WS, "uri": "sip:8001@pbx.example.com", "extension": "8001", "password": SECRET,
                            "realm": "callcenter"}
    page = c.get("/agent/")
    assert 'id="softphone"' in page.get_data(as_text=True)
    csp = page.headers["Content-Security-Policy"]
    assert f"connect-src 'self' {WS};" in csp


def test_an_agent_whose_extension_is_no_sip_phone_gets_none(make_app):
    c = make_app().test_client()
    login(c, "agent2")                      # agent 1002 works at 8002, a sim FXS port
    assert c.get("/agent/softphone").status_code == 404


def test_a_user_without_an_agent_or_the_desk_right_gets_none(make_app):
    c = make_app().test_client()
    assert c.get("/agent/softphone").status_code in (302, 401)       # not logged in: to the login page
    login(c, "admin")
    assert c.get("/agent/softphone").status_code == 403


def test_no_softphone_without_a_websocket(make_app):
    c = make_app("").test_client()
    login(c, "agent1")
    assert c.get("/agent/softphone").status_code == 404
    page = c.get("/agent/")
    assert 'id="softphone"' not in page.get_data(as_text=True)
    assert "connect-src 'self';" in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize("bad", ["https://pbx.example.com", "wss://pbx.example.com; script-src *", "pbx:8443"])
def test_the_configuration_refuses_a_softphone_ws_that_is_no_websocket_url(tmp_path, bad):
    with pytest.raises(ConfigError, match="softphone_ws"):
        load_config(write_config(tmp_path, bad))
