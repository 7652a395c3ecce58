"""DTMF reception against ITU-T Q.24 limits, on a sim line.

The far end plays a WAV synthesised here (so frequencies, levels and timing
are exact), the near channel detects. The engine's limits (csrc/dsp.c):
frequency within 1.5 % accepted and beyond 3.5 % rejected, twist up to 8 dB
with the low group louder and 4 dB with the high group louder, 40 ms tones
accepted and 20 ms rejected, 40 ms pauses split digits.
"""
from __future__ import annotations

import pytest

from telephonist.engine import Dsp, EventType, Hook
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
    harness.run_until(lambda e: e.type == EventType.PLAY_DONE and e.id == pid)
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


@pytest.mark.xfail(strict=True, reason="spandsp 0.0.6 asks the two tones for 82 % (-0.85 dB) of a 102-sample "
                   "block's energy, a constant no parameter changes: with both tones 1.5 % off it "
                   "drops 9 # C D (1.2 % already drops * in some block phases)")
def test_both_tones_off_by_1_5_percent_opposite_ways_are_accepted(harness, tmp_path):
    sig = S.concat(train(ALL, low_shift=0.015, high_shift=-0.015), train(ALL, low_shift=-0.015, high_shift=0.015))
    assert heard(harness, tmp_path, sig) == ALL + ALL


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


def test_40_ms_pause_separates_two_digits(harness, tmp_path):
    pairs = [("5", "5"), ("1", "2"), ("#", "#"), ("0", "D")]
    sig = S.concat(*(S.concat(S.silence(k * 3), S.dtmf(a, 40), S.silence(40), S.dtmf(b, 40), S.silence(GAP_MS))
                     for k, (a, b) in enumerate(pairs)))
    assert heard(harness, tmp_path, sig) == "".join(a + b for a, b in pairs)


def test_sensitivity_floor(harness, tmp_path):
    # -30 dBm0 a tone is the floor: well above is heard, well below is not
    sig = S.concat(train("19", low_db=-24, high_db=-24), train("37", low_db=-36, high_db=-36))
    assert heard(harness, tmp_path, sig) == "19"
