"""The website's "call me back" in the console (webcallback.py, the /call page's form): public (no login, no cookie),
JSON only, sizes, a request's token, the brakes per address and per number, the configuration's checks (file:line);
and with a real chand and ACD (lockstep sim spans): a request queued behind a phone caller shows its place, is
cancelled by the visitor, and stays in the customer's timeline."""
from __future__ import annotations

import asyncio
import dataclasses
import textwrap

import pytest

from telephonist.config import ConfigError, load_config
from telephonist.crm import store as crm_store
from telephonist.crm import timeline
from telephonist.webadmin import create_app, db
from telephonist.webadmin.config import WebConfig
from tests.acd.harness import running_acd
from tests.support.chand_harness import TrunkGroupSpec
from tests.webadmin.support import FAST_HASH

TOKEN = "X-Callback-Token"


@pytest.fixture
def cb_app(app):
    app.config["WEB"] = dataclasses.replace(app.config["WEB"], callback_queues=("sales",), callback_starts_per_hour=2,
                                            callback_per_number_per_day=3)
    return app


def test_off_without_callback_queues(client):
    assert client.get("/call").status_code == 404
    assert client.post("/call/back/request", json={"number": "13700000001"}).status_code == 404
    assert client.get("/call/back/status").status_code == 404


def test_the_page_has_the_form_without_the_browser_call_and_needs_no_login(cb_app):
    c = cb_app.test_client()
    r = c.get("/call")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="callback"' in html and 'id="widget"' not in html and "jssip" not in html
    assert 'value="sales"' in html and "widget-callback.js" in html
    assert " style=" not in html and " onclick=" not in html
    csp = r.headers["Content-Security-Policy"]
    assert "connect-src 'self';" in csp and "frame-ancestors 'none'" in csp


def test_requests_take_json_within_sizes_and_statuses_a_token(cb_app):
    c = cb_app.test_client()
    assert c.post("/call/back/request", data={"number": "13700000001"}).status_code == 415      # a form: no
    assert c.post("/call/back/request", data="x" * 9000, content_type="application/json").status_code == 413
    assert c.post("/call/back/request", data="[1]", content_type="application/json").status_code == 400
    for body in ({}, {"number": "call me"}, {"number": "12"}, {"number": "1" * 33}, {"number": ["13700000001"]},
                 {"number": "13700000001", "name": "x" * 101}, {"number": "13700000001", "note": "y" * 501},
                 {"number": "13700000001", "name": "a\x00b"}):
        assert c.post("/call/back/request", json=body).status_code == 400, body
    assert c.post("/call/back/request", json={"number": "13700000001", "queue": "vip"}).status_code == 404
    assert c.get("/call/back/status").status_code == 404
    assert c.get("/call/back/status", headers={TOKEN: "made-up"}).status_code == 404
    assert c.post("/call/back/cancel", json={}, headers={TOKEN: "x" * 500}).status_code == 404
    assert c.post("/call/back/cancel", json={}).status_code == 404       # (no CSRF token needed: none is reached)


def test_brakes_per_address_and_per_number(cb_app):
    c = cb_app.test_client()
    a = {"REMOTE_ADDR": "192.0.2.1"}
    for _ in range(2):          # counted before the ACD is asked (here it is away: 503)
        assert c.post("/call/back/request", json={"number": "13700000001"}, environ_base=a).status_code == 503
    r = c.post("/call/back/request", json={"number": "13700000002"}, environ_base=a)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 3000
    # one number from many addresses: three a day
    for i in range(2, 4):
        r = c.post("/call/back/request", json={"number": "137 0000 0001"}, environ_base={"REMOTE_ADDR": f"192.0.2.{i}"})
        assert r.status_code == (503 if i == 2 else 429), i
    assert c.post("/call/back/request", json={"number": "13700000003"},
                  environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code == 503


def write_config(tmp_path, queues: str, webadmin: str) -> str:
    conf = tmp_path / "telephonist.toml"
    conf.write_text(textwrap.dedent(f"""
        [system]
        prompts_dir = "{tmp_path / 'prompts'}"
        state_dir = "{tmp_path}"
        [database]
        url = "sqlite:///{tmp_path / 'telephonist.db'}"
        [[spans]]
        name = "out"
        driver = "sim"
        type = "e1"
        channels = 2
        [[trunk_groups]]
        name = "out"
        lines = ["out/*"]
        [acd]
        outbound_trunk_group = "out"
        [webadmin]
        """) + webadmin + "\n" + textwrap.dedent(queues))
    return str(conf)


GOOD = """
[[queues]]
name = "sales"
web_callback = { numbers = "1[3-9][0-9]{9}", max_open = 2 }
callback = { retries = 2, retry_after_s = 600 }
"""


@pytest.mark.parametrize("queues,webadmin,where", [
    (GOOD.replace("name = \"sales\"", "name = \"other\""), 'callback_queues = ["sales"]', "takes web callbacks"),
    (GOOD, 'callback_queues = ["sales"]\ncallback_starts_per_hour = 0', "callback_starts_per_hour"),
    (GOOD.replace('"1[3-9]', '"(1[3-9]'), "", "not a regular expression"),
    (GOOD.replace('"1[3-9][0-9]{9}"', '"[0-9]*"'), "", "numbers"),
    (GOOD.replace("max_open = 2", "max_open = 0"), "", "max_open"),
    (GOOD.replace("retries = 2", "retries = 11"), "", "retries"),
    (GOOD + 'media = "chat"\n', "", "web_callback is for a voice queue"),
])
def test_the_configuration_checks_the_settings(tmp_path, queues, webadmin, where):
    with pytest.raises(ConfigError, match=rf"telephonist.toml:\d+: .*{where}"):
        load_config(write_config(tmp_path, queues, webadmin))


def test_the_settings_reach_the_console_and_the_acd(tmp_path):
    from telephonist.webadmin.config import from_telephonist_config
    path = write_config(tmp_path, GOOD, 'callback_queues = ["sales"]\ncallback_per_number_per_day = 5')
    q = load_config(path).queues[0]
    assert (q.web_callback.numbers, q.web_callback.max_open, q.callback.retries) == ("1[3-9][0-9]{9}", 2, 2)
    web = from_telephonist_config(path)
    assert (web.callback_queues, web.callback_per_number_per_day, web.callback_starts_per_hour) == (("sales",), 5, 5)
    assert load_config(write_config(tmp_path, "[[queues]]\nname = \"sales\"\n", "")).queues[0].web_callback is None


QUEUES = """
[[queues]]
name = "sales"
web_callback = {}
"""
AGENTS = """
[[agents]]
number = "1001"
extension = "8001"
queues = ["sales"]
"""


async def test_a_request_through_the_console_waits_its_turn_is_cancelled_and_shows_in_the_timeline(tmp_path):
    (tmp_path / "recordings").mkdir()
    async with running_acd(tmp_path, QUEUES, AGENTS, acd='outbound_trunk_group = "out"\n',
                           trunk_groups=[TrunkGroupSpec("out", ["callers/*"])]) as acd:
        m = acd.desk.mark()
        await acd.call(caller="13900000001")
        await acd.queued("13900000001", since=m)
        app = await asyncio.to_thread(create_app, WebConfig(
            database_url=f"sqlite:///{tmp_path / 'telephonist.db'}", control_socket=acd.chand.socket,
            recordings_dir=str(tmp_path / "recordings"), live_feed=True, testing=True, password_method=FAST_HASH,
            callback_queues=("sales",)))
        feed = app.extensions["chand_feed"]
        try:
            assert await asyncio.to_thread(feed.wait_connected, 15)
            c = app.test_client()

            def post(path, body, token=""):
                return c.post(path, json=body, headers={TOKEN: token} if token else {})
            r = await asyncio.to_thread(post, "/call/back/request", {"number": "137-0000-0001", "name": "Zhang San",
                                                                     "note": "the router"})
            assert r.status_code == 200, r.get_data(as_text=True)
            token = r.json["token"]
            assert r.json["request"] == {"state": "waiting", "position": 2, "attempts": 0}
            assert "Set-Cookie" not in r.headers and r.headers["Cache-Control"] == "no-store"
            r = await asyncio.to_thread(post, "/call/back/request", {"number": "13700000001"})
            assert r.status_code == 429 and r.json["error"]["code"] == "too_many"    # one open per number
            r = await asyncio.to_thread(post, "/call/back/request", {"number": "4008001234"})
            assert r.status_code == 400                                              # not a number we call back
            r = await asyncio.to_thread(c.get, "/call/back/status", headers={TOKEN: token})
            assert r.json["request"]["position"] == 2
            r = await asyncio.to_thread(post, "/call/back/cancel", {}, token)
            assert r.json["request"]["state"] == "cancelled"
            r = await asyncio.to_thread(c.get, "/call/back/status", headers={TOKEN: token})
            assert r.json["request"]["state"] == "cancelled"
            assert (await acd.ask("status"))["queues"][0]["waiting"] == 1
            with db.reading(app) as conn:
                [customer] = crm_store.by_phone(conn, "13700000001")
                entries = [e for e in timeline.whole(conn, crm_store.get(conn, customer["id"]))
                           if e["kind"] == "callback"]
            assert customer["name"] == "Zhang San"
            assert len(entries) == 1 and "cancelled" in entries[0]["summary"] and "the router" in entries[0]["summary"]
        finally:
            await asyncio.to_thread(feed.stop)
            db.engine(app).dispose()
