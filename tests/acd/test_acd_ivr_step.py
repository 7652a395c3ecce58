"""An IVR step in the middle of an agent's call: the agent sends the customer to a flow that takes an ID number,
the agent hears none of it, and the customer comes back to the same agent with what the flow found — on a real
chand, ACD and ivrd (sim lines, lockstep clock)."""
from __future__ import annotations

import pytest

from telephonist.client import ApiCallError
from telephonist.config.model import IvrdConfig
from telephonist.ivrd.flow_loader import LoadOptions, load_flows
from telephonist.ivrd.service import IvrService
from telephonist.ivrd.services import IvrServices
from tests.acd.harness import running_acd
from tests.acd.test_acd_controls import AGENTS, QUEUES, connected, says
from tests.support.ivrd_harness import make_prompt

VERIFY = """
[flow]
start = "id"

[nodes.id]
type = "collect"
prompts = "enter-id.wav"
var = "id_number"
min_digits = 4
max_digits = 4
next = "ok"

[nodes.ok]
type = "set"
vars = { verified = "'yes'" }
"""


async def with_ivrd(acd, tmp_path) -> tuple[IvrService, IvrServices]:
    flows, prompts = tmp_path / "flows", tmp_path / "prompts"
    flows.mkdir()
    (flows / "verify.toml").write_text(VERIFY)
    make_prompt(str(prompts / "enter-id.wav"))
    settings = IvrdConfig(flows_dir=str(flows), languages=("zh",))
    flowset = load_flows(str(flows), LoadOptions(prompts_dir=str(prompts), languages=("zh",)))
    services = IvrServices(settings=settings, database_url=f"sqlite:///{tmp_path / 'telephonist.db'}",
                           prompts_dir=str(prompts), recordings_dir=str(tmp_path / "recordings"),
                           state_dir=str(tmp_path))
    return IvrService(await acd.chand.client("ivr"), services, flowset), services


def step_done(agent: str):
    return lambda e: e.get("event") == "published" and e["body"].get("kind") == "ivr_step_done" \
        and e["body"]["agent"] == agent


async def the_id_prompt(watch, since: int) -> dict:
    return await watch.wait_for(lambda e: e.get("event") == "call_event" and e["what"] == "collect_start"
                            and "enter-id" in str(e.get("prompt")), since=since)


async def into_the_step(acd, watch) -> tuple[int, dict]:
    """Agent 1001 sends its caller to ivr:verify; returns the desk's mark from before and the ACD's reply, once
    the caller hears the flow's prompt."""
    m = acd.desk.mark()
    reply = await acd.ask("ivr_step", agent="1001", to="ivr:verify")
    await the_id_prompt(watch, 0)
    return m, reply


async def test_the_customer_keys_an_id_in_the_ivr_and_comes_back_to_the_agent_with_it(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        ivr, services = await with_ivrd(acd, tmp_path)
        try:
            t = acd.tester
            watch = await acd.chand.client("watcher")
            await watch.call("subscribe", lines=False, calls=True)
            await acd.login("1001", "8001")
            caller = await connected(acd, "1001", "8001")
            phone = acd.phone("8001")
            with pytest.raises(ApiCallError) as refused:
                await acd.ask("ivr_step", agent="1001", to="queue:sales")
            assert refused.value.code == "bad_request"

            m, reply = await into_the_step(acd, watch)
            assert reply["state"] == "on_hold"
            with pytest.raises(ApiCallError) as refused:            # the customer is not the agent's to move
                await acd.ask("transfer", agent="1001", to="queue:claims")
            assert refused.value.code == "wrong_state"
            await says(t, phone, "7", [], [caller, phone])          # the agent is heard by nobody
            typed = t.mark()
            await t.call("sim.dtmf", far=caller, digits="4321")
            await t.wait_for("far", far=caller, what="dtmf_sent", since=typed)
            done = (await acd.desk.wait_for(step_done("1001"), since=m))["body"]
            assert done["back_to"] == "agent:1001"
            assert done["result"]["flow"] == "verify"
            assert done["result"]["vars"]["id_number"] == "4321" and done["result"]["vars"]["verified"] == "yes"
            heard = "".join(e["digit"] for e in t.events[typed:] if e.get("what") == "dtmf" and e.get("far") == phone)
            assert heard == ""                                       # the agent did not hear the ID
            assert await acd.agent_state("1001") == "on_call"
            await says(t, caller, "5", [phone], [caller, phone])     # together again
            await says(t, phone, "6", [caller], [caller, phone])
            status = (await acd.ask("status"))["agents"]
            me = next(a for a in status if a["agent"] == "1001")
            assert me["data"]["ivr_step"]["vars"]["id_number"] == "4321"    # it travels with the call
        finally:
            await services.close()


async def test_a_customer_who_hangs_up_in_the_step_ends_the_agents_call(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        ivr, services = await with_ivrd(acd, tmp_path)
        try:
            t = acd.tester
            watch = await acd.chand.client("watcher")
            await watch.call("subscribe", lines=False, calls=True)
            await acd.login("1001", "8001")
            caller = await connected(acd, "1001", "8001")
            m, _ = await into_the_step(acd, watch)
            with pytest.raises(ApiCallError) as refused:             # only ivrd says a step ended
                await acd.ask("ivr_step_ended", step="x", outcome="abandoned")
            assert refused.value.code == "forbidden"
            await t.call("sim.hangup", far=caller)
            done = (await acd.desk.wait_for(step_done("1001"), since=m))["body"]
            assert done["back_to"] is None and done["result"]["outcome"] == "abandoned"
            await acd.wait_agent("1001", "wrap_up", since=m)
            [row] = acd.rows("SELECT outcome, agent, ended_at FROM acd_calls")
            assert row["outcome"] == "answered" and row["agent"] == "1001" and row["ended_at"] is not None
        finally:
            await services.close()


async def test_an_agent_who_hangs_up_during_the_step_leaves_the_customer_to_the_queue(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        ivr, services = await with_ivrd(acd, tmp_path)
        try:
            t = acd.tester
            watch = await acd.chand.client("watcher")
            await watch.call("subscribe", lines=False, calls=True)
            await acd.login("1001", "8001")
            await acd.login("1002", "8002", ready=False)
            caller = await connected(acd, "1001", "8001")
            m, _ = await into_the_step(acd, watch)
            await acd.ask("hangup", agent="1001")
            await acd.wait_agent("1001", "wrap_up", since=m)
            await t.call("sim.dtmf", far=caller, digits="9876")
            done = (await acd.desk.wait_for(step_done("1001"), since=m))["body"]
            assert done["back_to"] == "queue:sales" and done["result"]["vars"]["id_number"] == "9876"
            back = t.mark()
            await acd.ask("ready", agent="1002")                     # the customer waits; a colleague takes it
            await t.wait_for("far", far=acd.phone("8002"), what="ringing", since=back)
            await t.call("sim.answer", far=acd.phone("8002"))
            await acd.wait_agent("1002", "on_call", since=m)
            me = next(a for a in (await acd.ask("status"))["agents"] if a["agent"] == "1002")
            assert me["call_id"] == done["call_id"] and me["data"]["ivr_step"]["vars"]["id_number"] == "9876"
        finally:
            await services.close()
