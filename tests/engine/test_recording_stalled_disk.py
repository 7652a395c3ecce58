"""A recording's disk that stalls never holds up the engine's clock, and a recording is whole on disk
when its end is reported. Real time (the writer thread), on a real mount whose writes we stall."""
from __future__ import annotations

import os
import select
import time

import pytest

from telephonist.engine import Clock, Codec, EndReason, Engine, Event, EventType, Hook, Kind, RecMode
from tests.support import signals as S
from tests.support.stall_fs import StallFs

TONE_HZ = 800


class Live:
    """A started engine and every event it sent, waited for on its descriptor."""

    def __init__(self) -> None:
        self.engine = Engine()
        self.events: list[Event] = []

    def wait(self, pred, within_s: float = 20.0) -> Event:
        """The first event (from now) that satisfies pred; fails after within_s of wall time."""
        deadline = time.monotonic() + within_s
        while (left := deadline - time.monotonic()) > 0:
            select.select([self.engine.fileno()], [], [], left)
            for ev in self.engine.read_events():
                self.events.append(ev)
                if pred(ev):
                    return ev
        raise AssertionError(f"no such event within {within_s} s; saw {[e.type.name for e in self.events]}")

    def after(self, ms: int) -> Event:
        tid = self.engine.timer(ms)
        return self.wait(lambda e: e.type == EventType.TIMER and e.id == tid)


@pytest.fixture
def live():
    lv = Live()
    yield lv
    lv.engine.close()


@pytest.fixture
def stalling_disk(tmp_path):
    if not os.path.exists("/dev/fuse"):
        pytest.skip("no /dev/fuse: cannot mount a disk that stalls")
    fs = StallFs(tmp_path / "backing", tmp_path / "disk")
    yield fs
    fs.close()


def call_with_tone(live: Live, tmp_path) -> int:
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
        assert not [e for e in live.events if e.type == EventType.REC_DONE], "reported before it was on disk"
    finally:
        stalling_disk.release()
    done = live.wait(lambda e: e.type == EventType.REC_DONE and e.id == rid)
    # reported only once whole on disk: read at once, the header describes every sample written
    assert done.a == EndReason.STOPPED and done.text == str(path)
    wav = S.read_wav(path)
    assert len(wav.samples[0]) == wav.header_frames == done.b * 8
    assert done.b >= 1500 and S.goertzel_dbm0(wav.samples[0], TONE_HZ, 0, 8000) > -16


def test_a_silence_ending_a_recording_is_cut_by_the_writer_in_real_time(live, tmp_path):
    near = call_with_tone(live, tmp_path)
    live.engine.play_stop(live.engine.sim_far(near))
    live.engine.play(live.engine.sim_far(near), [S.write_wav(tmp_path / "words.wav", S.tone([(TONE_HZ, -10)], 600)),
                                                 ("silence", 5000)])
    path = tmp_path / "words-heard.wav"
    rid = live.engine.record(near, str(path), RecMode.RX, Codec.LINEAR, silence_ms=600)
    done = live.wait(lambda e: e.type == EventType.REC_DONE and e.id == rid)
    assert done.a == EndReason.SILENCE
    rx = S.read_wav(path).samples[0]
    assert len(rx) == done.b * 8 and 500 <= done.b <= 700, done.b
    assert S.goertzel_dbm0(rx, TONE_HZ, len(rx) - 800, len(rx)) > -16      # ends with the words
