"""Agents on a persistent line: the phone rings once at login, stays off-hook, and callers come on it without
ringing (after a beep in an auto-answer queue, or once the agent accepts with # or the answer request). The line
outlives each call, survives an ACD restart, and closes when the agent logs out or hangs up."""
import pytest

from telephonist.client import ApiCallError
from tests.acd.harness import running_acd

QUEUES = """
[[queues]]
name = "sales"
auto_answer = true
wrapup_s = 2
ring_timeout_s = 8

[[queues]]
name = "support"
wrapup_s = 2
ring_timeout_s = 8
"""
AGENTS = """
[[agents]]
number = "1001"
extension = "8001"
queues = ["sales", "support"]

[[agents]]
number = "1002"
extension = "8002"
queues = ["sales", "support"]
"""
SALES, SUPPORT = 0, 1


async def heard(tester, far, digit, since):
    await tester.wait_for(lambda e: e.get("what") == "dtmf" and e["far"] == far and e["digit"] == digit, since=since)


async def talk_both_ways(t, caller, agent_phone):
    m = t.mark()
    await t.call("sim.dtmf", far=caller, digits="7")
    await heard(t, agent_phone, "7", m)
    await t.call("sim.dtmf", far=agent_phone, digits="3")
    await heard(t, caller, "3", m)


def rang_since(t, far, mark):
    return [e for e in t.events.since(mark) if e.get("event") == "far" and e.get("far") == far
            and e.get("what") == "ringing"]


async def line_state(t, chan):
    return next(ln for ln in (await t.call("status"))["lines"] if ln["chan"] == chan)


async def test_an_auto_answer_queue_puts_callers_through_on_the_open_line_without_ringing(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t, phone = acd.tester, acd.phone("8001")
        line = await acd.login_on_line("1001", "8001")
        assert line == "phones/1"
        assert (await acd.ask("status"))["agents"][0]["line"] == "open"
        for n in range(2):                                       # one call after another on the same line
            mark, m = t.mark(), acd.desk.mark()
            caller = await acd.call(SALES, caller=f"1390000111{n}")
            await acd.wait_agent("1001", "on_call", since=m)
            assert rang_since(t, phone, mark) == []
            await talk_both_ways(t, caller, phone)
            assert (await line_state(t, line))["agent"] == "1001"
            m = acd.desk.mark()
            await t.call("sim.hangup", far=caller)
            await acd.wait_agent("1001", "wrap_up", since=m)
            await acd.wait_agent("1001", "ready", since=m)
            st = await line_state(t, line)
            assert st["state"] == "up" and "bridge" not in st            # the line stays open, in no call
        rows = acd.rows("SELECT agent, outcome FROM acd_calls ORDER BY id")
        assert rows == [{"agent": "1001", "outcome": "answered"}] * 2

        # * on the phone ends the call: the caller is let go, the line stays
        mark, m = t.mark(), acd.desk.mark()
        caller = await acd.call(SALES, caller="13900002222")
        await acd.wait_agent("1001", "on_call", since=m)
        await t.call("sim.dtmf", far=phone, digits="*")
        await t.wait_for("far", far=caller, what="released", since=mark)
        await acd.wait_agent("1001", "wrap_up", since=m)
        assert (await line_state(t, line))["state"] == "up"

        # the agent hangs up the phone: the line is closed and calls ring the phone again
        m = acd.desk.mark()
        await t.call("sim.hangup", far=phone)
        await acd.desk.wait_for(lambda e: e.get("event") == "published" and e["body"].get("kind") == "agent_line"
                                and e["body"]["line"] == "closed", since=m)
        await acd.wait_agent("1001", "ready", since=m)
        mark = t.mark()
        await acd.call(SALES, caller="13900003333")
        await t.wait_for("far", far=phone, what="ringing", since=mark)
        assert await acd.agent_state("1001") == "ringing"


async def test_other_queues_alert_on_the_line_until_the_agent_accepts_or_it_counts_as_missed(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t, phone = acd.tester, acd.phone("8001")
        line = await acd.login_on_line("1001", "8001")
        # accepted with # on the phone, then with the answer request (the desktop's button)
        async def by_key():
            await t.call("sim.dtmf", far=phone, digits="#")

        async def by_request():
            assert (await acd.ask("answer", agent="1001"))["state"] == "on_call"

        for n, accept in enumerate((by_key, by_request)):
            mark, m = t.mark(), acd.desk.mark()
            caller = await acd.call(SUPPORT, caller=f"1390000111{n}")
            await acd.wait_agent("1001", "ringing", since=m)
            await accept()
            await acd.wait_agent("1001", "on_call", since=m)
            assert rang_since(t, phone, mark) == []
            await talk_both_ways(t, caller, phone)
            m = acd.desk.mark()
            await t.call("sim.hangup", far=caller)
            await acd.wait_agent("1001", "ready", since=m)
        with pytest.raises(ApiCallError, match="no call waiting"):
            await acd.ask("answer", agent="1001")

        # the caller hangs up while the line alerts: the agent is ready again, the line open and free
        m = acd.desk.mark()
        caller = await acd.call(SUPPORT, caller="13900003333")
        await acd.wait_agent("1001", "ringing", since=m)
        await t.call("sim.hangup", far=caller)
        await acd.wait_agent("1001", "ready", since=m)
        assert "bridge" not in await line_state(t, line)

        # nobody accepts: after ring_timeout_s the agent is not ready "missed" and the caller goes to 1002,
        # whose phone rings (1002 has no persistent line)
        await acd.login("1002", "8002")
        await acd.ask("not_ready", agent="1002", reason="break")
        m, mark = acd.desk.mark(), t.mark()
        caller = await acd.call(SUPPORT, caller="13900004444")
        rung = await acd.wait_agent("1001", "ringing", since=m)
        missed = await acd.wait_agent("1001", "not_ready", since=m)
        assert missed["reason"] == "missed" and 8000 <= missed["time_ms"] - rung["time_ms"] < 8500
        assert (await acd.ask("status"))["queues"][1]["callers"][0]["caller"] == "13900004444"
        await acd.ask("ready", agent="1002")
        await t.wait_for("far", far=acd.phone("8002"), what="ringing", since=mark)
        await t.call("sim.answer", far=acd.phone("8002"))
        await acd.wait_agent("1002", "on_call", since=m)
        await talk_both_ways(t, caller, acd.phone("8002"))
        assert (await line_state(t, line))["state"] == "up"      # the missed call left 1001's line open


async def test_a_consulted_colleague_on_a_line_takes_the_transfer_and_keeps_the_line(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t = acd.tester
        line = await acd.login_on_line("1002", "8002", ready=False)
        caller = await acd.talking("1001", "8001")               # 1001 works with a ringing phone
        await acd.ask("ready", agent="1002")
        m, mark = acd.desk.mark(), t.mark()
        await acd.ask("consult", agent="1001", to="agent:1002")
        await acd.wait_agent("1002", "on_call", since=m)           # on at once: no ringing
        assert rang_since(t, acd.phone("8002"), mark) == []
        await talk_both_ways(t, acd.phone("8001"), acd.phone("8002"))    # the two agents talk, the caller held
        await acd.ask("complete_transfer", agent="1001")
        await acd.wait_agent("1001", "wrap_up", since=m)
        await talk_both_ways(t, caller, acd.phone("8002"))
        m = acd.desk.mark()
        await t.call("sim.hangup", far=caller)
        await acd.wait_agent("1002", "wrap_up", since=m)
        st = await line_state(t, line)
        assert st["state"] == "up" and "bridge" not in st


async def test_a_restarted_acd_takes_up_the_lines_idle_and_in_a_call_and_logout_closes_them(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t = acd.tester
        line1 = await acd.login_on_line("1001", "8001")
        m = acd.desk.mark()
        caller = await acd.call(SALES, caller="13900001111")
        await acd.wait_agent("1001", "on_call", since=m)
        line2 = await acd.login_on_line("1002", "8002")

        await acd.restart()
        agents = {a["agent"]: a for a in (await acd.ask("status"))["agents"]}
        assert (agents["1001"]["state"], agents["1001"]["line"]) == ("on_call", "open")
        assert (agents["1002"]["state"], agents["1002"]["line"]) == ("ready", "open")
        await talk_both_ways(t, caller, acd.phone("8001"))         # the call went on
        # the idle line takes the next caller, without ringing
        mark, m = t.mark(), acd.desk.mark()
        caller2 = await acd.call(SALES, caller="13900002222")
        await acd.wait_agent("1002", "on_call", since=m)
        assert rang_since(t, acd.phone("8002"), mark) == []
        await talk_both_ways(t, caller2, acd.phone("8002"))
        # the first call ends: 1001's line stays open
        m = acd.desk.mark()
        await t.call("sim.hangup", far=caller)
        await acd.wait_agent("1001", "wrap_up", since=m)
        assert (await line_state(t, line1))["state"] == "up"

        # logging out closes the line (after the call, for an agent talking)
        mark, m = t.mark(), acd.desk.mark()
        await acd.ask("logout", agent="1001")
        await acd.wait_agent("1001", "logged_out", since=m)
        await t.wait_for("line_state", chan=line1, state="clearing", since=mark)   # hung up: the phone hears it
        await acd.ask("logout", agent="1002")
        m = acd.desk.mark()
        await t.call("sim.hangup", far=caller2)
        await acd.wait_agent("1002", "logged_out", since=m)
        await t.wait_for("line_state", chan=line2, state="clearing", since=mark)
