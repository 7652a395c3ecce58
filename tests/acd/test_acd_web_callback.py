"""The website's "call me back" in the ACD (acd/webcallback.py), asked as the web console asks (application
webadmin): a request waits with no line at its place behind a phone caller, the agent's phone rings first, then the
customer's number (a sim line) is dialled and answers and the two hear each other; a customer who does not answer is
tried again after the queue's retry_after_s (across a restart of the ACD), then given up; the queue's number pattern
and open requests per number, and only the console may ask."""
import pytest

from telephonist.client import ApiCallError
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.acd.harness import running_acd
from tests.support.chand_harness import TrunkGroupSpec

QUEUES = """
[[queues]]
name = "sales"
wrapup_s = 2
ring_timeout_s = 5
caller_id = "4008001234"
callback = { retries = 1, retry_after_s = 60 }
web_callback = { max_open = 1 }

[[queues]]
name = "plain"
"""
AGENTS = """
[[agents]]
number = "1001"
extension = "8001"
queues = ["sales"]
"""
OUT = dict(acd='outbound_trunk_group = "out"\n', trunk_groups=[TrunkGroupSpec("out", ["callers/*"])],
           numbers=[NumberBehaviour("13700000002", "no_answer"), NumberBehaviour("*", "answer")])
HASH = "ab" * 32


def published(kind, **match):
    return lambda e: e.get("event") == "published" and e["body"].get("kind") == kind and all(
        e["body"].get(k) == v for k, v in match.items())


async def heard(t, far, digit, since):
    await t.wait_for(lambda e: e.get("what") == "dtmf" and e["far"] == far and e["digit"] == digit, since=since)


async def console(acd):
    web = await acd.chand.client("webadmin")

    async def ask(action, **body):
        return await web.request("queue", {"action": action, **body})
    return ask


async def test_a_web_request_keeps_its_place_behind_a_phone_caller_then_agent_and_customer_talk(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS, **OUT) as acd:
        t, phone, ask = acd.tester, acd.phone("8001"), await console(acd)
        m = acd.desk.mark()
        caller = await acd.call(caller="13900000001")
        await acd.queued("13900000001", since=m)
        got = await ask("web_callback_new", queue="sales", number="13700000001", visitor="Zhang San",
                        note="my router is down", customer_id=None, token_hash=HASH)
        assert (got["state"], got["position"]) == ("waiting", 2)
        await acd.desk.wait_for(published("caller_joined", caller="13700000001", web=True), since=m)
        [web] = acd.rows("SELECT id, state, number, call_id FROM acd_web_callbacks")
        status = (await acd.ask("status"))["queues"][0]["callers"]
        assert [(c["caller"], c["position"], c["web"]) for c in status] == [
            ("13900000001", 1, False), ("13700000001", 2, True)]
        for i in range(1, 9):                                            # the network's side of the call back
            await t.call("sim.take", far=f"callers/{i}~far")
        # the agent comes: the phone caller first
        mark = t.mark()
        await acd.login("1001", "8001")
        await t.wait_for("far", far=phone, what="ringing", since=mark)
        await t.call("sim.answer", far=phone)
        on = await acd.wait_agent("1001", "on_call", since=m)
        assert on["caller"] == "13900000001"
        assert (await ask("web_callback_status", request=web["id"]))["position"] == 1
        m, mark = acd.desk.mark(), t.mark()
        await t.call("sim.hangup", far=phone)                         # the agent ends the call
        await t.wait_for("far", far=caller, what="released", since=0)
        # after wrap-up the web request's turn: the agent's phone rings first, with the visitor's words in the pop
        await t.wait_for("far", far=phone, what="ringing", since=mark)
        ringing = await acd.wait_agent("1001", "ringing", since=m)
        assert ringing["data"]["name"] == "Zhang San" and ringing["data"]["note"] == "my router is down"
        assert (await ask("web_callback_status", request=web["id"]))["state"] == "calling"
        with pytest.raises(ApiCallError, match="not_found"):             # nobody else's number is on it
            await ask("web_callback_status", request=web["id"] + 1)
        await t.call("sim.answer", far=phone)
        dialled = await t.wait_for(lambda e: e.get("what") == "dialled" and e.get("number") == "13700000001",
                                   since=mark)
        customer = dialled["far"]
        with pytest.raises(ApiCallError, match="wrong_state"):           # too late to cancel
            await ask("web_callback_cancel", request=web["id"])
        await acd.desk.wait_for(published("call_answered", call_id=web["call_id"], agent="1001"), since=m)
        mark = t.mark()
        await t.call("sim.dtmf", far=customer, digits="4")
        await heard(t, phone, "4", mark)
        await t.call("sim.dtmf", far=phone, digits="6")
        await heard(t, customer, "6", mark)
        m = acd.desk.mark()
        await t.call("sim.hangup", far=customer)
        await acd.wait_agent("1001", "wrap_up", since=m)
        await acd.service.roster.drain()
        [row] = acd.rows("SELECT state, attempts, agent FROM acd_web_callbacks")
        assert row == {"state": "answered", "attempts": 1, "agent": "1001"}
        assert acd.rows("SELECT outcome, agent FROM acd_calls WHERE call_id = :c", c=web["call_id"]) == [
            {"outcome": "answered", "agent": "1001"}]
        assert acd.rows("SELECT * FROM acd_waiting") == []
        with pytest.raises(ApiCallError, match="not_found"):
            await ask("web_callback_status", request=web["id"])


async def test_no_answer_is_tried_again_after_a_restart_then_given_up(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS, **OUT) as acd:
        t, phone, ask = acd.tester, acd.phone("8001"), await console(acd)
        for i in range(1, 9):
            await t.call("sim.take", far=f"callers/{i}~far")
        await acd.login("1001", "8001")
        m, mark = acd.desk.mark(), t.mark()
        got = await ask("web_callback_new", queue="sales", number="13700000002", visitor="", note="",
                        customer_id=None, token_hash=HASH)
        await t.wait_for("far", far=phone, what="ringing", since=mark)
        await t.call("sim.answer", far=phone)
        # the customer's phone rings out: the agent wraps up, the request waits a minute for its next try
        retry = await acd.desk.wait_for(published("callback_retry", number="13700000002"), since=m, timeout=60)
        assert retry["body"]["attempts"] == 1 and retry["body"]["retry_ms"] == 60_000
        await acd.wait_agent("1001", "wrap_up", since=m)
        await t.call("sim.hangup", far=phone)                          # the agent puts the handset down
        assert (await ask("web_callback_status", request=got["request"]))["state"] == "retry"
        [row] = acd.rows("SELECT state, callback_number FROM acd_waiting")
        assert row == {"state": "retry", "callback_number": "13700000002"}
        # the ACD restarts meanwhile: the request is still there and tried again when it is due
        await acd.restart()
        assert (await ask("web_callback_status", request=got["request"]))["state"] == "retry"
        m, mark = acd.desk.mark(), t.mark()
        await t.wait_for("far", far=phone, what="ringing", since=mark, timeout=120)
        await t.call("sim.answer", far=phone)
        left = await acd.desk.wait_for(published("caller_left", outcome="callback_failed"), since=m, timeout=60)
        assert left["body"]["caller"] == "13700000002"
        assert retry["body"]["time_ms"] + 60_000 <= left["body"]["time_ms"]
        await acd.service.roster.drain()
        [row] = acd.rows("SELECT state, attempts, ended_at IS NOT NULL AS ended FROM acd_web_callbacks")
        assert row == {"state": "failed", "attempts": 2, "ended": 1}
        assert [r["outcome"] for r in acd.rows("SELECT outcome FROM acd_calls")] == ["callback_failed"]
        assert acd.rows("SELECT * FROM acd_waiting") == []


async def test_an_agent_who_hangs_up_while_the_customer_rings_leaves_the_request_at_its_place(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS, **OUT) as acd:
        t, phone, ask = acd.tester, acd.phone("8001"), await console(acd)
        for i in range(1, 9):
            await t.call("sim.take", far=f"callers/{i}~far")
        await acd.login("1001", "8001")
        m, mark = acd.desk.mark(), t.mark()
        got = await ask("web_callback_new", queue="sales", number="13700000002", visitor="", note="",
                        customer_id=None, token_hash=HASH)
        await t.wait_for("far", far=phone, what="ringing", since=mark)
        await t.call("sim.answer", far=phone)
        dialled = await t.wait_for(lambda e: e.get("what") == "dialled" and e.get("number") == "13700000002",
                                   since=mark)
        await t.call("sim.hangup", far=phone)
        await t.wait_for("far", far=dialled["far"], what="released", since=mark)     # its phone stops ringing
        await acd.wait_agent("1001", "wrap_up", since=m)
        assert await ask("web_callback_status", request=got["request"]) == {
            "request": got["request"], "state": "waiting", "position": 1, "queue": "sales", "attempts": 1}
        await acd.service.roster.drain()
        assert [r["state"] for r in acd.rows("SELECT state FROM acd_web_callbacks")] == ["waiting"]


async def test_the_queues_rules_and_who_may_ask(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS, **OUT) as acd:
        ask = await console(acd)
        new = dict(queue="sales", visitor="", note="", customer_id=None, token_hash=HASH)
        for number, code in (("110", "bad_request"), ("4008001234", "bad_request"), ("1370000000", "bad_request"),
                             ("13x", "bad_request")):
            with pytest.raises(ApiCallError, match=code):
                await ask("web_callback_new", **{**new, "number": number})
        with pytest.raises(ApiCallError, match="not_found"):            # a queue without web_callback
            await ask("web_callback_new", **{**new, "queue": "plain", "number": "13700000001"})
        with pytest.raises(ApiCallError, match="forbidden"):            # only the console speaks for a visitor
            await acd.ask("web_callback_new", **{**new, "number": "13700000001"})
        first = await ask("web_callback_new", **{**new, "number": "01088886666"})     # a Beijing landline
        with pytest.raises(ApiCallError, match="too_many"):             # max_open = 1 for a number
            await ask("web_callback_new", **{**new, "number": "01088886666", "token_hash": "cd" * 32})
        # the visitor cancels: out of line, the number may ask again
        assert (await ask("web_callback_cancel", request=first["request"]))["state"] == "cancelled"
        again = await ask("web_callback_new", **{**new, "number": "01088886666", "token_hash": "cd" * 32})
        assert again["position"] == 1
        assert [r["state"] for r in acd.rows("SELECT state FROM acd_web_callbacks ORDER BY id")] == [
            "cancelled", "waiting"]
        # a restart keeps the open one at its place
        await acd.restart()
        assert (await ask("web_callback_status", request=again["request"]))["position"] == 1
        with pytest.raises(ApiCallError, match="too_many"):
            await ask("web_callback_new", **{**new, "number": "01088886666", "token_hash": "ef" * 32})
