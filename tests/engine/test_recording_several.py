"""Several recordings on one channel: chand's recording of the whole call runs beside an application's
(an IVR's voicemail message, an agent's leg recorded on demand). Each has its own file, mode and end,
each ends with its own RecDone, and a channel takes at most MAX_RECORDINGS."""
from __future__ import annotations

import pytest

from telephonist.engine import MAX_RECORDINGS, Clock, Codec, Dsp, EndReason, EngineError, Hook, Kind, RecDone, RecMode
from telephonist._engine import lib
from tests.support import signals as S

LINE_HZ, OURS_HZ = 800, 1300        # what the far end says; what we send the line


def call_with_two_tones(engine, tmp_path, near, far, line_loop: bool = True) -> None:
    """The far end says one tone (500 ms, or for ever), we say another for ever."""
    engine.hook(near, Hook.OFF)
    engine.play(far, [S.write_wav(tmp_path / "line.wav", S.tone([(LINE_HZ, -10)], 500))], loop=line_loop)
    engine.play(near, [S.write_wav(tmp_path / "ours.wav", S.tone([(OURS_HZ, -10)], 500))], loop=True)


def whole(path, done: RecDone):
    """The file as the engine reported it: every sample it recorded, and a header that says so."""
    wav = S.read_wav(path)
    assert done.reason != EndReason.ERROR, done
    assert len(wav.samples[0]) == wav.header_frames == done.recorded_ms * 8, (path, done)
    return wav


def heard(samples, hz) -> bool:
    return S.goertzel_dbm0(samples, hz) > -16


def done_of(events, rid) -> RecDone:
    [done] = [e for e in events if isinstance(e, RecDone) and e.recording == rid]
    return done


def test_two_recordings_of_different_modes_each_whole_and_stopping_one_leaves_the_other(harness, tmp_path):
    (near, far), = harness.sim()
    call_with_two_tones(harness.engine, tmp_path, near, far)
    harness.run(200)
    whole_call = harness.engine.record(near, str(tmp_path / "call.wav"), RecMode.STEREO, Codec.ALAW)
    harness.run(1000)
    message = harness.engine.record(near, str(tmp_path / "message.wav"), RecMode.RX, Codec.LINEAR)
    harness.run(1500)
    harness.engine.record_stop(near, message)
    harness.run_until(lambda e: isinstance(e, RecDone) and e.recording == message)
    harness.run(1000)
    assert [e.recording for e in harness.of(RecDone)] == [message], "stopping one stopped the other"
    harness.engine.record_stop(near, whole_call)
    harness.run_until(lambda e: isinstance(e, RecDone) and e.recording == whole_call)

    msg = whole(tmp_path / "message.wav", done_of(harness.events, message))
    call = whole(tmp_path / "call.wav", done_of(harness.events, whole_call))
    assert done_of(harness.events, message).reason == done_of(harness.events, whole_call).reason == EndReason.STOPPED
    assert (msg.fmt, msg.channels, call.fmt, call.channels) == (1, 1, 6, 2)
    assert 1480 <= done_of(harness.events, message).recorded_ms <= 1520
    # the whole call began a second before the message and went on a second after it
    assert done_of(harness.events, whole_call).recorded_ms >= done_of(harness.events, message).recorded_ms + 2000
    assert heard(msg.samples[0], LINE_HZ) and not heard(msg.samples[0], OURS_HZ)
    line_side, our_side = call.samples
    for start in range(0, len(line_side) - 4000, 4000):     # each side whole, every half second
        assert heard(line_side[start:start + 4000], LINE_HZ) and not heard(line_side[start:start + 4000], OURS_HZ)
        assert heard(our_side[start:start + 4000], OURS_HZ) and not heard(our_side[start:start + 4000], LINE_HZ)


def test_each_recording_ends_on_its_own_terms(harness, tmp_path):
    """A stop digit ends the recording that has it, a maximum length the one that has it; the hang-up
    ends the rest, each with its own RecDone."""
    (near, far), = harness.sim()
    call_with_two_tones(harness.engine, tmp_path, near, far, line_loop=False)    # the key after the tone
    harness.engine.set_dsp(near, Dsp.DTMF)
    rec = {name: harness.engine.record(near, str(tmp_path / f"{name}.wav"), mode, Codec.ALAW, **kw)
           for name, mode, kw in (("digit", RecMode.RX, {"stop_digits": "#"}),
                                  ("short", RecMode.TX, {"max_ms": 700}),
                                  ("call", RecMode.MIX, {}))}
    harness.run(1000)
    harness.engine.send_dtmf(far, "#", 80, 80)
    harness.run_until(lambda e: isinstance(e, RecDone) and e.recording == rec["digit"])
    harness.run(500)
    harness.engine.hook(near, Hook.ON)
    harness.run_until(lambda e: isinstance(e, RecDone) and e.recording == rec["call"])
    reasons = {name: done_of(harness.events, rid).reason for name, rid in rec.items()}
    assert reasons == {"digit": EndReason.DTMF, "short": EndReason.MAXTIME, "call": EndReason.HANGUP}
    assert done_of(harness.events, rec["short"]).recorded_ms == 700
    for name, rid in rec.items():
        whole(tmp_path / f"{name}.wav", done_of(harness.events, rid))
    assert done_of(harness.events, rec["call"]).recorded_ms > done_of(harness.events, rec["digit"]).recorded_ms


def test_a_fifth_recording_is_refused_until_one_ends(harness, tmp_path):
    (near, far), (other, _) = harness.sim(n=2)
    call_with_two_tones(harness.engine, tmp_path, near, far)
    rids = [harness.engine.record(near, str(tmp_path / f"r{i}.wav"), RecMode(i % 4), Codec.ALAW)
            for i in range(MAX_RECORDINGS)]
    with pytest.raises(EngineError) as refused:
        harness.engine.record(near, str(tmp_path / "fifth.wav"), RecMode.RX, Codec.ALAW)
    assert refused.value.code == lib.ENG_EBUSY
    assert f"channel {near} already has {MAX_RECORDINGS} recordings running" in str(refused.value), refused.value
    # another channel's recordings are its own
    harness.engine.hook(other, Hook.OFF)
    harness.engine.record(other, str(tmp_path / "other.wav"), RecMode.RX, Codec.ALAW, max_ms=200)
    harness.run(1000)
    assert not (tmp_path / "fifth.wav").exists()
    assert [e.recording for e in harness.of(RecDone, near)] == [], "the refusal ended a running recording"
    # one ends: its slot is free as soon as its RecDone is read
    harness.engine.record_stop(near, rids[1])
    harness.run_until(lambda e: isinstance(e, RecDone) and e.recording == rids[1])
    fifth = harness.engine.record(near, str(tmp_path / "fifth.wav"), RecMode.RX, Codec.ALAW)
    harness.run(500)
    harness.engine.record_stop(near)            # 0: every recording of the channel, each its own RecDone
    harness.run(200)
    ended = sorted(e.recording for e in harness.of(RecDone, near))
    assert ended == sorted([*rids, fifth])
    for i, rid in enumerate(rids):
        whole(tmp_path / f"r{i}.wav", done_of(harness.events, rid))
    whole(tmp_path / "fifth.wav", done_of(harness.events, fifth))


def test_in_real_time_the_writer_finishes_each_recording_whole(live, tmp_path):
    """The writer thread opens, writes and finishes every recorder of the channel: each file is
    whole when its own RecDone says so, whichever ended first."""
    near = live.engine.add_sim_span(Kind.FXO, 1, Codec.ALAW)[0]
    far = live.engine.sim_far(near)
    live.engine.start(Clock.REALTIME)
    call_with_two_tones(live.engine, tmp_path, near, far)
    whole_call = live.engine.record(near, str(tmp_path / "call.wav"), RecMode.STEREO, Codec.LINEAR)
    message = live.engine.record(near, str(tmp_path / "message.wav"), RecMode.RX, Codec.ALAW)
    live.after(1300)                    # past a once-a-second write of each
    live.engine.record_stop(near, message)
    first = live.wait(lambda e: isinstance(e, RecDone))
    assert first.recording == message
    msg = whole(tmp_path / "message.wav", first)        # read at once: whole as reported
    live.after(600)
    live.engine.record_stop(near, whole_call)
    second = live.wait(lambda e: isinstance(e, RecDone))
    assert second.recording == whole_call
    call = whole(tmp_path / "call.wav", second)
    assert first.recorded_ms >= 1300 and second.recorded_ms >= first.recorded_ms + 600
    assert heard(msg.samples[0], LINE_HZ)
    assert heard(call.samples[0], LINE_HZ) and heard(call.samples[1], OURS_HZ)
