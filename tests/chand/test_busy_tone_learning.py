"""A PBX whose disconnect tone no zone knows (500 Hz, 250/250 ms) and no loop break: calls stay up after
the far end hangs up, until the line's tone is learnt by calling out on it; then chand hangs up within
2 s of the far hang-up (engine clock), and speech and music on hold never pass for the tone (three
minutes here; tests/engine/test_line_tone.py plays thirty)."""
import asyncio

import pytest

from telephonist.busytone.learn import LearnError, learn_by_calling
from telephonist.chand.busy_tones import apply_busy_tones
from telephonist.chand.line import LineState
from telephonist.client import Client
from telephonist.config.busy_tones import BusyTone
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.support.chand_harness import SpanSpec, running_chand
from tests.support.hold_audio import speech_and_music

PBX = BusyTone(frequencies=(500,), cadence_ms=(250, 250), level_dbm0=-15)
HANGS_UP = "5550000"          # the PBX's test number: answers and hangs up at once


def pbx_spans():
    return [SpanSpec("pstn", "fxo", 1, far_busy_tone=PBX)]


async def inbound_call(desk, tester) -> tuple[str, dict]:
    """A call from the PBX, answered by the desk: (the far end, the desk's answered event)."""
    mark, far_mark = desk.mark(), tester.mark()
    far = (await tester.call("sim.call", chan="pstn/1", caller="13800000001"))["far"]
    offer = await desk.wait_for("offer", chan="pstn/1", since=mark, timeout=60)
    await desk.call("answer", chan=offer["chan"])
    answered = await desk.wait_for("answered", chan="pstn/1", since=mark, timeout=60)
    await tester.wait_for("far", far=far, what="connected", since=far_mark, timeout=60)
    return far, answered


async def engine_wait(app, ms: int) -> None:
    """Let ms of engine time pass (an application timer)."""
    mark = app.mark()
    t = await app.call("timer", ms=ms)
    await app.wait_for(lambda e: e.get("event") == "timer" and e["timer"] == t["timer"], since=mark, timeout=120)


PBX_AND_PHONES = [SpanSpec("pstn", "fxo", 1), SpanSpec("phones", "fxs", 1, extensions=["8001"])]


async def app_and_admin(chand) -> tuple[Client, Client]:
    """An application's session and an admin session (what learn-busy opens)."""
    app = await chand.client("crm")
    admin = await Client.connect_unix(chand.socket, app="learn-busy", role="admin", keep_events=True)
    chand.clients.append(admin)
    return app, admin


async def refusal(client, command: str, **args) -> str:
    """The error code chand refuses command with."""
    from telephonist.client import ApiCallError
    with pytest.raises(ApiCallError) as refused:
        await client.call(command, **args)
    return refused.value.code


async def test_unknown_pbx_tone_learnt_by_calling_then_calls_end_within_2_s(tmp_path):
    numbers = [NumberBehaviour(HANGS_UP, "answer", after_rings=1, hangup_after_ms=300)]
    async with running_chand(tmp_path, pbx_spans(), default_route="app:desk", records=True,
                             numbers=numbers) as chand:
        desk = await chand.client("desk")
        tester = await chand.client("tester")

        # before: the far end hangs up, the PBX plays its tone, nothing ends the call
        far, _ = await inbound_call(desk, tester)
        mark = desk.mark()
        await tester.call("sim.hangup", far=far)
        await engine_wait(tester, 20_000)
        assert not [e for e in desk.events.since(mark) if e.get("event") in ("hangup", "ended")]
        assert chand.board.lines["pstn/1"].state == LineState.UP
        await desk.call("hangup", chan="pstn/1")
        await desk.wait_for("ended", chan="pstn/1", since=mark, timeout=60)

        # learn: call the test number on the line and measure what the PBX plays after it hangs up
        admin = await Client.connect_unix(chand.socket, app="learn-busy", role="admin", keep_events=True)
        chand.clients.append(admin)
        learnt = await learn_by_calling(admin, "pstn/1", HANGS_UP)
        tone = learnt.measurement.tone
        assert len(tone.frequencies) == 1 and abs(tone.frequencies[0] - 500) <= 5, tone
        assert len(tone.cadence_ms) == 2 and all(abs(ms - 250) <= 20 for ms in tone.cadence_ms), tone
        assert abs(tone.level_dbm0 - PBX.level_dbm0) <= 2, tone
        assert learnt.measurement.cycles >= 3
        assert apply_busy_tones(chand.board, {"pstn/1": tone}) == ["pstn/1"]     # what chand's reload does

        # after: chand hangs up on the tone within 2 s of the far hang-up, and the record says so
        far, answered = await inbound_call(desk, tester)
        mark, desk_mark = tester.mark(), desk.mark()
        await tester.call("sim.hangup", far=far)
        hung_up = await tester.wait_for("far", far=far, what="hung_up", since=mark, timeout=60)
        hangup = await desk.wait_for("hangup", chan="pstn/1", since=desk_mark, timeout=60)
        assert hangup["cause"] == "busy_tone"
        assert hangup["time_ms"] - hung_up["time_ms"] <= 2000
        await desk.wait_for("ended", chan="pstn/1", since=desk_mark, timeout=60)
        await chand.board.recorder.drain()
        legs = await chand.store.recent(5)
        leg = next(leg for leg in legs if leg.direction == "inbound" and leg.hangup_cause == "busy_tone")
        assert leg.disposition == "answered"
        ended_ms = answered["time_ms"] + leg.talk_ms          # the record's end, on the engine clock
        assert 0 < ended_ms - hung_up["time_ms"] <= 2000


async def test_learning_a_tone_the_zone_knows_says_so_and_learns_nothing(tmp_path):
    numbers = [NumberBehaviour(HANGS_UP, "answer", after_rings=1, hangup_after_ms=300)]
    async with running_chand(tmp_path, [SpanSpec("pstn", "fxo", 1)], numbers=numbers) as chand:
        admin = await Client.connect_unix(chand.socket, app="learn-busy", role="admin", keep_events=True)
        chand.clients.append(admin)
        with pytest.raises(LearnError, match="by itself"):
            await learn_by_calling(admin, "pstn/1", HANGS_UP)
        assert chand.board.lines["pstn/1"].state in (LineState.IDLE, LineState.CLEARING)


async def test_three_minutes_of_speech_and_music_never_pass_for_the_learnt_tone(tmp_path):
    async with running_chand(tmp_path, pbx_spans(), default_route="app:desk") as chand:
        desk = await chand.client("desk")
        tester = await chand.client("tester")
        apply_busy_tones(chand.board, {"pstn/1": PBX})
        far, _ = await inbound_call(desk, tester)
        mark = desk.mark()
        audio, audio_ms = speech_and_music(tmp_path)
        rounds = -(-3 * 60_000 // audio_ms)
        await tester.call("sim.play", far=far, items=[audio] * rounds)
        await engine_wait(tester, rounds * audio_ms)
        assert not [e for e in desk.events.since(mark) if e.get("event") in ("hangup", "ended", "tone")]
        assert chand.board.lines["pstn/1"].state == LineState.UP
        # and the armed tone still works at the end of it
        await tester.call("sim.hangup", far=far)
        hangup = await desk.wait_for("hangup", chan="pstn/1", since=mark, timeout=60)
        assert hangup["cause"] == "busy_tone"


async def test_dialling_on_a_named_line_is_for_admin_sessions_and_idle_exchange_lines(tmp_path):
    async with running_chand(tmp_path, PBX_AND_PHONES) as chand:
        app, admin = await app_and_admin(chand)
        for client, chan, code in ((app, "pstn/1", "forbidden"), (admin, "phones/1", "bad_request"),
                                   (admin, "pstn/7", "not_found")):
            assert await refusal(client, "dial", chan=chan, number="8000") == code, chan
        await admin.call("dial", chan="pstn/1", number="8000")
        assert await refusal(admin, "dial", chan="pstn/1", number="8000") == "unavailable"
        await admin.call("hangup", chan="pstn/1")


async def test_chand_learns_the_tone_by_itself_from_two_calls_whose_end_it_did_not_hear(tmp_path):
    from telephonist.chand.busy_learning import BusyLearning
    kept = []
    async with running_chand(tmp_path, pbx_spans(), default_route="app:desk", records=True) as chand:
        chand.board.busy_learning = BusyLearning(chand.board, {"pstn"}, lambda span, tone: kept.append((span, tone)))
        desk = await chand.client("desk")
        tester = await chand.client("tester")
        await desk.call("subscribe", lines=True)
        folder = tmp_path / "recordings" / "busy-learn"

        async def call_left_up_by_the_far_end(speech: str | None = None):
            far, _ = await inbound_call(desk, tester)
            mark = desk.mark()
            if speech:      # the caller is still there, talking, when the desk hangs up: nothing to learn
                await tester.call("sim.play", far=far, items=[speech])
                await engine_wait(tester, 8000)
            else:
                await tester.call("sim.hangup", far=far)
                await engine_wait(tester, 8000)
            await desk.call("hangup", chan="pstn/1")
            await desk.wait_for("ended", chan="pstn/1", since=mark, timeout=60)
            return mark

        audio, _ = speech_and_music(tmp_path)
        await call_left_up_by_the_far_end(audio)
        await call_left_up_by_the_far_end()          # one call is a candidate only
        assert chand.board.lines["pstn/1"].sig.disconnect_tone is None
        mark = await call_left_up_by_the_far_end()
        learnt = await desk.wait_for("busy_tone_learnt", since=mark, timeout=60)
        assert learnt["span"] == "pstn" and learnt["tone"].startswith("500 Hz"), learnt
        (span, tone), = kept
        assert span == "pstn" and tone.cadence_ms and all(abs(ms - 250) <= 20 for ms in tone.cadence_ms)
        assert not list(folder.iterdir())                # every recording measured is gone

        # from now on the line hangs up on it by itself
        far, _ = await inbound_call(desk, tester)
        mark, desk_mark = tester.mark(), desk.mark()
        await tester.call("sim.hangup", far=far)
        hung_up = await tester.wait_for("far", far=far, what="hung_up", since=mark, timeout=60)
        hangup = await desk.wait_for("hangup", chan="pstn/1", since=desk_mark, timeout=60)
        assert hangup["cause"] == "busy_tone" and hangup["time_ms"] - hung_up["time_ms"] <= 2000


async def test_learn_busy_listen_learns_from_two_calls_and_leaves_keeping_it_to_the_tool(tmp_path):
    """`learn-busy --listen` on a span without learn_busy: chand measures the line's next calls and tells
    the tool what each taught; two alike give the tone (not applied by chand: the tool's --write does that)."""
    from telephonist.busytone.learn import Listening
    async with running_chand(tmp_path, pbx_spans(), default_route="app:desk") as chand:
        desk = await chand.client("desk")
        tester = await chand.client("tester")
        admin = await Client.connect_unix(chand.socket, app="learn-busy", role="admin", keep_events=True)
        chand.clients.append(admin)
        audio, _ = speech_and_music(tmp_path)
        measured = []
        listening = await Listening.start(admin, "pstn/1", 1440)
        learnt = asyncio.create_task(listening.tone(on_measured=measured.append))

        async def call_left_up_by_the_far_end(speech: str | None = None):
            far, _ = await inbound_call(desk, tester)
            mark = desk.mark()
            if speech:
                await tester.call("sim.play", far=far, items=[speech])
            else:
                await tester.call("sim.hangup", far=far)
            await engine_wait(tester, 8000)
            await desk.call("hangup", chan="pstn/1")
            await desk.wait_for("ended", chan="pstn/1", since=mark, timeout=60)

        await call_left_up_by_the_far_end(audio)
        await call_left_up_by_the_far_end()
        await call_left_up_by_the_far_end()
        tone = await asyncio.wait_for(learnt, 60)
        assert tone.frequencies and abs(tone.frequencies[0] - 500) <= 5, tone
        assert len(tone.cadence_ms) == 2 and all(abs(ms - 250) <= 20 for ms in tone.cadence_ms), tone
        assert [m["candidate"] is not None for m in measured] == [False, True], measured
        assert chand.board.lines["pstn/1"].sig.disconnect_tone is None       # kept by the tool, not by chand
        assert "pstn/1" not in chand.board.busy_learning.listening


async def test_learn_busy_listen_ends_after_its_minutes_and_is_refused_where_it_cannot_learn(tmp_path):
    from telephonist.busytone.learn import LearnError, Listening
    async with running_chand(tmp_path, PBX_AND_PHONES) as chand:
        app, admin = await app_and_admin(chand)
        for client, args, code in ((app, {"chan": "pstn/1", "minutes": 5}, "forbidden"),
                                   (admin, {"chan": "phones/1", "minutes": 5}, "bad_request"),
                                   (admin, {"chan": "pstn/1", "minutes": 99999}, "bad_request"),
                                   (admin, {"chan": "pstn/9", "minutes": 5}, "not_found")):
            assert await refusal(client, "learn_busy", **args) == code, args
        apply_busy_tones(chand.board, {"pstn/1": PBX})
        assert await refusal(admin, "learn_busy", chan="pstn/1", minutes=5) == "wrong_state"
        apply_busy_tones(chand.board, {})
        with pytest.raises(LearnError, match="in 1 minutes"):
            await (await Listening.start(admin, "pstn/1", 1)).tone()
        assert not chand.board.busy_learning.listening
