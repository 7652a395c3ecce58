"""DTMF reception against ITU-T Q.24 limits, on a sim line.

The far end plays a WAV synthesised here (so frequencies, levels and timing
are exact), the near channel detects. The engine's limits (csrc/dtmf_q24.c):
frequency within 1.5 % accepted and beyond 3.5 % rejected, twist up to 8 dB
with the low group louder and 4 dB with the high group louder, 40 ms tones
accepted and 20 ms rejected, 40 ms pauses split digits. Offsets and twist
are also tried together, since a tone off its nominal frequency reads weaker.
"""
from __future__ import annotations

import pytest

from telephonist.engine import Dsp, Hook, PlayDone
from tests.support import signals as S

ALL = "0123456789*#ABCD"
GAP_MS = 100


def heard(harness, tmp_path, samples) -> str:
    """Digits the near channel reports while its far end plays samples."""
    (near, far), = harness.sim()
    harness.engine.set_dsp(near, Dsp.DTMF)
    harness.engine.hook(near, Hook.OFF)
    path = S.write_wav(tmp_path / "far.wav", S.concat(S.silence(GAP_MS), samples, S.silence(300)))
    pid = harness.engine.play(far, [path])
    harness.run_until(lambda e: isinstance(e, PlayDone) and e.playback == pid)
    harness.run(200)
    return harness.digits(near)


def train(digits: str, on_ms: int = 60, **kw) -> S.array:
    """Each digit for on_ms, then GAP_MS of silence."""
    return S.concat(*(S.concat(S.dtmf(d, on_ms, **kw), S.silence(GAP_MS)) for d in digits))


@pytest.mark.parametrize("which", ["low_shift", "high_shift"])
@pytest.mark.parametrize("shift", [0.015, -0.015])
def test_frequency_within_1_5_percent_is_accepted(harness, tmp_path, which, shift):
    assert heard(harness, tmp_path, train(ALL, **{which: shift})) == ALL


def test_both_tones_off_by_1_percent_opposite_ways_are_accepted(harness, tmp_path):
    sig = S.concat(train(ALL, low_shift=0.01, high_shift=-0.01), train(ALL, low_shift=-0.01, high_shift=0.01))
    assert heard(harness, tmp_path, sig) == ALL + ALL


BOTH_OFF = [(0.015, 0.015), (-0.015, -0.015), (0.015, -0.015), (-0.015, 0.015)]
BOTH_OFF_IDS = ["both+1.5%", "both-1.5%", "low+high-", "low-high+"]


@pytest.mark.parametrize("low_shift,high_shift", BOTH_OFF, ids=BOTH_OFF_IDS)
def test_both_tones_off_by_1_5_percent_are_accepted(harness, tmp_path, low_shift, high_shift):
    # opposite ways is spandsp's blind spot (it drops 9 # C D): the second detector hears them
    assert heard(harness, tmp_path, train(ALL, low_shift=low_shift, high_shift=high_shift)) == ALL


@pytest.mark.parametrize("low_shift,high_shift", BOTH_OFF, ids=BOTH_OFF_IDS)
def test_twist_limits_with_both_tones_1_5_percent_off_are_accepted(harness, tmp_path, low_shift, high_shift):
    # low group 7.5 dB louder, then high group 3.5 dB louder, each with both tones off
    kw = dict(low_shift=low_shift, high_shift=high_shift)
    sig = S.concat(train(ALL, low_db=-6, high_db=-13.5, **kw), train(ALL, low_db=-9.5, high_db=-6, **kw))
    assert heard(harness, tmp_path, sig) == ALL + ALL


@pytest.mark.parametrize("low_shift,high_shift", [(0.015, -0.015), (-0.015, 0.015)], ids=["low+high-", "low-high+"])
def test_twist_beyond_the_limits_is_rejected_with_both_tones_1_5_percent_off(harness, tmp_path, low_shift, high_shift):
    kw = dict(low_shift=low_shift, high_shift=high_shift)
    sig = S.concat(train(ALL, low_db=-6, high_db=-14.5, **kw), train(ALL, low_db=-10.5, high_db=-6, **kw))
    assert heard(harness, tmp_path, sig) == ""


@pytest.mark.parametrize("shift", [0.036, -0.036])
def test_one_tone_beyond_3_5_percent_is_rejected_with_the_other_1_5_percent_off(harness, tmp_path, shift):
    other = -0.015 if shift > 0 else 0.015
    sig = S.concat(train(ALL, low_shift=shift, high_shift=other), train(ALL, low_shift=other, high_shift=shift))
    assert heard(harness, tmp_path, sig) == ""


@pytest.mark.parametrize("which", ["low_shift", "high_shift"])
@pytest.mark.parametrize("shift", [0.036, -0.036, 0.05, -0.05])
def test_frequency_beyond_3_5_percent_is_rejected(harness, tmp_path, which, shift):
    # every digit, so both edges of each group (697 Hz low, 1633 Hz high) are tried
    assert heard(harness, tmp_path, train(ALL, **{which: shift})) == ""


def test_twist_just_inside_the_limits_is_accepted(harness, tmp_path):
    # low group 7.5 dB louder (limit 8), then high group 3.5 dB louder (limit 4)
    sig = S.concat(train(ALL, low_db=-6, high_db=-13.5), train(ALL, low_db=-9.5, high_db=-6))
    assert heard(harness, tmp_path, sig) == ALL + ALL


@pytest.mark.parametrize("low_db,high_db", [(-6, -14.5), (-6, -18), (-10.5, -6), (-14, -6)],
                         ids=["low+8.5dB", "low+12dB", "high+4.5dB", "high+8dB"])
def test_twist_just_outside_the_limits_is_rejected(harness, tmp_path, low_db, high_db):
    assert heard(harness, tmp_path, train(ALL, low_db=low_db, high_db=high_db)) == ""


def phases(on_ms: int) -> S.array:
    """A digit "5" of on_ms at 13 phases against the detector's 12.75 ms blocks."""
    return S.concat(*(S.concat(S.silence(k), S.dtmf("5", on_ms), S.silence(GAP_MS)) for k in range(13)))


def test_40_ms_digit_is_accepted_at_every_phase(harness, tmp_path):
    assert heard(harness, tmp_path, phases(40)) == "5" * 13


def test_20_ms_digit_is_rejected_at_every_phase(harness, tmp_path):
    assert heard(harness, tmp_path, phases(20)) == ""


def test_40_ms_digits_off_by_1_5_percent_opposite_ways_are_accepted_at_every_phase(harness, tmp_path):
    # the digits spandsp alone dropped, at their shortest, against every block phase of both detectors
    sig = S.concat(*(S.concat(S.silence(k), S.dtmf(d, 40, low_shift=ls, high_shift=-ls), S.silence(GAP_MS))
                     for d in "9#CD" for ls in (0.015, -0.015) for k in range(13)))
    assert heard(harness, tmp_path, sig) == "".join(d * 26 for d in "9#CD")


def test_20_ms_digits_off_by_1_5_percent_are_rejected_at_every_phase(harness, tmp_path):
    sig = S.concat(*(S.concat(S.silence(k), S.dtmf(d, 20, low_shift=ls, high_shift=hs), S.silence(GAP_MS))
                     for d in "159D" for ls, hs in BOTH_OFF for k in range(0, 13, 3)))
    assert heard(harness, tmp_path, sig) == ""


def test_40_ms_pause_separates_two_digits(harness, tmp_path):
    pairs = [("5", "5"), ("1", "2"), ("#", "#"), ("0", "D")]
    sig = S.concat(*(S.concat(S.silence(k * 3), S.dtmf(a, 40), S.silence(40), S.dtmf(b, 40), S.silence(GAP_MS))
                     for k, (a, b) in enumerate(pairs)))
    assert heard(harness, tmp_path, sig) == "".join(a + b for a, b in pairs)


def test_sensitivity_floor(harness, tmp_path):
    # -30 dBm0 a tone is the floor: well above is heard, well below is not
    sig = S.concat(train("19", low_db=-24, high_db=-24), train("37", low_db=-36, high_db=-36))
    assert heard(harness, tmp_path, sig) == "19"
