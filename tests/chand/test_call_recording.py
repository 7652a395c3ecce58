"""Whole-call recording (全程录音): where a route or trunk group says so, chand records the call from the
answer to the end in one stereo file (the line left, our side right), whoever has the call meanwhile
(the IVR, then the ACD), alongside the applications' own recordings; the call record names that file
and the sessions following calls hear when it is complete."""
from telephonist.chand.routing import Route
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.support import signals as S
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand

IVR_HZ, ACD_HZ, KEY_5_HIGH_HZ, CALLEE_HZ, AGENT_HZ = 700, 1300, 1336, 500, 1100


def tone_at(samples, hz, level=-30):
    """The 100 ms blocks (indexes) in which a tone of hz is heard."""
    return [i for i in range(0, len(samples) - 800, 800) if S.goertzel_dbm0(samples, hz, i, i + 800) > level]


async def whole_recording_done(follower, call_id, since):
    """The follower's call_event for chand's whole-call recording of call_id: its file is complete."""
    return await follower.wait_for(lambda ev: ev.get("event") == "call_event" and ev.get("call_id") == call_id
                                   and ev.get("what") == "record" and "-e1a-" in ev.get("path", ""), since=since)


async def test_one_file_from_the_answer_to_the_end_across_applications(tmp_path):
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    S.write_wav(prompts / "ivr.wav", S.tone([(IVR_HZ, -10)], 600))
    S.write_wav(prompts / "acd.wav", S.tone([(ACD_HZ, -10)], 600))
    routes = [Route("ivr:main", dialled="4008*", record=True), Route("ivr:main", dialled="9*")]
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)], routes=routes, records=True) as chand:
        ivr = await chand.client("ivr")
        acd = await chand.client("acd")
        tester = await chand.client("tester")
        await tester.call("subscribe", lines=False, calls=True)
        own_recordings = {}

        async def ivr_offer(ev):
            await ivr.call("answer", chan=ev["chan"])
            own = await ivr.call("record", chan=ev["chan"], name=f"ivr-{ev['call_id']}")
            own_recordings[ev["call_id"]] = own["path"]
            await ivr.call("play", chan=ev["chan"], items=["ivr.wav"])

        async def ivr_played(ev):
            await ivr.call("stop_record", chan=ev["chan"])          # all of its own; chand's goes on
            await ivr.call("handoff", chan=ev["chan"], app="acd:sales")
        ivr.on("offer", ivr_offer)
        ivr.on("play_done", ivr_played)
        acd.on("offer", lambda ev: acd.call("play", chan=ev["chan"], items=["acd.wav"]))

        for dialled, whole in (("4008001234", True), ("9001", False)):
            mark, a_mark, i_mark = tester.mark(), acd.mark(), ivr.mark()
            far = (await tester.call("sim.call", span="e1a", caller="13900001111", dialled=dialled))["far"]
            await acd.wait_for("play_done", since=a_mark)
            await tester.call("sim.dtmf", far=far, digits="5")
            await tester.wait_for("far", far=far, what="dtmf_sent", since=mark)
            await tester.call("sim.hangup", far=far)
            ended = await acd.wait_for("ended", since=a_mark)
            # the IVR handed the call on right after stopping its recording: it hears that its file is
            # complete, the ACD (which now has the call) hears of no recording
            own = await ivr.wait_for("record_done", call_id=ended["call_id"], since=i_mark)
            assert own["path"] == own_recordings[ended["call_id"]] and own["reason"] == "stopped"
            assert not [ev for ev in acd.events.since(a_mark) if ev.get("event") == "record_done"]
            await chand.board.recorder.drain()
            [leg] = [leg for leg in await chand.store.recent(5) if leg.call_id == ended["call_id"]]
            if not whole:
                assert leg.recording_path == own_recordings[leg.call_id]      # the IVR's, the only one
                continue

            done = await whole_recording_done(tester, leg.call_id, since=mark)
            assert done["path"] == leg.recording_path
            assert leg.recording_path.endswith(f"{leg.call_id}-e1a-{leg.channel}.wav")
            wav = S.read_wav(leg.recording_path)
            assert wav.channels == 2
            line_side, our_side = wav.samples
            ivr_part, acd_part = tone_at(our_side, IVR_HZ), tone_at(our_side, ACD_HZ)
            assert ivr_part and acd_part and ivr_part[-1] < acd_part[0]      # the IVR's prompt, then the ACD's
            assert tone_at(line_side, KEY_5_HIGH_HZ) and not tone_at(line_side, IVR_HZ)   # the caller's key
            assert not tone_at(our_side, KEY_5_HIGH_HZ)
            kinds = [(e.kind, e.data.get("whole_call")) for e in await chand.store.events(leg.id)]
            assert ("record_start", True) in kinds
            # chand's own recording is nobody's to hear about: the IVR got only its own record_done
            assert [ev["path"] for ev in ivr.events.since(i_mark) if ev.get("event") == "record_done"] == [own["path"]]


async def test_a_recorded_trunk_group_records_the_calls_made_on_it(tmp_path):
    """An agent's leg dialled out on a trunk group that records: the callee on the left, the agent's side
    (what the application plays) on the right; the application did not record and hears of nothing."""
    S.write_wav(tmp_path / "callee.wav", S.tone([(CALLEE_HZ, -10)], 600))
    (tmp_path / "prompts").mkdir()
    S.write_wav(tmp_path / "prompts" / "agent.wav", S.tone([(AGENT_HZ, -10)], 600))
    groups = [TrunkGroupSpec("agents", ["e1a/1"], record=True), TrunkGroupSpec("plain", ["e1a/2"])]
    numbers = [NumberBehaviour("8*", "answer", audio=str(tmp_path / "callee.wav"))]
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)], trunk_groups=groups, numbers=numbers,
                             records=True) as chand:
        acd = await chand.client("acd")
        tester = await chand.client("tester")
        await tester.call("subscribe", lines=False, calls=True)
        acd.on("answered", lambda ev: acd.call("play", chan=ev["chan"], items=["agent.wav"]))
        acd.on("play_done", lambda ev: acd.call("hangup", chan=ev["chan"]))

        for group, whole in (("agents", True), ("plain", False)):
            mark, a_mark = tester.mark(), acd.mark()
            chan = (await acd.call("dial", trunk_group=group, number="8001", caller_id="4008001"))["chan"]
            ended = await acd.wait_for("ended", chan=chan, since=a_mark)
            await chand.board.recorder.drain()
            [leg] = [leg for leg in await chand.store.recent(5) if leg.call_id == ended["call_id"]]
            if not whole:
                assert leg.recording_path is None
                continue
            done = await whole_recording_done(tester, leg.call_id, since=mark)
            assert done["path"] == leg.recording_path
            line_side, our_side = S.read_wav(leg.recording_path).samples
            assert tone_at(line_side, CALLEE_HZ) and not tone_at(line_side, AGENT_HZ)
            assert tone_at(our_side, AGENT_HZ) and not tone_at(our_side, CALLEE_HZ)
            assert not [ev for ev in acd.events.since(a_mark) if ev.get("event") == "record_done"]
