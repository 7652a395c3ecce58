"""The desktop's own starts on a real chand, ACD and ivrd: signing in on a persistent line and answering from the
page, keys to the caller, a call out from the page (the phone first, then the customer), and messages between
agents (only to colleagues, only seen by whom they are for)."""
from __future__ import annotations

import asyncio

import pytest

from tests.acd.harness import AcdUnderTest
from tests.support.chand_harness import TrunkGroupSpec
from tests.webadmin.desk_support import desk_site
from tests.webadmin.live_support import EventStream, session_cookie
from tests.webadmin.support import csrf_from
from tests.webadmin.test_desk import act, logged_in, next_of, page

OUT = dict(acd='outbound_trunk_group = "out"\n', trunk_groups=[TrunkGroupSpec("out", ["callers/*"])])


async def heard(acd: AcdUnderTest, far: str, digits: str, since: int) -> None:
    for d in digits:
        await acd.tester.wait_for(lambda e, d=d: e.get("what") == "dtmf" and e["far"] == far and e["digit"] == d,
                                  since=since)


@pytest.mark.long
async def test_persistent_line_answer_keys_call_out_and_messages_from_the_desk(tmp_path):
    async with desk_site(tmp_path, **OUT) as site:
        acd, t = site.acd, site.acd.tester
        phone = acd.phone("8001")
        for i in range(1, 9):
            await t.call("sim.take", far=f"callers/{i}~far")
        agent1, agent2 = await logged_in(site.app, "agent1"), await logged_in(site.app, "agent2")
        stream1 = await EventStream.open(site.served.port, session_cookie(site.app, "agent1"), "/agent/events")
        stream1.agent = "1001"
        stream2 = await EventStream.open(site.served.port, session_cookie(site.app, "agent2"), "/agent/events")
        stream2.agent = "1002"
        try:
            # sign in on a persistent line: the phone rings once, is lifted and stays open
            m, rung = acd.desk.mark(), t.mark()
            assert (await act(agent1, "login", extension="8001", persistent_line="1")).status_code == 200
            await site.lift("8001", rung)
            await acd.desk.wait_for(lambda e: e.get("event") == "published" and e["body"].get("kind") == "agent_line"
                                    and e["body"]["line"] == "open", since=m)
            assert (await act(agent1, "ready")).status_code == 200
            # a caller: the line alerts, the page answers (no ringing), keys go to the caller
            rung = t.mark()
            caller = await site.caller_to_queue("13912345678", "12345678")
            ringing = await next_of(stream1, "agent_state", state="ringing")
            assert ringing["line"] == "open"
            r = await act(agent1, "answer")
            assert r.status_code == 200, r.get_data(as_text=True)
            await next_of(stream1, "agent_state", state="on_call")
            assert not [e for e in t.events.since(rung) if e.get("far") == phone and e.get("what") == "ringing"]
            mark = t.mark()
            assert (await act(agent1, "dtmf", digits="3#")).status_code == 200
            await heard(acd, caller, "3#", mark)
            assert (await act(agent1, "dtmf", digits="x")).status_code == 400
            assert (await act(agent1, "hangup")).status_code == 200
            await next_of(stream1, "agent_state", state="wrap_up")
            assert (await act(agent1, "wrapup_extend", seconds="120")).status_code == 200    # more time for notes
            extended = await next_of(stream1, "agent_state", signal="extend")
            assert extended["state"] == "wrap_up" and extended["wrapup_left_ms"] > 120_000
            assert (await act(agent1, "wrapup_extend", seconds="soon")).status_code == 400

            # a call out from the page: on the open line the customer is dialled at once
            mark = t.mark()
            r = await act(agent1, "dial", number="13800001111")
            assert r.status_code == 200, r.get_data(as_text=True)
            dialled = await t.wait_for(lambda e: e.get("what") == "dialled" and e.get("number") == "13800001111",
                                       since=mark)
            await next_of(stream1, "outbound_answered")
            await t.call("sim.dtmf", far=dialled["far"], digits="7")
            await heard(acd, phone, "7", mark)
            await t.call("sim.hangup", far=dialled["far"])
            await next_of(stream1, "agent_state", state="wrap_up")

            # messages: to a colleague only; the colleague's desk gets it, the sender's too
            r = await post_message(agent1, to="agent:1002", text="VIP next")
            assert r.status_code == 200, r.get_data(as_text=True)
            got = await next_of(stream2, "message")
            assert (got["from"], got["text"]) == ("1001", "VIP next")
            r = await post_message(agent2, to="queue:sales", text="x")
            assert r.status_code == 400
            snap = (await page(agent2, "/agent/")).get_data(as_text=True)
            assert "VIP next" in snap
        finally:
            for s in (stream1, stream2):
                await s.close()
            await t.call("sim.hangup", far=phone)


async def post_message(client, **form):
    token = csrf_from((await page(client, "/agent/")).get_data(as_text=True))
    return await asyncio.to_thread(client.post, "/agent/message", data={**form, "csrf_token": token})


@pytest.mark.long
async def test_the_agent_sends_the_caller_to_an_ivr_step_and_sees_what_it_keyed(tmp_path):
    """The desk's IVR step: the caller keys an ID in ivr:verify, the agent's page is told it is away, then what
    the caller keyed, and the two talk again."""
    async with desk_site(tmp_path) as site:
        acd, t = site.acd, site.acd.tester
        phone = acd.phone("8001")
        agent1 = await logged_in(site.app, "agent1")
        stream = await EventStream.open(site.served.port, session_cookie(site.app, "agent1"), "/agent/events")
        stream.agent = "1001"
        try:
            rung = t.mark()
            assert (await act(agent1, "login", extension="8001")).status_code == 200
            assert (await act(agent1, "ready")).status_code == 200
            caller = await site.caller_to_queue("13912345678", "12345678")
            await site.lift("8001", rung)
            await next_of(stream, "agent_state", state="on_call")
            assert (await act(agent1, "ivr_step", to="queue:sales")).status_code == 400
            m = site.monitor.mark()
            r = await act(agent1, "ivr_step", to="ivr:verify")
            assert r.status_code == 200, r.get_data(as_text=True)
            seen: dict = {}
            while len(seen) < 2:                                    # the page hears both, in either order
                got, data = await stream.next(30)
                if got == "ivr_step_started" or (got == "agent_state" and data["state"] == "on_hold"):
                    seen[got] = data
            assert seen["ivr_step_started"]["to"] == "ivr:verify"
            await site.monitor.wait_for(lambda e: e.get("event") == "call_event" and e.get("what") == "collect_start"
                                        and "policy" in str(e.get("prompt")), since=m, timeout=30)
            await t.call("sim.dtmf", far=caller, digits="4321")
            done = await next_of(stream, "ivr_step_done")
            assert done["back_to"] == "agent:1001" and done["result"]["vars"]["id_number"] == "4321"
            assert await acd.agent_state("1001") == "on_call"     # (its agent_state came before or after)
            mark = t.mark()
            await t.call("sim.dtmf", far=caller, digits="5")
            await heard(acd, phone, "5", mark)
            page_text = (await page(agent1, "/agent/")).get_data(as_text=True)
            assert 'id="ivr-step"' in page_text and 'id="step-result"' in page_text
        finally:
            await stream.close()
            await t.call("sim.hangup", far=phone)
