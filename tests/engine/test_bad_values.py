"""Numbers from outside that the engine cannot honour are refused in C itself, with a clear text:
never an overflow, a crash or a playback that never ends; and the channel goes on working."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from telephonist.engine import EndReason, Engine, EngineError, Hook, Kind, PlayDone, lib

ROOT = Path(__file__).resolve().parents[2]
HUGE = 268435457            # ms * 8 no longer fits a 32-bit int
MAX_MS = lib.ENG_MAX_MEDIA_MS

# (what is sent, words the refusal must hold)
BAD_COMMANDS = {
    "silence that overflowed ms * 8": (lambda e, ch, tmp: e.play(ch, [("silence", HUGE)]), f"ms {HUGE}"),
    "silence beyond 24 h": (lambda e, ch, tmp: e.play(ch, [("silence", MAX_MS + 1)]), "out of range"),
    "negative silence": (lambda e, ch, tmp: e.play(ch, [("silence", -1)]), "ms -1"),
    "silence beyond a C int": (lambda e, ch, tmp: e.play(ch, [("silence", 2 ** 40)]), "1099511627776"),
    "tone that overflowed ms * 8": (lambda e, ch, tmp: e.play(ch, [("tone", "busy", HUGE)]), f"ms (0: until stopped) {HUGE}"),
    "DTMF tone of 3 days": (lambda e, ch, tmp: e.send_dtmf(ch, "1", on_ms=HUGE), "on ms"),
    "negative DTMF pause": (lambda e, ch, tmp: e.send_dtmf(ch, "1", off_ms=-5), "off ms"),
    "DTMF that is not a key": (lambda e, ch, tmp: e.send_dtmf(ch, "12\n"), "digits"),
    "recording max beyond 24 h": (lambda e, ch, tmp: e.record(ch, str(tmp / "r.wav"), max_ms=HUGE), "max ms"),
    "negative recording silence": (lambda e, ch, tmp: e.record(ch, str(tmp / "r.wav"), silence_ms=-1), "silence ms"),
    "stop digits too long": (lambda e, ch, tmp: e.record(ch, str(tmp / "r.wav"), stop_digits="#" * 17), "stop digits"),
    "negative timer": (lambda e, ch, tmp: e.timer(-1), "timer: ms -1"),
    "conference 0": (lambda e, ch, tmp: e.conf_join(0, ch), "conference 0"),
    "unknown conference role": (lambda e, ch, tmp: e.conf_join(5, ch, 7), "role 7"),
    "negative message count": (lambda e, ch, tmp: e.send_mwi(ch, 1, -1), "messages -1"),
    "gain of 100 dB": (lambda e, ch, tmp: e.set_gain(ch, 100, 0), "rx dB 100"),
    "unknown hook state": (lambda e, ch, tmp: e.hook(ch, 99), "state 99"),
    "echo of 1000 dB": (lambda e, ch, tmp: e.sim_impair(ch, echo_db=1000), "echo dB"),
    "unknown DSP bits": (lambda e, ch, tmp: e.set_dsp(ch, 1 << 20), "feature bits"),
    "CAS bits beyond four": (lambda e, ch, tmp: e.cas(ch, 16), "bits 16"),
    "signalling message beyond an event": (lambda e, ch, tmp: e.sigmsg(ch, "x" * 300), "length 300"),
    "fax station ident beyond T.30": (lambda e, ch, tmp: e.fax(ch, str(tmp / "f.tif"), send=False, calling=False,
                                                               ident="1" * 30), "station ident"),
    "no such channel": (lambda e, ch, tmp: e.play_stop(10_000), "no channel 10000"),
}


@pytest.mark.parametrize("name", list(BAD_COMMANDS))
def test_a_bad_number_is_refused_and_the_line_goes_on(harness, tmp_path, name):
    send, words = BAD_COMMANDS[name]
    (near, far), = harness.sim()
    harness.engine.hook(near, Hook.OFF)
    with pytest.raises(EngineError) as refused:
        send(harness.engine, near, tmp_path)
    assert refused.value.code in (lib.ENG_EINVAL, lib.ENG_ENOCHAN)
    assert words in str(refused.value), str(refused.value)
    # nothing of it reached the line: a short playback right after plays and ends as it should
    harness.run(100)
    pid = harness.engine.play(near, [("silence", 200)])
    done = harness.run_until(lambda e: isinstance(e, PlayDone) and e.playback == pid, limit_ms=2000)
    assert done.reason == EndReason.DONE and 200 <= done.played_ms <= 220, done
    assert harness.of(PlayDone) == [done]


def test_the_silence_that_killed_chand_is_refused_in_its_own_process():
    """The control API's {"silence": 268435457} made play.c memset ~2^64 bytes: a whole process
    gone. Run where a crash cannot take the test run with it."""
    script = textwrap.dedent(f"""
        from telephonist.engine import Engine, EngineError, Kind, Hook
        e = Engine()
        near = e.add_sim_span(Kind.FXO, 1)[0]
        e.hook(near, Hook.OFF)
        try:
            e.play(near, [("silence", {HUGE})])
        except EngineError as exc:
            print("refused:", exc)
        e.run_ticks(50)
        print("alive")
    """)
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert "refused:" in r.stdout and "out of range" in r.stdout and r.stdout.strip().endswith("alive"), r.stdout


def test_a_tone_zone_segment_too_long_is_refused(tmp_path):
    zones = tmp_path / "zones.toml"
    zones.write_text(f'[zones.xx]\nlevel = -10\nbusy = [[450, 0, {HUGE}], [0, 0, 350]]\n')
    with pytest.raises(EngineError, match="segment 1"):
        Engine(tone_zones=str(zones))


def test_an_engine_of_too_many_channels_is_refused():
    with pytest.raises(EngineError):
        Engine(max_channels=lib.ENG_MAX_CHANNELS + 1)
    with pytest.raises(EngineError):
        Engine(max_channels=2 ** 33)


def test_a_sim_span_whose_count_doubles_past_a_c_int_is_refused():
    e = Engine(max_channels=64)
    try:
        with pytest.raises(EngineError, match="only 64 left"):
            e.add_sim_span(Kind.FXO, 2 ** 30 + 1)
    finally:
        e.close()
