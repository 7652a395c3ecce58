"""What an agent starts: its own call out (its phone first, then the customer with the queue's caller ID), keys to
the customer, a chosen waiting caller taken out of turn, short messages to colleagues and queues."""
import pytest

from telephonist.client import ApiCallError
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.acd.harness import running_acd
from tests.support.chand_harness import TrunkGroupSpec

QUEUES = """
[[queues]]
name = "sales"
wrapup_s = 2
caller_id = "4008001234"

[[queues]]
name = "vip"
agent_pick = true
wrapup_s = 2
"""
AGENTS = """
[[agents]]
number = "1001"
extension = "8001"
queues = ["sales", "vip"]

[[agents]]
number = "1002"
extension = "8002"
queues = ["sales"]
"""
OUT = dict(acd='outbound_trunk_group = "out"\n', trunk_groups=[TrunkGroupSpec("out", ["callers/*"])],
           numbers=[NumberBehaviour("139*", "busy"), NumberBehaviour("*", "answer")])


def published(kind, **match):
    return lambda e: e.get("event") == "published" and e["body"].get("kind") == kind and all(
        e["body"].get(k) == v for k, v in match.items())


async def heard(t, far, digits, since):
    for d in digits:
        await t.wait_for(lambda e, d=d: e.get("what") == "dtmf" and e["far"] == far and e["digit"] == d, since=since)


async def test_click_to_dial_rings_the_agent_then_the_customer_with_the_queues_caller_id(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS, **OUT) as acd:
        t, phone = acd.tester, acd.phone("8001")
        for i in range(1, 9):                                            # the network's side of the calls out
            await t.call("sim.take", far=f"callers/{i}~far")
        await acd.login("1001", "8001", ready=False)
        mark, m = t.mark(), acd.desk.mark()
        r = await acd.ask("dial", agent="1001", number="13812345678")
        assert r["state"] == "outbound"
        await t.wait_for("far", far=phone, what="ringing", since=mark)
        await t.call("sim.answer", far=phone)
        dialled = await t.wait_for(lambda e: e.get("what") == "dialled" and e.get("number") == "13812345678",
                                   since=mark)
        customer = dialled["far"]
        call = await t.wait_for(lambda e: e.get("event") == "line_state" and e["chan"] == customer.split("~")[0]
                                and e["state"] == "dialing", since=mark)
        assert call["caller"] == "4008001234"                          # the queue's caller ID
        await acd.desk.wait_for(published("outbound_answered", agent="1001"), since=m)
        mark = t.mark()
        await t.call("sim.dtmf", far=customer, digits="4")
        await heard(t, phone, "4", mark)
        await t.call("sim.dtmf", far=phone, digits="6")
        await heard(t, customer, "6", mark)
        assert (await acd.ask("dtmf", agent="1001", digits="12#"))["id"]     # keys from the desktop
        await heard(t, customer, "12#", mark)
        with pytest.raises(ApiCallError, match="cannot be held"):
            await acd.ask("hold", agent="1001")
        st = {ln["chan"]: ln for ln in (await t.call("status"))["lines"]}
        assert st[customer.split("~")[0]]["agent"] == "1001" and st["phones/1"]["agent"] == "1001"
        m = acd.desk.mark()
        await t.call("sim.hangup", far=customer)
        await acd.wait_agent("1001", "wrap_up", since=m)
        await acd.service.roster.drain()                                 # its state changes are committed
        log = acd.rows("SELECT signal FROM acd_agent_log WHERE agent = '1001' ORDER BY id")
        assert [r["signal"] for r in log][:4] == ["login", "dial", "answer", "hangup"]   # then wrap-up's end, 2 s on


async def test_a_busy_customer_ends_the_agents_call_and_a_persistent_line_stays_open(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS, **OUT) as acd:
        t = acd.tester
        line = await acd.login_on_line("1002", "8002", ready=False)
        m = acd.desk.mark()
        await acd.ask("dial", agent="1002", number="13900000000")
        failed = await acd.desk.wait_for(published("outbound_failed", agent="1002"), since=m)
        assert failed["body"]["number"] == "13900000000"
        await acd.wait_agent("1002", "wrap_up", since=m)
        st = next(ln for ln in (await t.call("status"))["lines"] if ln["chan"] == line)
        assert st["state"] == "up" and "bridge" not in st
        with pytest.raises(ApiCallError, match="number"):
            await acd.ask("dial", agent="1002", number="12ab")
        with pytest.raises(ApiCallError, match="not talking"):
            await acd.ask("dtmf", agent="1002", digits="1")


async def test_an_agent_takes_a_chosen_waiting_caller_where_the_queue_allows(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t, phone = acd.tester, acd.phone("8001")
        await acd.login("1001", "8001", ready=False)                     # not ready: nobody takes callers
        m = acd.desk.mark()
        first = await acd.call(1, caller="13900000001")
        await acd.queued("13900000001", since=m)
        second = await acd.call(1, caller="13900000002")
        joined = await acd.queued("13900000002", since=m)
        sales = await acd.call(0, caller="13900000003")
        in_sales = await acd.queued("13900000003", since=m)
        with pytest.raises(ApiCallError, match="agent_pick"):
            await acd.ask("take", agent="1001", call_id=in_sales["call_id"])
        mark = t.mark()
        await acd.ask("take", agent="1001", call_id=joined["call_id"])
        await t.wait_for("far", far=phone, what="ringing", since=mark)
        await t.call("sim.answer", far=phone)
        answered = await acd.desk.wait_for(published("call_answered", agent="1001"), since=m)
        assert answered["body"]["caller"] == "13900000002"
        await t.call("sim.dtmf", far=second, digits="5")
        await heard(t, phone, "5", mark)
        waiting = {q["queue"]: [c["caller"] for c in q["callers"]] for q in (await acd.ask("status"))["queues"]}
        assert waiting == {"sales": ["13900000003"], "vip": ["13900000001"]}
        with pytest.raises(ApiCallError, match="no caller"):
            await acd.ask("take", agent="1002", call_id="nobody")
        for far in (first, second, sales):
            await t.call("sim.hangup", far=far)


async def test_messages_to_an_agent_a_queue_or_everyone(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        m = acd.desk.mark()
        sent = await acd.ask("message", **{"from": "1001", "to": "agent:1002", "text": "  can you take  the next VIP? "})
        assert sent["text"] == "can you take the next VIP?"
        ev = await acd.desk.wait_for(published("message", to="agent:1002"), since=m)
        assert ev["body"]["from"] == "1001"
        await acd.ask("message", **{"from": "supervisor admin", "to": "queue:sales", "text": "lunch at 12"})
        await acd.desk.wait_for(published("message", to="queue:sales"), since=m)
        assert [x["to"] for x in (await acd.ask("status"))["messages"]] == ["agent:1002", "queue:sales"]
        for to, text, word in (("agent:9", "x", "no agent"), ("queue:nowhere", "x", "no queue"),
                               ("everyone", "x", "agent:N"), ("all", "", "1-500")):
            with pytest.raises(ApiCallError, match=word):
                await acd.ask("message", **{"from": "1001", "to": to, "text": text})


async def test_only_the_console_and_the_dialer_may_choose_a_dials_trunk_and_caller_id(tmp_path):
    """A preview attempt's trunk group, caller ID, call id and data come from the console or the dialer; another
    application (here the desk client, "desk") is refused and nothing is dialled."""
    async with running_acd(tmp_path, QUEUES, AGENTS, **OUT) as acd:
        await acd.login("1001", "8001", ready=False)
        for via in ({"trunk_group": "out"}, {"caller_id": "95555"}, {"call_id": "c-1"}, {"data": {"record": "1"}}):
            with pytest.raises(ApiCallError, match="only webadmin and dialer") as exc:
                await acd.ask("dial", agent="1001", number="13812345678", **via)
            assert exc.value.code == "forbidden"
        status = await acd.ask("status")
        assert next(a for a in status["agents"] if a["agent"] == "1001")["state"] == "not_ready"
        assert not [ln for ln in (await acd.tester.call("status"))["lines"] if ln["state"] != "idle"]
