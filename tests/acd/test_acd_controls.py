"""An agent's call in progress, as the desktop controls it: hold, blind transfer, consultation then transfer
or conference, a supervisor listening, coaching and barging in — judged by who hears whom."""
from tests.acd.harness import running_acd

QUEUES = """
[[queues]]
name = "sales"
strategy = "linear"
wrapup_s = 5

[[queues]]
name = "claims"
strategy = "linear"
wrapup_s = 5
"""
AGENTS = """
[[agents]]
number = "1001"
extension = "8001"
queues = ["sales"]

[[agents]]
number = "1002"
extension = "8002"
queues = ["sales"]

[[agents]]
number = "1003"
extension = "8003"
queues = ["claims"]

[[agents]]
number = "1009"
name = "the supervisor"
extension = "8009"
queues = []
"""


async def says(t, speaker: str, digit: str, hearers: list[str], everyone: list[str]) -> None:
    """speaker's far end keys digit + a marker; exactly the hearers' far ends hear both."""
    mark = t.mark()
    await t.call("sim.dtmf", far=speaker, digits=digit + "D")
    await t.wait_for("far", far=speaker, what="dtmf_sent", since=mark)
    settle = (await t.call("sim.play", far=speaker, items=[{"silence": 300}]))["playback"]
    await t.wait_for(lambda e: e.get("what") == "play_done" and e["far"] == speaker and e.get("playback") == settle,
                     since=mark)
    for far in hearers:
        await t.wait_for(lambda e, f=far: e.get("what") == "dtmf" and e["far"] == f and e["digit"] == "D", since=mark)
    for far in everyone:
        got = "".join(e["digit"] for e in t.events[mark:] if e.get("what") == "dtmf" and e.get("far") == far)
        assert got == (digit + "D" if far in hearers else ""), f"{far} heard {got!r} after {speaker} said {digit}"


async def connected(acd, agent: str, extension: str, queue: int = 0, caller: str = "13900001111") -> str:
    """A caller reaches the agent (who lifts at the first ring); returns the caller's far end."""
    t = acd.tester
    mark, m = t.mark(), acd.desk.mark()
    far = await acd.call(queue, caller=caller)
    await t.wait_for("far", far=acd.phone(extension), what="ringing", since=mark)
    await t.call("sim.answer", far=acd.phone(extension))
    await acd.wait_agent(agent, "on_call", since=m)
    return far


async def lift_when_rung(acd, extension: str, mark: int) -> None:
    await acd.tester.wait_for("far", far=acd.phone(extension), what="ringing", since=mark)
    await acd.tester.call("sim.answer", far=acd.phone(extension))


async def test_hold_takes_the_caller_out_of_the_call(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t = acd.tester
        await acd.login("1001", "8001")
        caller = await connected(acd, "1001", "8001")
        a = acd.phone("8001")
        assert (await acd.ask("hold", agent="1001"))["state"] == "on_hold"
        await says(t, caller, "1", [], [caller, a])
        await says(t, a, "2", [], [caller, a])
        assert (await acd.ask("unhold", agent="1001"))["state"] == "on_call"
        await says(t, caller, "3", [a], [caller, a])


async def test_blind_transfer_to_another_agent_and_to_another_queue(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t = acd.tester
        await acd.login("1001", "8001")
        await acd.login("1002", "8002")
        await acd.login("1003", "8003")
        caller = await connected(acd, "1001", "8001")
        a, b, c = acd.phone("8001"), acd.phone("8002"), acd.phone("8003")
        mark, m = t.mark(), acd.desk.mark()
        await acd.ask("transfer", agent="1001", to="agent:1002")
        await acd.wait_agent("1001", "wrap_up", since=m)
        await t.call("sim.hangup", far=a)                           # the first agent puts the phone down
        await lift_when_rung(acd, "8002", mark)
        await acd.wait_agent("1002", "on_call", since=m)
        await says(t, caller, "4", [b], [caller, a, b])
        # and on to the claims queue, whose agent takes it
        mark, m = t.mark(), acd.desk.mark()
        await acd.ask("transfer", agent="1002", to="queue:claims")
        await lift_when_rung(acd, "8003", mark)
        await acd.wait_agent("1003", "on_call", since=m)
        await says(t, caller, "5", [c], [caller, b, c])
        status = {ln["chan"]: ln for ln in (await t.call("status"))["lines"]}
        caller_line = next(ln for ln in status.values() if ln["chan"].startswith("callers/") and ln["state"] == "up")
        assert (caller_line["agent"], caller_line["queue"]) == ("1003", "claims")


async def test_consult_then_transfer_conference_or_back(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t = acd.tester
        await acd.login("1001", "8001")
        caller = await connected(acd, "1001", "8001")
        await acd.login("1002", "8002")
        a, b = acd.phone("8001"), acd.phone("8002")
        everyone = [caller, a, b]
        # consult 1002: the caller is held; the two agents talk
        mark, m = t.mark(), acd.desk.mark()
        await acd.ask("consult", agent="1001", to="agent:1002")
        await lift_when_rung(acd, "8002", mark)
        await acd.wait_agent("1002", "on_call", since=m)
        await says(t, a, "1", [b], everyone)
        await says(t, caller, "2", [], everyone)
        # conference: all three
        await acd.ask("conference", agent="1001")
        await says(t, caller, "3", [a, b], everyone)
        # back to a consultation is not possible now; cancel the consulted party: the two again
        await acd.ask("hold", agent="1001")
        await acd.ask("cancel_consult", agent="1001")
        await acd.wait_agent("1002", "wrap_up", since=m)
        await says(t, caller, "4", [a], everyone)
        # consult again and complete: the caller talks to 1002, the first agent wraps up
        mark = t.mark()
        await t.call("sim.hangup", far=b)
        await t.wait_for("line_state", chan="phones/2", state="idle", since=mark)
        await acd.wait_agent("1002", "ready", since=m)
        mark, m = t.mark(), acd.desk.mark()
        await acd.ask("consult", agent="1001", to="agent:1002")
        await lift_when_rung(acd, "8002", mark)
        await acd.wait_agent("1002", "on_call", since=m)
        await acd.ask("complete_transfer", agent="1001")
        await acd.wait_agent("1001", "wrap_up", since=m)
        await says(t, caller, "5", [b], [caller, b])
        # the caller hangs up: the second agent wraps up
        m = acd.desk.mark()
        await t.call("sim.hangup", far=caller)
        await acd.wait_agent("1002", "wrap_up", since=m)


async def test_the_agent_hangs_up_during_a_consultation(tmp_path):
    """Hanging up with the consulted party on the line hands the caller over (as a transfer); hanging up while
    it still rings puts the caller back at the head of the queue."""
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t = acd.tester
        await acd.login("1001", "8001")
        caller = await connected(acd, "1001", "8001")
        await acd.login("1002", "8002")
        a, b = acd.phone("8001"), acd.phone("8002")
        mark, m = t.mark(), acd.desk.mark()
        await acd.ask("consult", agent="1001", to="agent:1002")
        await lift_when_rung(acd, "8002", mark)
        await acd.wait_agent("1002", "on_call", since=m)
        await t.call("sim.hangup", far=a)
        await acd.wait_agent("1001", "wrap_up", since=m)
        await says(t, caller, "6", [b], [caller, b])
        assert await acd.agent_state("1002") == "on_call"
        # 1002 consults 1001 and hangs up while 1001's phone still rings: the caller waits again, first in line
        await acd.wait_agent("1001", "ready", since=m)                # its wrap-up over
        mark, m = t.mark(), acd.desk.mark()
        await acd.ask("consult", agent="1002", to="agent:1001")
        await t.wait_for("far", far=a, what="ringing", since=mark)
        await t.call("sim.hangup", far=b)
        await acd.wait_agent("1002", "wrap_up", since=m)
        await acd.wait_agent("1001", "ready", since=m)              # not stuck reserved
        assert await acd.queued("13900001111", since=m)


async def test_a_supervisor_listens_coaches_and_barges_in(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t = acd.tester
        await acd.login("1001", "8001")
        caller = await connected(acd, "1001", "8001")
        a, s = acd.phone("8001"), acd.phone("8009")
        everyone = [caller, a, s]
        for mode, s_heard_by in (("listen", []), ("whisper", [a]), ("barge", [caller, a])):
            mark = t.mark()
            await acd.ask("supervise", supervisor="1009", agent="1001", mode=mode)
            await lift_when_rung(acd, "8009", mark)
            await acd.desk.wait_for(lambda e: e.get("event") == "published" and e["body"]["kind"] == "supervising"
                                    and e["body"]["mode"] == mode, since=0)
            await says(t, caller, "1", [a, s], everyone)
            await says(t, s, "2", s_heard_by, everyone)
            mark = t.mark()
            await t.call("sim.hangup", far=s)
            await t.wait_for("line_state", chan="phones/9", state="idle", since=mark)
        await says(t, caller, "3", [a], [caller, a])
