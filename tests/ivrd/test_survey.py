"""The survey after an agent call: the queue hands the caller back with the agent and the queue; the
answer is stored with the call; a complaint goes on to the complaints queue."""
from __future__ import annotations

import asyncio

import pytest

from telephonist.ivrd.flow_loader import FlowError, LoadOptions, load_flows
from tests.support.ivrd_harness import running_ivrd

MAIN = """
[flow]
numbers = ["4008*"]

[nodes.menu]
type = "menu"
prompts = "zh/menu.wav"
choices = { "1" = "claims" }

[nodes.claims]
type = "transfer"
to = "queue:claims"
"""
SURVEY = """
[flow]
description = "after an agent call; queues hand callers back here"

[nodes.ask]
type = "survey"
prompts = "zh/survey.wav"
invalid_prompts = "zh/survey-invalid.wav"
retries = 2
thanks_prompts = "zh/thanks.wav"
tag = "survey"
next = "bye"
on_complaint = "complaint"

[nodes.complaint]
type = "transfer"
prompts = "zh/complaint-transfer.wav"
to = "queue:complaints"

[nodes.bye]
type = "hangup"
"""
PROMPTS = ["zh/menu.wav", "zh/survey.wav", "zh/survey-invalid.wav", "zh/thanks.wav", "zh/complaint-transfer.wav"]


async def queue_stand_in(ivr) -> list[dict]:
    """A queue whose agent 8001 takes the call and, when it ends, hands the caller to the survey
    (what the queue application does with the caller after the agent hangs up)."""
    queue = await ivr.chand.client("queue")
    offers: list[dict] = []

    async def on_offer(ev):
        offers.append(ev)
        if ev.get("target") == "claims":
            await queue.call("handoff", chan=ev["chan"], app="ivr:survey",
                             data={"agent": "8001", "queue": ev["target"]})
        else:
            await queue.call("hangup", chan=ev["chan"])
    queue.on("offer", on_offer)
    return offers


async def test_survey_answer_is_stored_with_the_agent_and_the_call(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": MAIN, "survey.toml": SURVEY}, PROMPTS) as ivr:
        await queue_stand_in(ivr)
        out = await ivr.call([{"press": "1"}, {"press": "7"}, {"press": "2"}], caller="13600001111")
        assert out.prompts == ["zh/menu.wav", "zh/survey.wav", "zh/survey-invalid.wav", "zh/survey.wav",
                               "zh/thanks.wav"]
        rows = ivr.rows("SELECT call_id, agent, queue, caller, digit, answer FROM ivr_survey_results")
        assert rows == [{"call_id": out.call_id, "agent": "8001", "queue": "claims", "caller": "13600001111",
                         "digit": "2", "answer": "neutral"}]
        assert [s for s in ivr.steps(out.call_id) if s[0] == "ask"] == [("ask", "7", "invalid"),
                                                                         ("ask", "2", "neutral")]
        assert ivr.vars(out.call_id)["survey_answer"] == "neutral"
        sessions = ivr.rows("SELECT flow, outcome FROM ivr_sessions WHERE call_id = :c ORDER BY id", c=out.call_id)
        assert sessions == [{"flow": "main", "outcome": "queue"}, {"flow": "survey", "outcome": "hangup"}]


async def test_a_complaint_goes_on_to_the_complaints_queue(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": MAIN, "survey.toml": SURVEY}, PROMPTS) as ivr:
        offers = await queue_stand_in(ivr)
        out = await ivr.call([{"press": "1"}, {"press": "0"}])
        assert out.prompts[-3:] == ["zh/survey.wav", "zh/thanks.wav", "zh/complaint-transfer.wav"]
        for _ in range(500):
            if len(offers) == 2:
                break
            await asyncio.sleep(0.01)
        assert [o["target"] for o in offers] == ["claims", "complaints"]
        assert ivr.rows("SELECT answer, agent FROM ivr_survey_results") == [{"answer": "complaint", "agent": "8001"}]
        last = ivr.rows("SELECT outcome, outcome_detail FROM ivr_sessions WHERE flow = 'survey'")
        assert last == [{"outcome": "queue", "outcome_detail": "queue:complaints"}]


async def test_no_answer_stores_nothing(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": MAIN, "survey.toml": SURVEY}, PROMPTS) as ivr:
        await queue_stand_in(ivr)
        out = await ivr.call([{"press": "1"}, {"silent": True}, {"silent": True}])
        assert ivr.rows("SELECT * FROM ivr_survey_results") == []
        assert [s[2] for s in ivr.steps(out.call_id) if s[0] == "ask"] == ["timeout", "timeout", "no_answer"]


def test_survey_is_checked_at_load(tmp_path):
    flows = tmp_path / "flows"
    flows.mkdir()
    text = SURVEY.replace('tag = "survey"', 'answers = { "1" = "good", "x" = "bad" }')
    (flows / "survey.toml").write_text(text)
    with pytest.raises(FlowError) as err:
        load_flows(str(flows), LoadOptions(prompts_dir=str(tmp_path), check_prompts=False))
    line = text.splitlines().index('answers = { "1" = "good", "x" = "bad" }') + 1
    on_complaint = text.splitlines().index('on_complaint = "complaint"') + 1
    assert [str(p) for p in err.value.problems] == [
        f"{flows}/survey.toml:{line}: node 'ask': answer key 'x' must be one of 0123456789*#",
        f"{flows}/survey.toml:{on_complaint}: node 'ask': on_complaint needs an answer named \"complaint\" in answers"]
