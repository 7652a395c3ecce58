"""The Conferences page against a real chand core (sim E1, lockstep clock) with two callers in a room:
the page lists them, a supervisor mutes, locks and removes through it (each audited, chand's room changes),
the live channel streams the changes, and an agent is refused the page, its actions and its stream."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import replace

import sqlalchemy as sa

from telephonist.config.conference import ConferenceConfig
from telephonist.webadmin import create_app, db
from tests.support.chand_harness import SpanSpec, running_chand
from tests.webadmin.live_support import EventStream, served, session_cookie
from tests.webadmin.support import login, make_users, page_csrf

ROOM = ConferenceConfig("board", entry_tone=False, exit_tone=False, record=False)


@asynccontextmanager
async def room_and_console(tmp_path, web_config):
    """Two sim callers in room "board" (an application answers them and puts them in), and the console."""
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 4)], default_route="app:host",
                             conferences=(ROOM,)) as chand:
        host = await chand.client("host")

        async def on_offer(ev):
            await host.call("answer", chan=ev["chan"])

        async def on_answered(ev):
            await host.call("conf_enter", chan=ev["chan"], conf="board")
        host.on("offer", on_offer)
        host.on("answered", on_answered)
        tester = await chand.client("tester")
        await tester.call("subscribe", lines=True)
        app = await asyncio.to_thread(create_app, replace(web_config, control_socket=chand.socket, live_feed=True))
        make_users(app)
        feed = app.extensions["chand_feed"]
        try:
            assert await asyncio.to_thread(feed.wait_connected, 15), "the web admin did not reach chand"
            for i, number in enumerate(("13911110001", "13911110002"), start=1):
                await tester.call("sim.call", chan=f"e1a/{i}", caller=number, dialled="4009001")
            await wait_until(feed, lambda: len(parties(feed)) == 2)
            yield chand, app, tester
        finally:
            await asyncio.to_thread(feed.stop)
            db.engine(app).dispose()


def parties(feed) -> list[dict]:
    rooms = feed.conference_rooms()
    return rooms[0]["parties"] if rooms else []


async def wait_until(feed, pred, timeout: float = 20.0) -> None:
    """The feed's room table changes on its own thread as chand's events arrive: look again at each change."""
    loop = asyncio.get_running_loop()
    changed = asyncio.Event()

    def on_change(_msg: dict) -> None:
        loop.call_soon_threadsafe(changed.set)
    feed.add_room_listener(on_change)
    try:
        async with asyncio.timeout(timeout):
            while not pred():
                await changed.wait()
                changed.clear()
    except TimeoutError:
        raise AssertionError("the feed never got there") from None
    finally:
        feed.remove_room_listener(on_change)


def audit_actions(app) -> list[tuple[str, str, str]]:
    with db.engine(app).connect() as conn:
        rows = conn.execute(sa.text("SELECT action, target, detail FROM wa_audit_log ORDER BY id")).all()
    return [(r.action, r.target, r.detail) for r in rows if r.action.startswith("conference_")]


async def test_a_supervisor_mutes_locks_and_removes_and_the_page_follows(tmp_path, web_config):
    async with room_and_console(tmp_path, web_config) as (chand, app, tester):
        feed = app.extensions["chand_feed"]
        client = app.test_client()
        login(client, "super")
        html = (await asyncio.to_thread(client.get, "/conferences/")).get_data(as_text=True)
        assert "13911110001" in html and "13911110002" in html and "2 / 30" in html
        token = await asyncio.to_thread(page_csrf, client, "/conferences/")

        async with served(app) as server:
            stream = await EventStream.open(server.port, client.get_cookie("telephonist").value, "/conferences/events")
            assert stream.status == 200
            kind, first = await stream.next()
            assert kind == "rooms" and sorted(p["caller"] for p in first["rooms"][0]["parties"]) == [
                "13911110001", "13911110002"]
            # without the CSRF token: refused, nothing changes
            r = await asyncio.to_thread(client.post, "/conferences/board/mute", data={"chan": "e1a/1"})
            assert r.status_code in (400, 403)
            r = await asyncio.to_thread(client.post, "/conferences/board/mute",
                                        data={"chan": "e1a/1", "csrf_token": token})
            assert r.status_code == 302
            room = chand.board.conferences.rooms["board"]
            assert {p.line.name: p.muted for p in room.parties.values()} == {"e1a/1": True, "e1a/2": False}
            while True:                     # the stream says so
                kind, msg = await stream.next()
                if kind == "room" and any(p["muted"] for p in msg["room"]["parties"] if p["chan"] == "e1a/1"):
                    break
            await stream.close()

        r = await asyncio.to_thread(client.post, "/conferences/board/lock", data={"csrf_token": token})
        assert r.status_code == 302 and room.locked
        mark = tester.mark()
        r = await asyncio.to_thread(client.post, "/conferences/board/kick", data={"chan": "e1a/2", "csrf_token": token})
        assert r.status_code == 302
        await tester.wait_for("line_state", chan="e1a/2", state="idle", since=mark)
        await wait_until(feed, lambda: len(parties(feed)) == 1)
        html = (await asyncio.to_thread(client.get, "/conferences/")).get_data(as_text=True)
        assert "13911110002" not in html and "Unlock" in html and "Unmute" in html
        assert [(a, t) for a, t, _ in audit_actions(app)] == [("conference_mute", "board"), ("conference_lock", "board"),
                                                              ("conference_kick", "board")]
        # a party that is not there: chand's refusal is shown, nothing is audited
        r = await asyncio.to_thread(client.post, "/conferences/board/kick", data={"chan": "e1a/4", "csrf_token": token})
        assert r.status_code == 302
        assert "e1a/4 is not in conference board" in (await asyncio.to_thread(client.get, "/conferences/")).get_data(as_text=True)
        assert len(audit_actions(app)) == 3


async def test_an_agent_may_not_see_or_act(tmp_path, web_config):
    async with room_and_console(tmp_path, web_config) as (chand, app, tester):
        client = app.test_client()
        login(client, "agent1")
        assert (await asyncio.to_thread(client.get, "/conferences/")).status_code == 403
        token = await asyncio.to_thread(page_csrf, client, "/calls/")
        for action in ("mute", "kick", "lock"):
            r = await asyncio.to_thread(client.post, f"/conferences/board/{action}",
                                        data={"chan": "e1a/1", "csrf_token": token})
            assert r.status_code == 403
        assert not chand.board.conferences.rooms["board"].locked
        assert [p.muted for p in chand.board.conferences.rooms["board"].parties.values()] == [False, False]
        async with served(app) as server:
            stream = await EventStream.open(server.port, session_cookie(app, "agent1"), "/conferences/events")
            assert stream.status == 403
            await stream.close()
        assert audit_actions(app) == []
