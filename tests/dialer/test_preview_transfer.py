"""A preview campaign's call passed on like a queue call, on a real chand, ACD and console (sim spans): agent 1001
dials its record from the desk, answers the script's first question, then transfers the customer blind (to agent
1002, to the queue, to a number) or consults 1002 and completes the transfer. The customer then talks with whoever
took it (its keys reach that phone and no other); 1002's desk event carries the call id dl-<attempt> and the
record's data, its desk shows the record and the script where 1001 left it, and the attempt's outcome (given by
1002, or by 1001 in its wrap-up) lands in dl_attempts and dl_records."""
from __future__ import annotations

import asyncio
import json

import pytest

from tests.acd.test_acd_controls import says
from tests.dialer.test_preview_desk import post, setup_campaign
from tests.support.chand_harness import TrunkGroupSpec
from tests.webadmin.desk_support import desk_site
from tests.webadmin.live_support import EventStream, session_cookie
from tests.webadmin.test_desk import act, logged_in, next_of, page

CUSTOMER = "13800001111"
ELSEWHERE = "13800002222"               # transfer to a number: another line of the network, which answers


async def preview_call(site, agent1, s1) -> tuple[int, int, str]:
    """1001 dials its record and the customer answers; 1001 answers the script's first question. Returns the
    attempt, the record and the customer's far end."""
    t = site.acd.tester
    for i in range(1, 9):                                        # the network's side of the campaign's lines
        await t.call("sim.take", far=f"callers/{i}~far")
    _, rid = await asyncio.to_thread(setup_campaign, site.app)
    assert (await act(agent1, "login", extension="8001")).status_code == 200
    assert (await act(agent1, "ready")).status_code == 200
    rung = t.mark()
    r = await post(agent1, f"/agent/preview/{rid}/dial")
    assert r.status_code == 200, r.get_data(as_text=True)
    aid = r.get_json()["attempt"]
    await site.lift("8001", rung)
    dialled = await t.wait_for(lambda e: e.get("what") == "dialled" and e.get("number") == CUSTOMER, since=rung)
    await next_of(s1, "outbound_answered")
    r = await post(agent1, f"/agent/script/{aid}/answer", question="q1", value="yes")
    assert r.status_code == 200 and r.get_json()["script"]["question"]["id"] == "q2"
    return aid, rid, dialled["far"]


async def desks(site):
    agent1, agent2 = await logged_in(site.app, "agent1"), await logged_in(site.app, "agent2")
    s1 = await EventStream.open(site.served.port, session_cookie(site.app, "agent1"), "/agent/events")
    s1.agent = "1001"
    s2 = await EventStream.open(site.served.port, session_cookie(site.app, "agent2"), "/agent/events")
    s2.agent = "1002"
    return agent1, agent2, s1, s2


async def second_agent_has_it(site, agent2, taken: dict, aid: int, rid: int) -> None:
    """1002's desk: the event names the attempt's call and carries the record; the script stands where 1001 left
    it, beside the record, with the outcome still to give."""
    assert taken["call_id"] == f"dl-{aid}"
    assert {k: taken["data"].get(k) for k in ("campaign", "record", "number", "plan")} == {
        "campaign": "renewals", "record": str(rid), "number": CUSTOMER, "plan": "gold"}
    shown = (await page(agent2, f"/agent/script/{aid}")).get_json()
    assert shown["script"]["question"]["id"] == "q2"
    assert [(a["id"], a["value"]) for a in shown["script"]["answers"]] == [("q1", "yes")]
    assert (shown["record"]["name"], shown["record"]["fields"], shown["record"]["record"]) == ("王先生", {"plan": "gold"}, rid)
    assert shown["outcome_open"] is True
    r = await post(agent2, f"/agent/script/{aid}/answer", question="q2", value="yes")
    assert r.status_code == 200 and r.get_json()["script"]["proposed_result"] == "sold"


def settled(site, aid: int, rid: int, result: str) -> None:
    att = site.acd.rows("SELECT * FROM dl_attempts WHERE id = :a", a=aid)[0]
    assert (att["agent"], att["state"], att["outcome"], att["result"], att["number"]) == (
        "1001", "done", "answered", result, CUSTOMER)
    assert json.loads(att["script"])["answers"] == {"q1": "yes", "q2": "yes"}
    rec = site.acd.rows("SELECT * FROM dl_records WHERE id = :r", r=rid)[0]
    assert (rec["state"], rec["outcome"], rec["result"]) == ("done", "answered", result)


@pytest.mark.long
@pytest.mark.parametrize("target", ["agent:1002", "queue:sales"])
async def test_a_preview_call_transferred_blind_to_an_agent_or_the_queue(tmp_path, target):
    async with desk_site(tmp_path, trunk_groups=[TrunkGroupSpec("campaign", ["callers/*"])]) as site:
        t = site.acd.tester
        a, b = site.acd.phone("8001"), site.acd.phone("8002")
        agent1, agent2, s1, s2 = await desks(site)
        try:
            aid, rid, customer = await preview_call(site, agent1, s1)
            assert (await act(agent2, "login", extension="8002")).status_code == 200
            assert (await act(agent2, "ready")).status_code == 200
            await next_of(s2, "agent_state", state="ready")

            rung = t.mark()
            r = await act(agent1, "transfer", to=target)
            assert r.status_code == 200, r.get_data(as_text=True)
            await next_of(s1, "agent_state", state="wrap_up")
            await site.lift("8002", rung)
            taken = await next_of(s2, "agent_state", state="on_call")
            await says(t, customer, "5", [b], [customer, a, b])       # the customer talks with 1002 now
            await second_agent_has_it(site, agent2, taken, aid, rid)

            await t.call("sim.hangup", far=customer)
            await next_of(s2, "agent_state", state="wrap_up")
            r = await post(agent2, f"/agent/preview/attempt/{aid}/outcome", code="sold")
            assert r.status_code == 200 and r.get_json()["record_state"] == "done", r.get_data(as_text=True)
            assert (await post(agent1, f"/agent/preview/attempt/{aid}/outcome", code="refused")).status_code == 400
        finally:
            for s in (s1, s2):
                await s.close()
            for ext in ("8001", "8002"):
                await t.call("sim.hangup", far=site.acd.phone(ext))
        settled(site, aid, rid, "sold")
        rows = site.acd.rows("SELECT agent, outcome FROM acd_calls WHERE call_id = :c", c=f"dl-{aid}")
        assert [(r["agent"], r["outcome"]) for r in rows] == [("1002", "answered")]


@pytest.mark.long
async def test_a_preview_call_transferred_after_a_consultation(tmp_path):
    """1001 consults 1002 (the customer held hears neither), completes the transfer, and gives the outcome in its
    wrap-up; 1002 had the call and its script."""
    async with desk_site(tmp_path, trunk_groups=[TrunkGroupSpec("campaign", ["callers/*"])]) as site:
        t = site.acd.tester
        a, b = site.acd.phone("8001"), site.acd.phone("8002")
        agent1, agent2, s1, s2 = await desks(site)
        try:
            aid, rid, customer = await preview_call(site, agent1, s1)
            assert (await act(agent2, "login", extension="8002")).status_code == 200
            assert (await act(agent2, "ready")).status_code == 200
            await next_of(s2, "agent_state", state="ready")

            rung = t.mark()
            r = await act(agent1, "consult", to="agent:1002")
            assert r.status_code == 200, r.get_data(as_text=True)
            await site.lift("8002", rung)
            await next_of(s2, "agent_state", state="on_call")
            await says(t, a, "1", [b], [customer, a, b])              # the agents talk, the customer is held
            await says(t, customer, "2", [], [customer, a, b])
            r = await act(agent1, "complete_transfer")
            assert r.status_code == 200, r.get_data(as_text=True)
            taken = await next_of(s2, "agent_state", signal="take")
            await next_of(s1, "agent_state", state="wrap_up")
            await says(t, customer, "3", [b], [customer, a, b])
            await second_agent_has_it(site, agent2, taken, aid, rid)

            await t.call("sim.hangup", far=customer)
            await next_of(s2, "agent_state", state="wrap_up")
            r = await post(agent1, f"/agent/preview/attempt/{aid}/outcome", code="sold")
            assert r.status_code == 200 and r.get_json()["record_state"] == "done", r.get_data(as_text=True)
        finally:
            for s in (s1, s2):
                await s.close()
            for ext in ("8001", "8002"):
                await t.call("sim.hangup", far=site.acd.phone(ext))
        settled(site, aid, rid, "sold")


@pytest.mark.long
async def test_a_preview_call_transferred_to_a_number(tmp_path):
    """Out through the ACD's outbound trunk group to another number: the customer talks with whoever answers there;
    1001 gives the outcome in its wrap-up."""
    async with desk_site(tmp_path, trunk_groups=[TrunkGroupSpec("campaign", ["callers/*"])],
                         acd='outbound_trunk_group = "campaign"') as site:
        t = site.acd.tester
        a = site.acd.phone("8001")
        agent1, _, s1, s2 = await desks(site)
        try:
            aid, rid, customer = await preview_call(site, agent1, s1)
            r = await post(agent1, f"/agent/script/{aid}/answer", question="q2", value="yes")
            mark = t.mark()
            r = await act(agent1, "transfer", to=f"number:{ELSEWHERE}")
            assert r.status_code == 200, r.get_data(as_text=True)
            there = await t.wait_for(lambda e: e.get("what") == "dialled" and e.get("number") == ELSEWHERE, since=mark)
            await next_of(s1, "agent_state", state="wrap_up")
            await t.wait_for(lambda e: e.get("event") == "line_state" and e["chan"] == there["far"].split("~")[0]
                             and e["state"] == "up", since=mark)
            await says(t, customer, "7", [there["far"]], [customer, a, there["far"]])
            r = await post(agent1, f"/agent/preview/attempt/{aid}/outcome", code="sold")
            assert r.status_code == 200 and r.get_json()["record_state"] == "done", r.get_data(as_text=True)
        finally:
            for s in (s1, s2):
                await s.close()
            await t.call("sim.hangup", far=a)
        settled(site, aid, rid, "sold")
