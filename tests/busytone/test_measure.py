"""Measuring a disconnect tone from audio: synthesized tones of the PBXs the issue names, with line
noise, after speech, and what is not a tone."""
import subprocess
from array import array

import pytest

from telephonist.busytone.measure import NoToneFound, measure, read_wav
from telephonist.busytone.synth import tone_samples, write_wav
from telephonist.config.busy_tones import BusyTone

TONES = [
    BusyTone((450,), (350, 350), level_dbm0=-12),       # YD/N 065 busy
    BusyTone((425,), (700, 700), level_dbm0=-20),
    BusyTone((500,), (250, 250), level_dbm0=-15),
    BusyTone((400, 450), (350, 350), level_dbm0=-18),   # a dual tone
    BusyTone((425,), (400, 350, 225, 525), level_dbm0=-12),   # two on/off pairs a cycle
    BusyTone((450,), (), level_dbm0=-10),               # continuous
]


def assert_close(found: BusyTone, want: BusyTone) -> None:
    assert len(found.frequencies) == len(want.frequencies), found
    assert all(abs(a - b) <= 3 for a, b in zip(found.frequencies, want.frequencies)), found
    assert abs(found.level_dbm0 - want.level_dbm0) <= 1.0, found
    assert len(found.cadence_ms) == len(want.cadence_ms), found
    cycle = list(want.cadence_ms)
    # a cycle of two pairs may be measured from either pair
    rotations = [cycle[i:] + cycle[:i] for i in range(0, len(cycle), 2)] or [[]]
    assert any(all(abs(a - b) <= 10 for a, b in zip(found.cadence_ms, r)) for r in rotations), found


@pytest.mark.parametrize("tone", TONES, ids=lambda t: t.describe())
def test_each_tone_through_line_noise(tone):
    audio = tone_samples(BusyTone((300,), level_dbm0=-60), 1000, noise_dbm0=-45) + \
        tone_samples(tone, 6000, noise_dbm0=-45, seed=2)
    m = measure(audio)
    assert_close(m.tone, tone)
    assert tone.cadence_ms == () or m.cycles >= 3
    assert -48 <= m.noise_dbm0 <= -42
    assert 0 < m.tone.tolerance_ms < min(tone.cadence_ms) if tone.cadence_ms else m.tone.tolerance_ms == 0


def test_the_tone_after_speech_is_what_is_measured(tmp_path):
    raw, speech = tmp_path / "raw.wav", tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(raw), "Thank you, goodbye."], check=True)
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(speech)], check=True)
    pbx = BusyTone((500,), (250, 250), level_dbm0=-15)
    audio = read_wav(str(speech)) + tone_samples(pbx, 4000, noise_dbm0=-50)
    assert_close(measure(audio).tone, pbx)


def test_an_a_law_recording_as_chand_makes_them(tmp_path):
    pbx = BusyTone((425,), (700, 700), level_dbm0=-20)
    pcm = write_wav(str(tmp_path / "pcm.wav"), tone_samples(pbx, 6000, noise_dbm0=-50))
    alaw = tmp_path / "alaw.wav"
    subprocess.run(["sox", pcm, "-e", "a-law", str(alaw)], check=True)
    assert_close(measure(read_wav(str(alaw))).tone, pbx)


@pytest.mark.parametrize("audio, says", [
    (tone_samples(BusyTone((300,), level_dbm0=-60), 5000, noise_dbm0=-50), "quiet"),
    (tone_samples(BusyTone((300,), level_dbm0=-60), 5000, noise_dbm0=-15), "not a tone"),
    (tone_samples(BusyTone((450,), (350, 350), level_dbm0=-10), 1500), "too short"),
    (tone_samples(BusyTone((450,), (350, 350), level_dbm0=-10), 1050) + array("h", bytes(2 * 8000 * 3)),
     "nothing repeats"),
], ids=["silence", "white noise", "too short", "a burst then silence"])
def test_what_is_not_a_tone_says_so(audio, says):
    with pytest.raises(NoToneFound, match=says):
        measure(audio)


def test_a_file_that_is_not_a_usable_wav(tmp_path):
    (tmp_path / "x.wav").write_bytes(b"not a wav")
    with pytest.raises(NoToneFound, match="not a WAV"):
        read_wav(str(tmp_path / "x.wav"))
    stereo = tmp_path / "stereo.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "2", str(stereo), "synth", "1", "sine", "450"], check=True)
    with pytest.raises(NoToneFound, match="8 kHz mono"):
        read_wav(str(stereo))


def test_a_measured_tone_that_is_the_zones_own_is_named():
    from telephonist.busytone.learn import zone_tone_like
    uk_ringback = BusyTone((400, 450), (400, 200, 400, 2000), level_dbm0=-12)
    audio = tone_samples(uk_ringback, 13000, noise_dbm0=-50)
    m = measure(audio)
    assert zone_tone_like(m.tone, "uk") == "ringback", m.tone
    assert zone_tone_like(BusyTone((450,), (350, 350), tolerance_ms=72), "cn") == "busy"
    assert zone_tone_like(BusyTone((500,), (250, 250), tolerance_ms=57), "cn") is None
    assert zone_tone_like(BusyTone((450,), (), level_dbm0=-10), "cn") == "dial"


def test_speech_and_music_ending_anywhere_are_no_tone(tmp_path):
    """A call the application ends while the caller talks or hears music: chand's own learning measures
    its end too, and must find nothing (the music's repeated B4 notes once passed for a continuous tone)."""
    from tests.support.hold_audio import speech_and_music
    path, ms = speech_and_music(tmp_path)
    audio = read_wav(path)
    for end_ms in range(4000, ms, 2311):
        with pytest.raises(NoToneFound):
            measure(audio[max(0, (end_ms - 15000) * 8):end_ms * 8])
