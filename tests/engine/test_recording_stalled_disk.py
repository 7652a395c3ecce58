"""A recording's disk that stalls never holds up the engine's clock, and a recording is whole on disk
when its end is reported. Real time (the writer thread), on a real mount whose writes we stall."""
from __future__ import annotations

from telephonist.engine import Clock, Codec, EndReason, Hook, Kind, RecDone, RecMode
from tests.support import signals as S
from tests.support.live_engine import LiveEngine

TONE_HZ = 800


def call_with_tone(live: LiveEngine, tmp_path) -> int:
    near = live.engine.add_sim_span(Kind.FXO, 1, Codec.ALAW)[0]
    far = live.engine.sim_far(near)
    live.engine.start(Clock.REALTIME)
    live.engine.hook(near, Hook.OFF)
    live.engine.play(far, [S.write_wav(tmp_path / "tone.wav", S.tone([(TONE_HZ, -10)], 500))], loop=True)
    return near


def test_stopping_a_recording_on_a_stalled_disk_keeps_the_clock_going(live, stalling_disk, tmp_path):
    """rec_stop wrote the last second and the header on the media thread: with the disk stalled,
    the whole engine (every channel, every timer) stopped until the disk came back."""
    near = call_with_tone(live, tmp_path)
    path = stalling_disk.mount / "msg.wav"
    rid = live.engine.record(near, str(path), RecMode.RX, Codec.ALAW)
    try:
        live.after(1500)                 # a once-a-second write has gone through the writer
        stalling_disk.stall()
        live.engine.record_stop(near)
        live.after(300)                  # the engine's clock goes on while the disk does not answer
        live.after(300)
        assert not [e for e in live.events if isinstance(e, RecDone)], "reported before it was on disk"
    finally:
        stalling_disk.release()
    done = live.wait(lambda e: isinstance(e, RecDone) and e.recording == rid)
    # reported only once whole on disk: read at once, the header describes every sample written
    assert done.reason == EndReason.STOPPED and done.path == str(path)
    wav = S.read_wav(path)
    assert len(wav.samples[0]) == wav.header_frames == done.recorded_ms * 8
    assert done.recorded_ms >= 1500 and S.goertzel_dbm0(wav.samples[0], TONE_HZ, 0, 8000) > -16


def test_a_silence_ending_a_recording_is_cut_by_the_writer_in_real_time(live, tmp_path):
    near = call_with_tone(live, tmp_path)
    live.engine.play_stop(live.engine.sim_far(near))
    live.engine.play(live.engine.sim_far(near), [S.write_wav(tmp_path / "words.wav", S.tone([(TONE_HZ, -10)], 600)),
                                                 ("silence", 5000)])
    path = tmp_path / "words-heard.wav"
    rid = live.engine.record(near, str(path), RecMode.RX, Codec.LINEAR, silence_ms=600)
    done = live.wait(lambda e: isinstance(e, RecDone) and e.recording == rid)
    assert done.reason == EndReason.SILENCE
    rx = S.read_wav(path).samples[0]
    assert len(rx) == done.recorded_ms * 8 and 500 <= done.recorded_ms <= 700, done.recorded_ms
    assert S.goertzel_dbm0(rx, TONE_HZ, len(rx) - 800, len(rx)) > -16      # ends with the words
