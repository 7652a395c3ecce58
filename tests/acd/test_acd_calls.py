"""Callers reach agents: the phone of the agent the strategy picks rings, the agent lifts and talks to the
caller, the call ends and the agent wraps up; and every way it can go wrong leaves no agent stuck."""
import pytest

from telephonist.client import ApiCallError
from tests.acd.harness import running_acd

QUEUES = """
[[queues]]
name = "sales"
strategy = "longest_idle"
wrapup_s = 5
ring_timeout_s = 12
"""
AGENTS = """
[[agents]]
number = "1001"
name = "Li Wei"
extension = "8001"
queues = ["sales"]

[[agents]]
number = "1002"
name = "Wang Fang"
extension = "8002"
queues = ["sales"]
"""


async def heard(tester, far, digit, since):
    await tester.wait_for(lambda e: e.get("what") == "dtmf" and e["far"] == far and e["digit"] == digit, since=since)


async def test_a_caller_reaches_the_longest_idle_agent_talks_and_the_agent_wraps_up(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t = acd.tester
        await acd.login("1002", "8002")
        await acd.login("1001", "8001")                 # ready later than 1002: 1002 has waited longer
        mark = t.mark()
        caller = await acd.call(caller="13900001111")
        ring = await t.wait_for("far", what="ringing", since=mark)
        assert ring["far"] == acd.phone("8002")
        assert await acd.agent_state("1002") == "ringing" and await acd.agent_state("1001") == "ready"
        await t.call("sim.answer", far=acd.phone("8002"))
        await acd.wait_agent("1002", "on_call")
        # they hear each other
        m = t.mark()
        await t.call("sim.dtmf", far=caller, digits="7")
        await heard(t, acd.phone("8002"), "7", m)
        await t.call("sim.dtmf", far=acd.phone("8002"), digits="3")
        await heard(t, caller, "3", m)
        status = {ln["chan"]: ln for ln in (await t.call("status"))["lines"]}
        assert status["phones/2"]["agent"] == "1002" and status["phones/2"]["queue"] == "sales"
        # the caller hangs up: the agent's phone is hung up, wrap-up, then ready after 5 s of engine time
        m = acd.desk.mark()
        await t.call("sim.hangup", far=caller)
        wrap = await acd.wait_agent("1002", "wrap_up", since=m)
        ready = await acd.wait_agent("1002", "ready", since=m)
        assert 5000 <= ready["time_ms"] - wrap["time_ms"] < 5200
        # in wrap-up the agent's state still says whom the call was with (a desktop opened now shows its pop)
        assert (wrap["call_id"], wrap["last_call"]["caller"], wrap["last_call"]["queue"]) == (None, "13900001111",
                                                                                              "sales")
        assert wrap["last_call"]["call_id"] and ready["last_call"] is None
        m = t.mark()
        await t.call("sim.hangup", far=acd.phone("8002"))
        await t.wait_for("line_state", chan="phones/2", state="idle", since=m)
        await acd.chand.board.recorder.drain()
        [row] = acd.rows("SELECT * FROM acd_calls")
        assert (row["queue"], row["agent"], row["outcome"], row["caller"]) == ("sales", "1002", "answered",
                                                                                  "13900001111")
        assert row["wait_ms"] is not None and row["talk_ms"] > 0
        legs = acd.rows("SELECT span, agent, queue FROM call_legs ORDER BY id")
        assert {(leg["span"], leg["agent"], leg["queue"]) for leg in legs} == {
            ("callers", "1002", "sales"), ("phones", "1002", "sales")}, legs
        log = [(r["from_state"], r["to_state"]) for r in acd.rows(
            "SELECT * FROM acd_agent_log WHERE agent = '1002' ORDER BY id")]
        assert log == [("logged_out", "not_ready"), ("not_ready", "ready"), ("ready", "reserved"),
                       ("reserved", "ringing"), ("ringing", "on_call"), ("on_call", "wrap_up"), ("wrap_up", "ready")]
        assert acd.rows("SELECT * FROM acd_waiting") == []


async def test_an_agent_who_does_not_answer_goes_not_ready_and_the_caller_goes_to_the_next(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t = acd.tester
        await acd.login("1001", "8001")
        await acd.login("1002", "8002")
        mark, m = t.mark(), acd.desk.mark()
        caller = await acd.call()
        await t.wait_for("far", far=acd.phone("8001"), what="ringing", since=mark)
        missed = await acd.wait_agent("1001", "not_ready", since=m)   # rang 12 s, nobody lifted
        assert missed["reason"] == "missed"
        await t.wait_for("far", far=acd.phone("8002"), what="ringing", since=mark)
        await t.call("sim.answer", far=acd.phone("8002"))
        await acd.wait_agent("1002", "on_call", since=m)
        await t.call("sim.hangup", far=caller)
        await acd.wait_agent("1002", "wrap_up", since=m)
        assert await acd.agent_state("1001") == "not_ready"


async def test_the_caller_hangs_up_while_the_agent_phone_rings(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t = acd.tester
        await acd.login("1001", "8001")
        mark = t.mark()
        caller = await acd.call()
        await t.wait_for("far", far=acd.phone("8001"), what="ringing", since=mark)
        m = acd.desk.mark()
        await t.call("sim.hangup", far=caller)
        await acd.wait_agent("1001", "ready", since=m)                 # not stuck reserved or ringing
        await acd.desk.wait_for(lambda e: e.get("event") == "published" and e["body"]["kind"] == "caller_left",
                                since=m)
        [row] = acd.rows("SELECT outcome FROM acd_calls")
        assert row["outcome"] == "abandoned"
        # and the next caller still reaches that agent
        mark = t.mark()
        await acd.call(caller="13900002222")
        await t.wait_for("far", far=acd.phone("8001"), what="ringing", since=mark)


async def test_a_busy_phone_is_a_missed_offer_and_callers_wait_their_turn(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t = acd.tester
        await acd.login("1001", "8001")
        await t.call("sim.call", chan="phones/1")                    # the agent's phone is off hook
        m = acd.desk.mark()
        c1 = await acd.call(caller="13900000001")
        assert (await acd.wait_agent("1001", "not_ready", since=m))["reason"] == "missed"
        c2 = await acd.call(caller="13900000002")
        assert (await acd.queued("13900000002", since=m))["position"] == 2
        status = (await acd.ask("status"))["queues"][0]
        assert [c["caller"] for c in status["callers"]] == ["13900000001", "13900000002"]
        assert [c["position"] for c in status["callers"]] == [1, 2]
        await t.call("sim.hangup", far=acd.phone("8001"))
        mark = t.mark()
        await acd.login("1002", "8002")
        await t.wait_for("far", far=acd.phone("8002"), what="ringing", since=mark)
        status = (await acd.ask("status"))["queues"][0]
        assert [c["caller"] for c in status["callers"]] == ["13900000002"]   # the first caller is the one offered
        for far in (c1, c2):
            await t.call("sim.hangup", far=far)


async def test_logout_during_a_call_takes_effect_when_it_ends(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t = acd.tester
        await acd.login("1001", "8001")
        caller = await acd.call()
        await t.wait_for("far", far=acd.phone("8001"), what="ringing", since=0)
        await t.call("sim.answer", far=acd.phone("8001"))
        await acd.wait_agent("1001", "on_call", since=0)
        r = await acd.ask("logout", agent="1001")
        assert r["state"] == "on_call"
        m = acd.desk.mark()
        await t.call("sim.hangup", far=acd.phone("8001"))            # the agent hangs up
        await acd.wait_agent("1001", "logged_out", since=m)
        await t.wait_for("far", far=caller, what="released", since=0)   # the caller is hung up too
        with pytest.raises(ApiCallError) as e:
            await acd.ask("ready", agent="1001")
        assert e.value.code == "wrong_state"


async def test_the_agent_call_is_recorded_in_stereo_customer_left_agent_right(tmp_path):
    """record = "all" (the default): one WAV per agent call, bound to the customer's call leg, the customer on the
    left and the agent on the right; it ends with the agent's call, not with the customer's next stop."""
    from tests.support import signals as S
    async with running_acd(tmp_path, QUEUES.replace('wrapup_s = 5', 'wrapup_s = 5\nsurvey = "ivr:survey"'),
                           AGENTS) as acd:
        t = acd.tester
        low = S.write_wav(tmp_path / "customer.wav", S.tone([(697, -10.0)], 600))
        high = S.write_wav(tmp_path / "agent.wav", S.tone([(1477, -10.0)], 600))
        caller = await acd.talking("1001", "8001")
        m = t.mark()
        await t.call("sim.play", far=caller, items=[low])     # the customer speaks
        await t.call("sim.play", far=acd.phone("8001"), items=[high])   # the agent speaks
        for far in (caller, acd.phone("8001")):
            await t.wait_for("far", far=far, what="play_done", since=m)
        m = t.mark()
        await t.call("sim.hangup", far=acd.phone("8001"))       # the agent hangs up: the customer goes on (survey)
        await acd.wait_agent("1001", "wrap_up")
        await t.call("sim.play", far=caller, items=[low])    # in nobody's recording
        await t.wait_for("far", far=caller, what="play_done", since=m)
        await t.call("sim.hangup", far=caller)
        await t.wait_for("line_state", chan=caller.split("~")[0], state="idle", since=m)
        await acd.chand.board.recorder.drain()
        paths = {leg["span"]: leg["recording_path"] for leg in acd.rows("SELECT span, recording_path FROM call_legs")}
        assert paths["callers"], paths
        wav = S.read_wav(paths["callers"])
        assert wav.channels == 2
        left, right = wav.samples
        assert S.goertzel_dbm0(left, 697) > -30 and S.goertzel_dbm0(left, 1477) < -50
        assert S.goertzel_dbm0(right, 1477) > -30 and S.goertzel_dbm0(right, 697) < -50
        # 600 ms of each side and the silence around them, not the customer's time after the agent left
        runs = S.active_runs(left)
        assert len(runs) == 1, runs


async def test_on_demand_recording_starts_and_stops_when_the_agent_says(tmp_path):
    from tests.support import signals as S
    async with running_acd(tmp_path, QUEUES.replace('wrapup_s = 5', 'wrapup_s = 5\nrecord = "on_demand"'),
                           AGENTS) as acd:
        t = acd.tester
        low = S.write_wav(tmp_path / "customer.wav", S.tone([(697, -10.0)], 400))
        caller = await acd.talking("1001", "8001")
        assert list((tmp_path / "recordings").rglob("*.wav")) == []          # on demand: nothing yet
        started = await acd.desk.request("queue", {"action": "record", "agent": "1001", "on": True})
        with pytest.raises(ApiCallError, match="already"):
            await acd.desk.request("queue", {"action": "record", "agent": "1001", "on": True})
        m = t.mark()
        await t.call("sim.play", far=caller, items=[low])
        await t.wait_for("far", far=caller, what="play_done", since=m)
        m = t.mark()
        await acd.desk.request("queue", {"action": "record", "agent": "1001", "on": False})
        await t.call("sim.play", far=caller, items=[low])            # after the stop: not in the file
        await t.wait_for("far", far=caller, what="play_done", since=m)
        await t.call("sim.hangup", far=caller)
        await t.wait_for("line_state", chan=caller.split("~")[0], state="idle", since=m)
        wav = S.read_wav(started["path"])
        assert wav.channels == 2 and len(S.active_runs(wav.samples[0])) == 1


async def test_wrap_up_is_extended_by_the_agent_and_ends_at_the_new_time(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS) as acd:
        t = acd.tester
        caller = await acd.talking("1001", "8001")
        with pytest.raises(ApiCallError, match="not wrapping up"):
            await acd.ask("wrapup_extend", agent="1001", seconds=30)
        m = acd.desk.mark()
        await t.call("sim.hangup", far=caller)
        wrap = await acd.wait_agent("1001", "wrap_up", since=m)
        await t.call("sim.hangup", far=acd.phone("8001"))
        got = await acd.ask("wrapup_extend", agent="1001", seconds=30)      # 5 s wrap-up, 30 s more
        assert 34000 <= got["wrapup_left_ms"] <= 35000
        with pytest.raises(ApiCallError, match="seconds"):
            await acd.ask("wrapup_extend", agent="1001", seconds=0)
        ready = await acd.wait_agent("1001", "ready", since=m)
        assert 35000 <= ready["time_ms"] - wrap["time_ms"] < 35200
