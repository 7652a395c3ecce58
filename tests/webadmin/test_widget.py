"""The click-to-call widget's page (GET /call): public (no login), only what a visitor may know (the widget's
WebSocket and the hotline's SIP URI), its CSP lets it connect to that WebSocket alone and other pages not at
all; none without [webadmin] widget_ws and widget_number; the configuration checks both (file:line)."""
from __future__ import annotations

import textwrap

import pytest

from telephonist.config import ConfigError, load_config
from telephonist.webadmin import create_app, db
from telephonist.webadmin.config import WebConfig
from tests.webadmin.support import FAST_HASH, login, make_users

WS = "wss://pbx.example.com:8453"


@pytest.fixture
def make_app(tmp_path):
    apps = []

    def make(widget_ws: str = WS, widget_number: str = "4008000"):
        (tmp_path / "recordings").mkdir(exist_ok=True)
        app = create_app(WebConfig(database_url=f"sqlite:///{tmp_path / 'telephonist.db'}",
                                   control_socket=str(tmp_path / "none.sock"), recordings_dir=str(tmp_path / "recordings"),
                                   live_feed=False, testing=True, password_method=FAST_HASH,
                                   widget_ws=widget_ws, widget_number=widget_number))
        make_users(app)
        apps.append(app)
        return app
    yield make
    for app in apps:
        app.extensions["chand_feed"].stop()
        db.engine(app).dispose()


def test_the_widget_page_is_public_and_names_the_hotline_only(make_app):
    c = make_app().test_client()
    r = c.get("/call")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    html = r.get_data(as_text=True)
    assert f'data-ws="{WS}"' in html and 'data-uri="sip:4008000@pbx.example.com"' in html
    assert "password" not in html.lower() and 'id="wg-keypad"' in html
    assert f"connect-src 'self' {WS};" in r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    login(c, "admin")                                   # the console's own pages may not reach it
    assert "connect-src 'self';" in c.get("/calls/").headers["Content-Security-Policy"]


def test_no_widget_without_its_settings(make_app):
    assert make_app("", "").test_client().get("/call").status_code == 404


def write_config(tmp_path, webadmin: str) -> str:
    conf = tmp_path / "telephonist.toml"
    conf.write_text(textwrap.dedent(f"""
        [system]
        prompts_dir = "{tmp_path / 'prompts'}"
        state_dir = "{tmp_path}"
        [database]
        url = "sqlite:///{tmp_path / 'telephonist.db'}"
        [webadmin]
        """) + webadmin + "\n")
    return str(conf)


@pytest.mark.parametrize("settings,key", [
    ('widget_ws = "https://pbx.example.com"\nwidget_number = "4008000"', "widget_ws"),
    ('widget_ws = "wss://pbx.example.com; script-src *"\nwidget_number = "4008000"', "widget_ws"),
    (f'widget_ws = "{WS}"\nwidget_number = "400-800"', "widget_number"),
    (f'widget_ws = "{WS}"', "widget_number"),
    ('widget_number = "4008000"', "widget_ws"),
])
def test_the_configuration_checks_the_widgets_settings(tmp_path, settings, key):
    with pytest.raises(ConfigError, match=rf"telephonist.toml:\d+.*{key}"):
        load_config(write_config(tmp_path, settings))
    assert load_config(write_config(tmp_path, f'widget_ws = "{WS}"\nwidget_number = "4008000"')).webadmin.widget_number


def test_the_widget_settings_reach_the_console(tmp_path):
    from telephonist.webadmin.config import from_telephonist_config
    web = from_telephonist_config(write_config(tmp_path, f'widget_ws = "{WS}"\nwidget_number = "4008000"'))
    assert (web.widget_ws, web.widget_number) == (WS, "4008000")
