"""The agent desktop's server side on a real chand, ACD and ivrd (real-time clock): the event stream on the
console's event loop brings an agent its own state changes and its queue's callers and nobody else's; the
screen pop has what the caller did in the IVR and the CRM link; every action is an ACD request for the
user's own agent only (another agent's number, a user without the right or without an agent ID: refused,
nothing changes in the ACD); the disposition and note land in acd_calls."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from html import unescape

import sqlalchemy as sa

import pytest

from telephonist.faxd.schema import faxes
from telephonist.ivrd.schema import voicemail_messages

from tests.webadmin.desk_support import acd_calls, desk_site
from tests.webadmin.live_support import EventStream, session_cookie
from tests.webadmin.support import csrf_from, login

CALLER = "13912345678"
POLICY = "12345678"
NOW = datetime.now(timezone.utc)


async def page(client, path: str):
    return await asyncio.to_thread(client.get, path)


async def act(client, action: str, **form):
    token = csrf_from((await page(client, "/agent/")).get_data(as_text=True))
    return await asyncio.to_thread(client.post, f"/agent/act/{action}", data={**form, "csrf_token": token})


async def logged_in(app, user: str):
    client = app.test_client()
    assert (await asyncio.to_thread(login, client, user)).status_code == 302
    return client


async def next_of(stream: EventStream, kind: str, **fields) -> dict:
    """The next event of that kind whose fields match; any agent_state on the way must be the viewer's own."""
    while True:
        got, data = await stream.next(30)
        if got == "agent_state":
            assert data["agent"] == stream.agent, f"agent {stream.agent}'s desk got {data['agent']}'s state"
        if got == kind and all(data.get(k) == v for k, v in fields.items()):
            return data


@pytest.mark.long
async def test_desk_events_pop_and_wrapup_for_the_agent_only(tmp_path):
    async with desk_site(tmp_path) as site:
        acd = site.acd
        agent1 = await logged_in(site.app, "agent1")
        r = await page(agent1, "/agent/")
        assert r.status_code == 200 and 'data-agent="1001"' in r.get_data(as_text=True)
        zh = await asyncio.to_thread(agent1.get, "/agent/", headers={"Accept-Language": "zh-CN"})
        assert "坐席工作台" in zh.get_data(as_text=True) and "结束话后处理" in zh.get_data(as_text=True)
        stream = await EventStream.open(site.served.port, session_cookie(site.app, "agent1"), "/agent/events")
        stream.agent = "1001"
        try:
            assert stream.status == 200
            kind, snap = await stream.next()
            assert kind == "snapshot" and snap["agent"]["agent"] == "1001" and snap["agent"]["state"] == "logged_out"

            r = await act(agent1, "login", extension="8001")
            assert r.status_code == 200 and r.get_json()["reply"]["state"] == "not_ready", r.get_data(as_text=True)
            await next_of(stream, "agent_state", state="not_ready")
            await acd.login("1002", "8002", ready=False)            # a colleague: not on agent 1001's desk
            assert (await act(agent1, "ready")).status_code == 200
            await next_of(stream, "agent_state", state="ready")

            # a caller who left a voicemail and sent a fax before keys its policy number in the IVR and asks
            # for a person: the pop has what it did
            write(acd, sa.insert(voicemail_messages).values(mailbox="1001", caller=CALLER, path="m.wav",
                                                                  duration_ms=75000, state="new", created_at=NOW))
            write(acd, sa.insert(faxes).values(direction="inbound", caller=CALLER, result_code=0, pages=3,
                                                     created_at=NOW))
            rung = acd.tester.mark()
            await site.caller_to_queue(CALLER, POLICY)
            joined = await next_of(stream, "caller_joined")
            assert joined["caller"] == CALLER and joined["queue"] == "sales"
            ringing = await next_of(stream, "agent_state", state="ringing")
            assert ringing["caller"] == CALLER and ringing["call_queue"] == "sales"
            assert ringing["data"]["ivr"]["vars"]["policy_no"] == POLICY
            call_id = ringing["call_id"]
            pop = (await page(agent1, f"/agent/pop/{call_id}")).get_data(as_text=True)
            text = unescape(pop)
            assert CALLER in text and POLICY in text and "VIP gold" in text and "menu" in text
            assert f'href="https://crm.example.com/customer?tel={CALLER}&amp;policy={POLICY}"' in pop
            assert "Mailbox 1001 · 1:15" in text and "3 pages" in text

            await site.lift("8001", rung)
            await next_of(stream, "agent_state", state="on_call")

            # nobody else acts for agent 1001 or sees its call
            agent2 = await logged_in(site.app, "agent2")
            r = await act(agent2, "hangup", agent="1001")
            assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
            r = await act(agent2, "hangup")                          # its own: it has no call
            assert r.status_code == 409 and r.get_json()["error"]["code"] == "wrong_state"
            assert (await page(agent2, f"/agent/pop/{call_id}")).status_code == 404
            auditor = await logged_in(site.app, "audit")             # no desk.use
            assert (await page(auditor, "/agent/")).status_code == 403
            assert (await act(auditor, "hangup", agent="1001")).status_code in (400, 403)
            supervisor = await logged_in(site.app, "super")          # desk.use, but no agent ID
            r = await page(supervisor, "/agent/")
            assert r.status_code == 200 and 'id="no-agent"' in r.get_data(as_text=True)
            assert (await act(supervisor, "hangup", agent="1001")).status_code == 403
            for user in ("super", "audit"):                         # and no event stream for either
                other = await EventStream.open(site.served.port, session_cookie(site.app, user), "/agent/events")
                assert other.status == 403, user
                await other.close()
            assert await acd.agent_state("1001") == "on_call"

            # the agent hangs up from the desk, then ends wrap-up with a disposition and a note
            assert (await act(agent1, "hangup")).status_code == 200
            await next_of(stream, "agent_state", state="wrap_up")
            assert (await page(agent1, f"/agent/pop/{call_id}")).status_code == 200     # still its call
            r = await act(agent1, "wrapup_end", code="sold", note="wants the <gold> plan")
            assert r.status_code == 200, r.get_data(as_text=True)
            await next_of(stream, "agent_state", state="ready")
            await asyncio.gather(*list(acd.service.tasks), return_exceptions=True)     # its writes
            rows = acd_calls(site, CALLER)
            assert [(x["agent"], x["wrapup_code"], x["note"]) for x in rows] == [("1001", "sold", "wants the <gold> plan")]
        finally:
            await stream.close()


@pytest.mark.long
async def test_consult_transfer_and_pickup_from_the_desk(tmp_path):
    """Agent 1001 consults 1002 and transfers: 1002's pop has the caller's IVR data. Then 1001 picks up a
    call ringing at 1002. The seat an agent last logged in at is where its desk offers to log in again."""
    async with desk_site(tmp_path) as site:
        acd, t = site.acd, site.acd.tester
        agent1, agent2 = await logged_in(site.app, "agent1"), await logged_in(site.app, "agent2")
        assert (await act(agent2, "login", extension="8003")).status_code == 200
        assert (await act(agent2, "logout")).status_code == 200
        assert 'id="seat" name="extension" value="8003"' in (await page(agent2, "/agent/")).get_data(as_text=True)
        assert (await act(agent2, "login", extension="8002")).status_code == 200
        assert (await act(agent1, "login", extension="8001")).status_code == 200
        assert (await act(agent1, "ready")).status_code == 200

        m, rung = acd.desk.mark(), t.mark()
        caller = await site.caller_to_queue(CALLER, POLICY)
        await site.lift("8001", rung)
        await acd.wait_agent("1001", "on_call", since=m)
        assert (await act(agent2, "ready")).status_code == 200
        rung = t.mark()
        r = await act(agent1, "consult", to="agent:1002")
        assert r.status_code == 200, r.get_data(as_text=True)
        await site.lift("8002", rung)
        await acd.wait_agent("1002", "on_call", since=m)
        r = await act(agent1, "complete_transfer")
        assert r.status_code == 200, r.get_data(as_text=True)
        await acd.wait_agent("1001", "wrap_up", since=m)
        await t.call("sim.hangup", far=acd.phone("8001"))
        mine = next(a for a in (await acd.ask("status"))["agents"] if a["agent"] == "1002")
        assert mine["state"] == "on_call" and mine["caller"] == CALLER
        pop = unescape((await page(agent2, f"/agent/pop/{mine['call_id']}")).get_data(as_text=True))
        assert POLICY in pop and "VIP gold" in pop

        # 1002 ends the call from its desk; 1001 picks up the next caller ringing at 1002
        assert (await act(agent2, "hangup")).status_code == 200
        await t.call("sim.hangup", far=acd.phone("8002"))
        assert (await act(agent2, "ready")).status_code == 200
        assert (await act(agent1, "not_ready", reason="meeting")).status_code == 200
        m = acd.desk.mark()
        await t.call("sim.hangup", far=caller)
        await site.caller_to_queue("13800000002", "11112222")
        await acd.wait_agent("1002", "ringing", since=m)
        assert (await act(agent1, "ready")).status_code == 200
        rung = t.mark()
        r = await act(agent1, "pickup", colleague="1002")
        assert r.status_code == 200, r.get_data(as_text=True)
        got = await acd.wait_agent("1001", "ringing", since=m)
        assert got["caller"] == "13800000002"
        await site.lift("8001", rung)
        await acd.wait_agent("1001", "on_call", since=m)


def write(acd, statement) -> None:
    with acd.db.begin() as conn:
        conn.execute(statement)
