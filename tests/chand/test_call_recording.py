"""Whole-call recording (全程录音): where a route or trunk group says so, chand records the call from the
answer to the end in one stereo file, whoever has the call meanwhile (the IVR, then the ACD), and the
call record names that file."""
from telephonist.chand.routing import Route
from tests.support import signals as S
from tests.support.chand_harness import SpanSpec, running_chand


def tone_at(samples, hz, level=-30):
    """The 100 ms blocks (indexes) in which a tone of hz is heard."""
    return [i for i in range(0, len(samples) - 800, 800) if S.goertzel_dbm0(samples, hz, i, i + 800) > level]


async def test_one_file_from_the_answer_to_the_end_across_applications(tmp_path):
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    S.write_wav(prompts / "ivr.wav", S.tone([(700, -10)], 600))
    S.write_wav(prompts / "acd.wav", S.tone([(1300, -10)], 600))
    routes = [Route("ivr:main", dialled="4008*", record=True), Route("ivr:main", dialled="9*")]
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)], routes=routes, records=True) as chand:
        ivr = await chand.client("ivr")
        acd = await chand.client("acd")
        tester = await chand.client("tester")

        async def ivr_offer(ev):
            await ivr.call("answer", chan=ev["chan"])
            own = await ivr.call("record", chan=ev["chan"], name=f"ivr-{ev['call_id']}")
            pid = (await ivr.call("play", chan=ev["chan"], items=["ivr.wav"]))["playback"]
            ivr.pending[pid] = (ev["chan"], own["recording"])

        async def ivr_played(ev):
            chan, own = ivr.pending.pop(ev["playback"])
            await ivr.call("stop_record", chan=chan)              # its own recording; chand's goes on
            await ivr.call("handoff", chan=chan, app="acd:sales")
        ivr.pending = {}
        ivr.on("offer", ivr_offer)
        ivr.on("play_done", ivr_played)
        acd.on("offer", lambda ev: acd.call("play", chan=ev["chan"], items=["acd.wav"]))

        for dialled, whole in (("4008001234", True), ("9001", False)):
            mark = tester.mark()
            a_mark = acd.mark()
            far = (await tester.call("sim.call", span="e1a", caller="13900001111", dialled=dialled))["far"]
            await acd.wait_for("play_done", since=a_mark)
            await tester.call("sim.dtmf", far=far, digits="5")
            await tester.wait_for("far", far=far, what="dtmf_sent", since=mark)
            await tester.call("sim.hangup", far=far)
            ended = await acd.wait_for("ended", since=a_mark)
            await chand.board.recorder.drain()
            [leg] = [leg for leg in await chand.store.recent(5) if leg.call_id == ended["call_id"]]
            if not whole:
                assert leg.recording_path is None or "ivr-" in leg.recording_path
                continue
            assert leg.recording_path.endswith(f"{leg.call_id}-e1a-{leg.channel}.wav"), "\n".join(str((e.kind, e.data)) for e in await chand.store.events(leg.id))
            done = await acd.wait_for("ended", since=a_mark)
            assert done
            wav = S.read_wav(leg.recording_path)
            assert wav.channels == 2
            line_side, our_side = wav.samples
            ivr_part, acd_part = tone_at(our_side, 700), tone_at(our_side, 1300)
            assert ivr_part and acd_part and ivr_part[-1] < acd_part[0]      # the IVR's prompt, then the ACD's
            assert tone_at(line_side, 1336) and not tone_at(line_side, 700)  # the caller's key on the line side
            assert not tone_at(our_side, 1336)
            kinds = [(e.kind, e.data.get("whole_call")) for e in await chand.store.events(leg.id)]
            assert ("record_start", True) in kinds
