"""Recording: what lands on disk, including after the process is killed with -9."""
from __future__ import annotations

import signal
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from telephonist.engine import Codec, ConfRole, EndReason, Hook, PlayDone, RecDone, RecMode
from tests.support import signals as S
from tests.support.file_watch import wait_for_files

ROOT = Path(__file__).resolve().parents[2]
TONE_HZ = 800

CRASH_SCRIPT = textwrap.dedent("""
    import signal, sys
    from telephonist.engine import Clock, Codec, Engine, Hook, Kind, RecMode
    line_tone, our_tone, out, out2 = sys.argv[1:5]
    eng = Engine()
    near = eng.add_sim_span(Kind.FXO, 1, Codec.ALAW)[0]
    far = eng.sim_far(near)
    eng.start(Clock.REALTIME)
    eng.hook(near, Hook.OFF)
    eng.play(far, [line_tone], loop=True)
    eng.play(near, [our_tone], loop=True)
    # two recordings of one channel: each file's header is rewritten once a second by the writer
    eng.record(near, out, RecMode.RX, Codec.ALAW)
    eng.record(near, out2, RecMode.STEREO, Codec.LINEAR)
    print("recording", flush=True)
    signal.pause()                       # until the test kills it
""")


def tone_wav(tmp_path, ms=1000, hz=TONE_HZ, level=-10) -> str:
    return S.write_wav(tmp_path / f"tone{hz}_{ms}.wav", S.tone([(hz, level)], ms))


def has_tone(samples, start, end, hz=TONE_HZ) -> bool:
    return S.goertzel_dbm0(samples, hz, start, end) > -16


def header_seconds(path) -> float | None:
    """What the file's header says it holds (None while it has no header yet)."""
    try:
        wav = S.read_wav(path)
    except (FileNotFoundError, ValueError):
        return None
    return wav.header_frames / wav.rate


@pytest.mark.long
def test_recordings_survive_kill_9(tmp_path, harness):
    """Killed with -9, each recording of the channel plays up to its last once-a-second write."""
    out, out2 = tmp_path / "cut.wav", tmp_path / "cut-stereo.wav"
    proc = subprocess.Popen([sys.executable, "-c", CRASH_SCRIPT, tone_wav(tmp_path), tone_wav(tmp_path, hz=1300),
                             str(out), str(out2)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "recording", proc.stderr.read()
        # three header rewrites of each file are on disk (however long a loaded machine takes to write them)
        wait_for_files(tmp_path, lambda: all((header_seconds(p) or 0) >= 3 for p in (out, out2)) or None)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    stereo = S.read_wav(out2)
    assert (stereo.fmt, stereo.rate, stereo.channels) == (1, 8000, 2)
    assert 3 * 8000 <= stereo.header_frames <= len(stereo.samples[0])
    for s in range(0, 3 * 8000, 4000):
        assert has_tone(stereo.samples[0], s, s + 4000) and has_tone(stereo.samples[1], s, s + 4000, hz=1300)
    wav = S.read_wav(out)
    assert (wav.fmt, wav.rate, wav.channels) == (6, 8000, 1)
    # the header was rewritten at least three times and describes what is on disk
    assert wav.header_frames >= 3 * 8000
    assert wav.header_frames <= len(wav.samples[0])
    rx = wav.samples[0]
    for s in range(0, 3 * 8000, 4000):
        assert has_tone(rx, s, s + 4000), f"no tone at {s / 8000:.1f} s of the cut recording"

    # the engine plays the cut file back whole
    (near, far), = harness.sim()
    harness.engine.hook(near, Hook.OFF)
    pid = harness.engine.play(far, [str(out)])
    back = str(tmp_path / "back.wav")
    harness.engine.record(near, back, RecMode.RX, Codec.LINEAR)
    done = harness.run_until(lambda e: isinstance(e, PlayDone) and e.playback == pid)
    assert done.reason == EndReason.DONE, done
    harness.engine.record_stop(near)
    harness.run(100)
    heard = S.read_wav(back).samples[0]
    assert len(heard) >= wav.header_frames
    assert has_tone(heard, 8000, 3 * 8000)


def test_header_never_rewritten_is_read_to_the_end(tmp_path, harness):
    """A recording killed before its first header rewrite: data length 0, samples after it."""
    body = S.tone([(TONE_HZ, -10)], 1500)
    path = tmp_path / "never.wav"
    S.write_wav(path, body)
    raw = bytearray(path.read_bytes())
    raw[4:8] = struct.pack("<I", 36)
    raw[40:44] = struct.pack("<I", 0)
    path.write_bytes(raw)
    (near, far), = harness.sim()
    harness.engine.hook(near, Hook.OFF)
    back = str(tmp_path / "back.wav")
    harness.engine.record(near, back, RecMode.RX, Codec.LINEAR)
    pid = harness.engine.play(far, [str(path)])
    done = harness.run_until(lambda e: isinstance(e, PlayDone) and e.playback == pid)
    assert done.reason == EndReason.DONE
    harness.engine.record_stop(near)
    harness.run(100)
    heard = S.read_wav(back).samples[0]
    runs = S.active_runs(heard, threshold_dbm0=-30)
    assert len(runs) == 1 and abs((runs[0][1] - runs[0][0]) - len(body)) <= 160, runs


def start_call(harness, tmp_path, items):
    (near, far), = harness.sim()
    harness.engine.hook(near, Hook.OFF)
    harness.engine.play(far, items)
    return near, far


def rec_done(harness, chan):
    return harness.run_until(lambda e: isinstance(e, RecDone) and e.chan == chan, limit_ms=20_000)


def test_max_ms_ends_the_recording(harness, tmp_path):
    near, _ = start_call(harness, tmp_path, [tone_wav(tmp_path, 5000)])
    out = tmp_path / "max.wav"
    harness.engine.record(near, str(out), RecMode.RX, Codec.LINEAR, max_ms=1500)
    done = rec_done(harness, near)
    assert (done.reason, done.recorded_ms) == (EndReason.MAXTIME, 1500)
    wav = S.read_wav(out)
    assert len(wav.samples[0]) == wav.header_frames == 12000
    assert has_tone(wav.samples[0], 400, 12000)


def test_silence_ends_the_recording_and_is_trimmed(harness, tmp_path):
    near, _ = start_call(harness, tmp_path, [tone_wav(tmp_path, 1000), ("silence", 5000)])
    out = tmp_path / "words.wav"
    harness.engine.record(near, str(out), RecMode.RX, Codec.LINEAR, silence_ms=800)
    done = rec_done(harness, near)
    assert done.reason == EndReason.SILENCE
    rx = S.read_wav(out).samples[0]
    # the words are kept, the silence that ended them is not
    assert 1000 <= len(rx) / 8 <= 1060, len(rx)
    assert done.recorded_ms == len(rx) // 8
    assert has_tone(rx, 400, 8000)
    assert has_tone(rx, len(rx) - 400, len(rx))


def test_stop_digit_ends_the_recording(harness, tmp_path):
    near, far = start_call(harness, tmp_path, [tone_wav(tmp_path, 800)])
    harness.engine.set_dsp(near, 1)
    out = tmp_path / "msg.wav"
    harness.engine.record(near, str(out), RecMode.RX, Codec.LINEAR, stop_digits="#")
    harness.run(1000)
    harness.engine.send_dtmf(far, "1", 80, 80)       # not a stop digit
    harness.run(600)
    assert harness.of(RecDone, near) == []
    harness.engine.send_dtmf(far, "#", 80, 80)
    done = rec_done(harness, near)
    assert done.reason == EndReason.DTMF
    assert harness.digits(near) == "1#"
    rx = S.read_wav(out).samples[0]
    assert has_tone(rx, 0, 6000)
    assert 1600 <= len(rx) / 8 <= 2000


def bridged_call(harness, tmp_path):
    """Two lines bridged (a conference of two); each far end plays its own tone."""
    (na, fa), (nb, fb) = harness.sim(n=2)
    for near in (na, nb):
        harness.engine.hook(near, Hook.OFF)
        harness.engine.conf_join(3, near, ConfRole.SPEAK)
    harness.engine.play(fa, [tone_wav(tmp_path, 500, 500)], loop=True)
    harness.engine.play(fb, [tone_wav(tmp_path, 500, 1300)], loop=True)
    harness.run(200)
    return na


def test_stereo_recording_of_a_bridge_keeps_each_party_on_its_side(harness, tmp_path):
    na = bridged_call(harness, tmp_path)
    out = tmp_path / "stereo.wav"
    harness.engine.record(na, str(out), RecMode.STEREO, Codec.LINEAR, max_ms=1000)
    rec_done(harness, na)
    wav = S.read_wav(out)
    assert wav.channels == 2 and len(wav.samples[0]) == len(wav.samples[1]) == 8000
    left, right = wav.samples
    # left: the line (party A, 500 Hz); right: what we send it (party B, 1300 Hz)
    assert S.goertzel_dbm0(left, 500) > -16 and S.goertzel_dbm0(left, 1300) < -50
    assert S.goertzel_dbm0(right, 1300) > -16 and S.goertzel_dbm0(right, 500) < -50


def test_mixed_recording_of_a_bridge_holds_both_parties(harness, tmp_path):
    na = bridged_call(harness, tmp_path)
    out = tmp_path / "mix.wav"
    harness.engine.record(na, str(out), RecMode.MIX, Codec.ALAW, max_ms=1000)
    rec_done(harness, na)
    wav = S.read_wav(out)
    assert (wav.fmt, wav.channels) == (6, 1)
    rx = wav.samples[0]
    assert S.goertzel_dbm0(rx, 500) > -16 and S.goertzel_dbm0(rx, 1300) > -16
    assert S.goertzel_dbm0(rx, 900) < -45
