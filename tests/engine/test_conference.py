"""Conferences on sim lines: who hears whom, judged from what each far end records.

Every far end plays its own tone (frequencies chosen so that no third-order
product of two or three of them lands within 10 Hz of another) and records
what reaches it; a Goertzel filter per frequency then says who was heard.
"""
from __future__ import annotations

from telephonist.engine import Codec, ConfRole, EndReason, Hook, RecDone, RecMode
from tests.support import signals as S

FREQS = [400, 760, 930, 1060, 1340, 1570, 1760]
LEVEL = -18                 # dBm0 a tone: six summed still stay below clipping
PRESENT = -24               # a tone heard through the conference (sent at -18)
ABSENT = -55                # nothing of it: A-law noise and mixing products sit lower
CONF = 7


def play_tones(harness, tmp_path, lines) -> None:
    for i, (_, far) in enumerate(lines):
        path = S.write_wav(tmp_path / f"tone{i}.wav", S.tone([(FREQS[i], LEVEL)], 500))
        harness.engine.play(far, [path], loop=True)


def heard_levels(path) -> list[float]:
    """Level of each member's frequency in the middle second of a recording."""
    rx = S.read_wav(path).samples[0]
    return [S.goertzel_dbm0(rx, f, 4000, 12000) for f in FREQS]


def record_fars(harness, tmp_path, lines) -> list[str]:
    paths = []
    for i, (_, far) in enumerate(lines):
        paths.append(str(tmp_path / f"heard{i}.wav"))
        harness.engine.record(far, paths[-1], RecMode.RX, Codec.LINEAR, max_ms=2000)
    harness.run_until(lambda e: isinstance(e, RecDone) and e.chan == lines[-1][1])
    harness.run(100)
    for i, (_, far) in enumerate(lines):
        done = harness.of(RecDone, far)
        assert done and done[-1].reason == EndReason.MAXTIME, done
    return paths


def check(levels: list[float], expect: set[int], who: str) -> None:
    for j, lvl in enumerate(levels):
        if j in expect:
            assert lvl > PRESENT, f"{who} should hear member {j} ({FREQS[j]} Hz) but got {lvl:.1f} dBm0"
        else:
            assert lvl < ABSENT, f"{who} should not hear member {j} ({FREQS[j]} Hz) but got {lvl:.1f} dBm0"


def test_five_speakers_a_listener_and_a_whisperer(harness, tmp_path):
    lines = harness.sim(n=7)
    speakers, (listener, _), (whisperer, _) = lines[:5], lines[5], lines[6]
    coach_target = speakers[2][0]
    for near, _ in lines:
        harness.engine.hook(near, Hook.OFF)
    for near, _ in speakers:
        harness.engine.conf_join(CONF, near, ConfRole.SPEAK)
    harness.engine.conf_join(CONF, listener, ConfRole.LISTEN)
    harness.engine.conf_join(CONF, whisperer, ConfRole.WHISPER, whisper_to=coach_target)
    play_tones(harness, tmp_path, lines)
    harness.run(200)
    paths = record_fars(harness, tmp_path, lines)

    everyone_speaking = set(range(5))
    for i in range(5):
        expect = everyone_speaking - {i}
        if speakers[i][0] == coach_target:
            expect |= {6}
        check(heard_levels(paths[i]), expect, f"speaker {i}")
    check(heard_levels(paths[5]), everyone_speaking, "the listener")
    check(heard_levels(paths[6]), everyone_speaking, "the whisperer")


def test_leaving_member_is_no_longer_heard_and_hears_nothing(harness, tmp_path):
    lines = harness.sim(n=3)
    for near, _ in lines:
        harness.engine.hook(near, Hook.OFF)
        harness.engine.conf_join(CONF, near, ConfRole.SPEAK)
    play_tones(harness, tmp_path, lines)
    harness.run(200)
    harness.engine.conf_leave(lines[0][0])
    harness.run(100)
    paths = record_fars(harness, tmp_path, lines)
    check(heard_levels(paths[0]), set(), "the member who left")
    check(heard_levels(paths[1]), {2}, "member 1")
    check(heard_levels(paths[2]), {1}, "member 2")
