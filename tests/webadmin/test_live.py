"""The live feed against a real chand core: a sim call appears, is seen over SSE, ends; originate dials."""
from __future__ import annotations

import asyncio
import json

from tests.webadmin.live_support import EventStream, chand_and_webadmin, next_line, served, session_cookie
from tests.webadmin.support import login


async def test_a_sim_call_appears_on_the_board_and_ends(tmp_path, web_config):
    async with chand_and_webadmin(tmp_path, web_config) as (chand, app, desk, tester):
        feed = app.extensions["chand_feed"]
        snap = feed.snapshot()
        assert snap["connected"] and {ln["chan"] for ln in snap["lines"]} >= {"e1a/1", "e1a/4", "e1b/2"}
        assert all(ln["state"] == "idle" for ln in snap["lines"])
        q = feed.subscribe()
        r = await tester.call("sim.call", chan="e1a/2", caller="13912345678", dialled="4008001234")
        up = await next_line(q, lambda ln: ln["chan"] == "e1a/2" and ln["state"] == "up")
        assert up["caller"] == "13912345678" and up["dialled"] == "4008001234"

        # a browser's event stream starts with the snapshot that has the call in it
        client = app.test_client()
        login(client, "super")
        async with served(app) as server:
            stream = await EventStream.open(server.port, client.get_cookie("telephonist").value)
            assert stream.status == 200 and stream.headers["content-type"].startswith("text/event-stream")
            assert "x-telephonist-stream" not in stream.headers          # the admission ticket stays inside
            kind, first = await stream.next()
            assert kind == "snapshot" and first["connected"]
            line = next(ln for ln in first["lines"] if ln["chan"] == "e1a/2")
            assert line["state"] == "up" and line["caller"] == "13912345678"
            # an agent sees that the line is busy, not whose call it is
            agent = await EventStream.open(server.port, session_cookie(app, "agent1"))
            _, masked = await agent.next()
            assert next(ln for ln in masked["lines"] if ln["chan"] == "e1a/2")["caller"] == "***"
            # without a session: the login page; without the right: refused
            anonymous = await EventStream.open(server.port, "nonsense")
            assert anonymous.status == 302 and anonymous.headers["location"].startswith("/login")
            for s in (stream, agent, anonymous):
                await s.close()

        # the desk ends its recording while the call is up (a recording cut by the hang-up is not
        # written into the call record by chand today), then the caller hangs up
        rec_id = await asyncio.wait_for(desk.recording("e1a/2"), 10)
        await desk.call("stop_record", chan="e1a/2", recording=rec_id)
        done = await desk.wait_for("record_done", chan="e1a/2", since=0)
        assert done["path"].startswith(web_config.recordings_dir)
        await tester.call("sim.hangup", far=r["far"])
        await next_line(q, lambda ln: ln["chan"] == "e1a/2" and ln["state"] == "idle")
        feed.unsubscribe(q)

        await desk.wait_for("ended", chan="e1a/2", since=0)
        await chand.board.recorder.drain()
        html = client.get("/calls/?caller=13912345678").get_data(as_text=True)
        leg, = await chand.store.recent(5)
        assert f'href="/calls/{leg.id}"' in html
        assert leg.recording_path and client.get(f"/calls/{leg.id}/recording").status_code == 200


def _token(app, username: str) -> str:
    from sqlalchemy import select
    from telephonist.webadmin import accounts, db
    from telephonist.webadmin.schema import users
    with db.writing(app) as conn:
        uid = conn.execute(select(users.c.id).where(users.c.username == username)).scalar_one()
        return accounts.create_token(conn, uid, f"crm-{username}")[1]


async def test_the_api_status_shows_numbers_only_to_tokens_that_may_see_every_call(tmp_path, web_config):
    async with chand_and_webadmin(tmp_path, web_config) as (chand, app, desk, tester):
        q = app.extensions["chand_feed"].subscribe()
        await tester.call("sim.call", chan="e1a/3", caller="13912345678", dialled="4008001234")
        await next_line(q, lambda ln: ln["chan"] == "e1a/3" and ln["state"] == "up")
        client = app.test_client()

        def status(user: str) -> dict:
            r = client.get("/api/status", headers={"Authorization": f"Bearer {_token(app, user)}"})
            assert r.status_code == 200
            return next(ln for ln in r.json["lines"] if ln["chan"] == "e1a/3")
        line = await asyncio.to_thread(status, "agent1")           # live.view, but not calls.all
        assert line["state"] == "up" and (line["caller"], line["dialled"]) == ("***", "***")
        assert "13912345678" not in json.dumps(line)
        line = await asyncio.to_thread(status, "super")            # calls.all
        assert (line["caller"], line["dialled"]) == ("13912345678", "4008001234")


async def test_originate_through_the_api_dials_and_hands_the_answered_call_over(tmp_path, web_config):
    async with chand_and_webadmin(tmp_path, web_config) as (chand, app, desk, tester):
        from telephonist.webadmin import accounts, db
        from sqlalchemy import select
        from telephonist.webadmin.schema import users
        with db.writing(app) as conn:
            uid = conn.execute(select(users.c.id).where(users.c.username == "super")).scalar_one()
            secret = accounts.create_token(conn, uid, "crm")[1]
        client = app.test_client()
        offered = desk.expect("offer", reason="originate")      # the reason the web admin gives
        r = await asyncio.to_thread(client.post, "/api/calls/originate", headers={"Authorization": f"Bearer {secret}"},
                                    json={"trunk_group": "out", "number": "13800001111", "handoff": "app:desk"})
        assert r.status_code == 202, r.json
        chan = r.json["chan"]
        assert chan.startswith("e1b/")
        offer = await asyncio.wait_for(offered, 30)
        assert offer["chan"] == chan and offer["previous"].startswith("webadmin#")
        bad = await asyncio.to_thread(client.post, "/api/calls/originate", headers={"Authorization": f"Bearer {secret}"},
                                      json={"trunk_group": "nope", "number": "1"})
        assert bad.status_code in (400, 404) and bad.json["error"]["code"] in ("not_found", "bad_request")
