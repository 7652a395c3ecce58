"""Queues and agents edited in the web admin: the text goes to its own conf.d file, checked with the whole
configuration (problems against their lines, nothing written), and a real ACD applies it through chand's
`request` reload; a change the ACD refuses (a queue taken away while a caller waits in it) puts the file
back; a user without the right cannot change anything."""
from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from html import unescape

import pytest
from sqlalchemy import select

from telephonist.webadmin import create_app, db
from telephonist.webadmin.schema import audit_log
from tests.support.chand_process import connect, start_chand
from tests.support.config_text import agent_phones
from tests.support.daemon_process import Daemon
from tests.webadmin.site_support import site_web_config
from tests.webadmin.support import login, make_users, page_csrf

pytestmark = pytest.mark.slow       # chand and the ACD as daemons

ACD_SITE = agent_phones(["8001", "8002"]) + """
[[routes]]
dialled = "4009*"
application = "queue:sales"

[acd]
agents_trunk_group = "desks"

[[queues]]
name = "sales"
wrapup_s = 1

[[agents]]
number = "1001"
name = "Li Wei"
extension = "8001"
queues = ["sales"]
"""

SUPPORT = '\n[[queues]]\nname = "support"\nstrategy = "skills"\nskills = { french = 5 }\n'
AGENT_2 = '\n[[agents]]\nnumber = "1002"\nextension = "8002"\nqueues = ["support"]\nskills = { french = 7 }\n'


async def _acd(sock: str, body: dict) -> dict:
    c = await connect(sock, "test", role="admin")
    try:
        return await c.request("queue", body)
    finally:
        await c.close()


async def _call_waits(sock: str) -> None:
    """A caller dials the sales queue (nobody is ready) and is waiting in it."""
    c = await connect(sock, "tester")
    try:
        await c.call("subscribe", lines=False, topics=["queue"])
        mark = c.mark()
        await c.call("sim.call", span="e1a", caller="13800000001", dialled="4009")
        await c.wait_for(lambda e: e.get("event") == "published" and e["body"]["kind"] == "caller_joined"
                         and e["body"]["queue"] == "sales", since=mark, timeout=60)
    finally:
        await c.close()


def _problems(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_queues_page_checks_writes_and_has_the_acd_apply(site):
    cfg = site / "telephonist.toml"
    cfg.write_text(cfg.read_text() + ACD_SITE)
    owned = site / "conf.d" / "91-webadmin-acd.toml"
    sock = str(site / "state" / "chand.sock")
    chand = start_chand(cfg)
    acd = Daemon("acd", str(cfg))
    app = None
    try:
        asyncio.run(acd.ready())
        app = create_app(replace(site_web_config(cfg), live_feed=True))
        make_users(app)
        assert app.extensions["chand_feed"].wait_connected(30)
        c = app.test_client()

        login(c, "super")                                   # may look, may not change
        page = c.get("/config/queues/").get_data(as_text=True)
        assert 'data-queue="sales"' in page and 'data-agent="1001"' in page and 'id="apply"' not in page
        r = c.post("/config/queues/", data={"text": "", "action": "apply", "csrf_token": page_csrf(c, "/config/queues/")})
        assert r.status_code == 403 and not owned.exists()
        c.get("/logout")

        login(c, "admin")
        page = c.get("/config/queues/").get_data(as_text=True)
        assert "not written yet" in page and 'name = &#34;sales&#34;' in page
        token = page_csrf(c, "/config/queues/")
        text = re.search(r'<textarea name="text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
        text = unescape(text)

        # a mistake is shown against its line and nothing is written
        bad = text + SUPPORT.replace('"skills"', '"fastest"')
        r = c.post("/config/queues/", data={"text": bad, "action": "apply", "csrf_token": token})
        line = bad.splitlines().index('strategy = "fastest"') + 1
        assert r.status_code == 422 and not owned.exists()
        assert f'data-line="{line}"' in r.get_data(as_text=True) and "unknown strategy" in _problems(r.get_data(as_text=True))
        # the file is the ACD's tables only
        r = c.post("/config/queues/", data={"text": text + '\n[routing]\ndefault = "hangup"\n', "action": "apply",
                                           "csrf_token": token})
        assert r.status_code == 422 and "does not belong here" in _problems(r.get_data(as_text=True))
        # Check alone never writes
        r = c.post("/config/queues/", data={"text": text + SUPPORT, "action": "check", "csrf_token": token})
        assert r.status_code == 200 and 'id="check-ok"' in r.get_data(as_text=True) and not owned.exists()

        # a good one: written, and the running ACD has the new queue and agent
        r = c.post("/config/queues/", data={"text": text + SUPPORT + AGENT_2, "action": "apply", "csrf_token": token})
        assert r.status_code == 302, _problems(r.get_data(as_text=True))
        assert "Applied" in c.get("/config/queues/").get_data(as_text=True)
        assert owned.read_text().startswith("# Written by the Telephonist web admin")
        asyncio.run(acd.ready())
        status = asyncio.run(_acd(sock, {"action": "status"}))
        assert [q["queue"] for q in status["queues"]] == ["sales", "support"]
        assert {a["agent"] for a in status["agents"]} == {"1001", "1002"}
        with db.reading(app) as conn:
            entry = conn.execute(select(audit_log).where(audit_log.c.action == "queues_apply")).one()
        assert '+name = "support"' in json.loads(entry.detail)["diff"]

        # taking away a queue a caller waits in: the ACD refuses, the file goes back
        asyncio.run(_call_waits(sock))
        kept = owned.read_text()
        without_sales = kept.replace('[[queues]]\nname = "sales"\nwrapup_s = 1\n', "").replace(
            'queues = ["sales"]', "queues = []")
        r = c.post("/config/queues/", data={"text": without_sales, "action": "apply", "csrf_token": token})
        assert r.status_code == 422 and "has callers" in _problems(r.get_data(as_text=True))
        assert owned.read_text() == kept

        # the ACD stopped: the file is saved, and the page says the ACD reads it when it starts
        acd.stop()
        r = c.post("/config/queues/", data={"text": kept.replace("wrapup_s = 1", "wrapup_s = 2"), "action": "apply",
                                           "csrf_token": token})
        assert r.status_code == 302 and "wrapup_s = 2" in owned.read_text()
        assert "the ACD is not running" in c.get("/config/queues/").get_data(as_text=True)
    finally:
        if app is not None:
            app.extensions["chand_feed"].stop()
            db.engine(app).dispose()
        acd.stop()
        if chand.poll() is None:
            chand.terminate()
            chand.communicate(timeout=30)
