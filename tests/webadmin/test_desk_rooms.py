"""The desktop's conference rooms on a real chand, ACD, ivrd and console: an agent takes its caller into a room
(as the room's leader, no PIN), invites a third sim line by number (the console dials it and hands it to
conf:ROOM, the Conferences page's invitation), all three hear each other, the agent mutes then removes the
invited party, leaves, and the room goes on; an agent not in the room, and any request for another agent, are
refused; the session's recording exists."""
from __future__ import annotations

import asyncio
import os
import threading

import pytest

from telephonist.config.conference import ConferenceConfig
from tests.acd.harness import AcdUnderTest
from tests.support.chand_harness import TrunkGroupSpec
from tests.support.ivrd_harness import make_prompt
from tests.webadmin.desk_support import desk_site
from tests.webadmin.live_support import EventStream, session_cookie
from tests.webadmin.support import csrf_from
from tests.webadmin.test_desk import act, logged_in, next_of, page

ROOMS = (ConferenceConfig("huddle", pin="2468", entry_tone=False, exit_tone=False),
         ConferenceConfig("solo", max_parties=1, record=False, entry_tone=False, exit_tone=False))
SITE = dict(acd='outbound_trunk_group = "out"\n', trunk_groups=[TrunkGroupSpec("out", ["callers/*"])],
            conferences=ROOMS)


def heard(acd: AcdUnderTest, far: str, since: int) -> str:
    return "".join(e["digit"] for e in acd.tester.events.since(since) if e.get("what") == "dtmf" and e.get("far") == far)


async def hear(acd: AcdUnderTest, far: str, digit: str, since: int) -> None:
    await acd.tester.wait_for(lambda e: e.get("what") == "dtmf" and e.get("far") == far and e.get("digit") == digit,
                              since=since)


async def room_now(acd: AcdUnderTest, pred, since: int) -> dict:
    """The room as chand tells it, once `pred` holds."""
    ev = await acd.tester.wait_for(lambda e: e.get("event") == "conference" and e["room"]["name"] == "huddle"
                                   and pred(e["room"]), since=since)
    return ev["room"]


async def shown_when(app, client, pred, within_s: float = 15.0) -> dict:
    """The desk's view of the agent's room (GET /agent/room) once it agrees with pred: the console's feed hears
    chand's conference events a little after the tester does, so each new look waits for the feed's room news."""
    loop = asyncio.get_running_loop()
    news = threading.Event()
    feed = app.extensions["chand_feed"]

    def on_news(_msg) -> None:
        news.set()
    feed.add_room_listener(on_news)
    try:
        deadline = loop.time() + within_s
        while True:
            news.clear()
            room = (await page(client, "/agent/room")).get_json()["room"]
            left = deadline - loop.time()
            if pred(room) or left <= 0:
                return room
            await asyncio.to_thread(news.wait, left)
    finally:
        feed.remove_room_listener(on_news)


async def post(client, path: str, **form):
    token = csrf_from((await page(client, "/agent/")).get_data(as_text=True))
    return await asyncio.to_thread(client.post, path, data={**form, "csrf_token": token})


@pytest.mark.long
async def test_agent_takes_the_caller_into_a_room_invites_mutes_and_removes(tmp_path):
    for lang in ("zh", "en"):
        for name in ("enter-pin", "wrong-pin", "goodbye", "full", "locked"):
            make_prompt(str(tmp_path / "prompts" / lang / "conf" / f"{name}.wav"))
    async with desk_site(tmp_path, **SITE) as site:
        acd, t = site.acd, site.acd.tester
        phone = acd.phone("8001")
        for i in range(1, 9):
            await t.call("sim.take", far=f"callers/{i}~far")
        agent1, agent2 = await logged_in(site.app, "agent1"), await logged_in(site.app, "agent2")
        stream = await EventStream.open(site.served.port, session_cookie(site.app, "agent1"), "/agent/events")
        stream.agent = "1001"
        try:
            rung = t.mark()
            assert (await act(agent1, "login", extension="8001")).status_code == 200
            assert (await act(agent1, "ready")).status_code == 200
            caller = await site.caller_to_queue("13912345678", "12345678")
            await site.lift("8001", rung)
            await next_of(stream, "agent_state", state="on_call")

            # no room yet: nothing to show, nothing to manage; a room too small for the two refuses both
            assert (await page(agent1, "/agent/room")).get_json() == {"room": None}
            assert (await act(agent1, "conf_kick", chan="callers/1")).status_code == 403
            r = await act(agent1, "conf_take", room="solo")
            assert r.status_code == 409 and r.get_json()["error"]["code"] == "conference_full"
            assert (await act(agent1, "conf_take", room="nosuch")).status_code == 404

            # into the room (its PIN is not asked: the ACD answers for the agent, who is its leader)
            mark = t.mark()
            r = await act(agent1, "conf_take", room="huddle")
            assert r.status_code == 200, r.get_data(as_text=True)
            changed = await next_of(stream, "agent_state", signal="room")
            assert changed["room"] == "huddle" and changed["state"] == "on_call"
            room = await room_now(acd, lambda r: len(r["parties"]) == 2, mark)
            leaders = {p["chan"]: p["leader"] for p in room["parties"]}
            customer_chan = next(c for c in leaders if c.startswith("callers/"))
            assert leaders == {customer_chan: False, "phones/1": True}       # the agent's phone leads
            assert room["recording"] and "conf-huddle-" in room["recording"]
            assert (await act(agent1, "hold")).status_code == 409      # the room's controls now

            # the agent invites a third line by number: the console dials it and hands it to conf:huddle,
            # where the invited party keys the room's PIN like anyone dialling in
            mark = t.mark()
            r = await post(agent1, "/agent/room/invite", number="13800002222")
            assert r.status_code == 200, r.get_data(as_text=True)
            dialled = await t.wait_for(lambda e: e.get("what") == "dialled" and e.get("number") == "13800002222",
                                       since=mark)
            invited = dialled["far"]
            await site.monitor.wait_for(lambda e: e.get("event") == "call_event" and e.get("what") == "collect_start"
                                        and e.get("chan") == r.get_json()["reply"]["chan"], since=0, timeout=30)
            await t.call("sim.dtmf", far=invited, digits="2468#")
            room = await room_now(acd, lambda r: len(r["parties"]) == 3, mark)
            invited_chan = r.get_json()["reply"]["chan"]
            assert invited_chan in [p["chan"] for p in room["parties"]]
            shown = await shown_when(site.app, agent1, lambda r: r and len(r["parties"]) == 3)
            assert shown["name"] == "huddle" and {p["chan"] for p in shown["parties"]} == {"phones/1", customer_chan,
                                                                                          invited_chan}

            # all three hear each other (each keys a digit of its own)
            for far, digit in ((caller, "1"), (phone, "2"), (invited, "3")):
                mark = t.mark()
                await t.call("sim.dtmf", far=far, digits=digit)
                for other in {caller, phone, invited} - {far}:
                    await hear(acd, other, digit, mark)

            # another agent may not act on the room, nor an agent for another
            assert (await act(agent2, "conf_mute", chan=invited_chan)).status_code == 403
            assert (await act(agent2, "conf_kick", chan=invited_chan)).status_code == 403
            assert (await post(agent2, "/agent/room/invite", number="13800003333")).status_code == 403
            assert (await page(agent2, "/agent/room")).get_json() == {"room": None}
            admin = await logged_in(site.app, "admin")                  # desk.use, but no agent ID
            assert (await page(admin, "/agent/room")).status_code == 403
            no_token = await asyncio.to_thread(agent1.post, "/agent/room/invite", data={"number": "13800003333"})
            assert no_token.status_code == 400                          # the CSRF token is checked first
            assert (await act(agent1, "conf_kick", chan=invited_chan, agent="1002")).status_code == 403

            # muted: the invited party is heard by nobody, and still hears (what the caller says next shows that
            # the muted party's digit would have arrived)
            mark = t.mark()
            assert (await act(agent1, "conf_mute", chan=invited_chan)).status_code == 200
            await room_now(acd, lambda r: any(p["chan"] == invited_chan and p["muted"] for p in r["parties"]), mark)
            mark = t.mark()
            await t.call("sim.dtmf", far=invited, digits="4")
            await t.call("sim.dtmf", far=caller, digits="5")
            await hear(acd, phone, "5", mark)
            await hear(acd, invited, "5", mark)
            assert "4" not in heard(acd, phone, mark) and "4" not in heard(acd, caller, mark)

            # removed: its line goes down, the room has two
            mark = t.mark()
            assert (await act(agent1, "conf_kick", chan=invited_chan)).status_code == 200
            await t.wait_for("line_state", chan=invited_chan, state="idle", since=mark)
            await room_now(acd, lambda r: len(r["parties"]) == 2, mark)

            # the agent leaves (wrap-up); the room goes on with the caller; the caller's leaving ends the session,
            # whose recording is one file
            mark = t.mark()
            assert (await act(agent1, "hangup")).status_code == 200
            await next_of(stream, "agent_state", state="wrap_up")
            room = await room_now(acd, lambda r: len(r["parties"]) == 1, mark)
            assert room["parties"][0]["chan"] == customer_chan
            assert (await act(agent1, "conf_kick", chan=room["parties"][0]["chan"])).status_code == 403
            await t.call("sim.hangup", far=caller)
            await t.wait_for("line_state", chan=customer_chan, state="idle", since=mark)     # no line left behind
            done = await t.wait_for(lambda e: e.get("event") == "conference_recorded", since=mark)
            assert os.path.getsize(done["path"]) > 44 and done["ms"] > 0
            assert "conf-huddle-" in os.path.basename(done["path"])
        finally:
            await stream.close()
            await t.call("sim.hangup", far=phone)
