"""Trunk groups and routes edited in the web admin go to its own conf.d file and a real chand applies them
with `reload`; a bad row is shown against itself and nothing is written; a later file that would win is
refused; without chand the file is saved and said to be unapplied."""
from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace

from sqlalchemy import select

from telephonist.config import load_config
from telephonist.webadmin import create_app, db
from telephonist.webadmin.schema import audit_log
from tests.webadmin.site_support import site_web_config
from tests.support.chand_process import connect, start_chand
from tests.webadmin.support import login, make_users, page_csrf


async def _status(sock: str) -> dict:
    c = await connect(sock, "test", role="monitor")
    try:
        return await c.call("status")
    finally:
        await c.close()


def _form(groups, routes, default="ivr:main", fax=""):
    data = {"default": default, "fax": fax}
    for i, (name, lines, hunting) in enumerate(groups):
        data.update({f"g-{i}-name": name, f"g-{i}-lines": lines, f"g-{i}-hunting": hunting, f"g-{i}-max_calls": "0"})
    for i, (dialled, application) in enumerate(routes):
        data.update({f"r-{i}-order": str(i + 1), f"r-{i}-dialled": dialled, f"r-{i}-application": application})
    return data


def test_routing_goes_to_the_web_admins_file_and_chand_applies_it(site):
    cfg = site / "telephonist.toml"
    owned = site / "conf.d" / "90-webadmin.toml"
    sock = str(site / "state" / "chand.sock")
    proc = start_chand(cfg)
    app = None
    try:
        assert asyncio.run(_status(sock))["trunk_groups"][0]["name"] == "out"
        app = create_app(replace(site_web_config(cfg), live_feed=True))
        make_users(app)
        assert app.extensions["chand_feed"].wait_connected(30)
        c = app.test_client()
        login(c, "admin")
        page = c.get("/config/routing/").get_data(as_text=True)
        assert 'value="out"' in page and 'value="4008*"' in page and "not written yet" in page
        token = page_csrf(c, "/config/routing/")

        # a line the span does not have: shown against its row, nothing written, chand untouched
        bad = _form([("out", "e1a/*", "ascending"), ("local", "pstn/3-9", "descending")], [("4008*", "ivr:main")])
        r = c.post("/config/routing/", data={**bad, "csrf_token": token})
        html = r.get_data(as_text=True)
        assert r.status_code == 422 and not owned.exists()
        assert '<tr class="bad">' in html and "span &#39;pstn&#39; has 4 channels" in html

        good = _form([("out", "e1a/*", "ascending"), ("local", "pstn/1-2", "descending")],
                     [("4008*", "ivr:main"), ("8008*", "fax:inbox")], fax="fax:inbox")
        r = c.post("/config/routing/", data={**good, "csrf_token": token})
        assert r.status_code == 302
        assert "Applied." in c.get("/config/routing/").get_data(as_text=True)
        text = owned.read_text()
        assert text.startswith("# Written by the Telephonist web admin") and 'dialled = "8008*"' in text
        st = asyncio.run(_status(sock))
        groups = {g["name"]: g for g in st["trunk_groups"]}
        assert groups["local"]["hunting"] == "descending" and groups["local"]["lines"] == ["pstn/1", "pstn/2"]
        with db.reading(app) as conn:
            entry = conn.execute(select(audit_log).where(audit_log.c.action == "routing_apply")).one()
        assert '+name = "local"' in json.loads(entry.detail)["diff"]

        # a later conf.d file that sets routes would win: the page refuses rather than fight it
        later = site / "conf.d" / "95-site.toml"
        later.write_text('[[routes]]\ndialled = "1*"\napplication = "app:x"\n')
        r = c.post("/config/routing/", data={**good, "csrf_token": token})
        assert r.status_code == 409 and str(later) in r.get_data(as_text=True)
        later.unlink()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "event=reload_applied" in out, out

    # chand gone: the file is saved, and the page says it is not applied yet
    app.extensions["chand_feed"].stop()
    again = _form([("out", "e1a/*", "round_robin")], [("4008*", "ivr:main")])
    r = c.post("/config/routing/", data={**again, "csrf_token": token})
    assert r.status_code == 302 and 'hunting = "round_robin"' in owned.read_text()
    assert "chand is not reachable" in c.get("/config/routing/").get_data(as_text=True)
    db.engine(app).dispose()


def test_whole_call_recording_settings_go_to_the_file_and_come_back_to_the_page(site):
    """[routing] record, a trunk group's record and a route's (yes, no, as for every call) are written, load as
    chand reads them and show again on the page, so saving the page as it stands loses none of them."""
    cfg = site / "telephonist.toml"
    app = create_app(site_web_config(cfg))
    make_users(app)
    c = app.test_client()
    login(c, "admin")
    token = page_csrf(c, "/config/routing/")
    form = _form([("out", "e1a/*", "ascending"), ("local", "pstn/1-2", "descending")],
                 [("4008*", "ivr:main"), ("8008*", "ivr:main"), ("9*", "ivr:main")])
    form.update({"record": "on", "g-0-record": "on", "r-0-record": "yes", "r-1-record": "no", "r-2-record": ""})

    r = c.post("/config/routing/", data={**form, "r-1-record": "maybe", "csrf_token": token})
    assert r.status_code == 422 and "record: yes, no or empty" in r.get_data(as_text=True)

    r = c.post("/config/routing/", data={**form, "csrf_token": token})
    assert r.status_code == 302
    loaded = load_config(str(cfg))
    assert loaded.routing.record is True
    assert [g.record for g in loaded.trunk_groups] == [True, False]
    assert [x.record for x in loaded.routes] == [True, False, None]
    page = c.get("/config/routing/").get_data(as_text=True)
    assert 'name="record" checked' in page and 'name="g-0-record" checked' in page
    assert 'name="g-1-record" >' in page
    assert re.search(r'name="r-0-record">.*?<option value="yes" selected>', page)
    assert re.search(r'name="r-1-record">.*?<option value="no" selected>', page)
    assert re.search(r'name="r-2-record"><option value="" selected>', page)
    db.engine(app).dispose()
