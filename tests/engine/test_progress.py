"""Call-progress tones by zone: each recognised as itself and as nothing else; none in speech."""
import shutil
import subprocess

import pytest

from telephonist.engine import Dsp, Kind, ToneEvent, VadEvent
from tests.support.signals import concat, silence, tone, write_wav

TONES = ["dial", "busy", "ringback", "congestion", "sit"]


def heard(harness, near, ms):
    harness.run(ms)
    return [(e.tone, e.on) for e in harness.of(ToneEvent, near)]


@pytest.mark.parametrize("zone", ["cn", "us", "uk"])
@pytest.mark.parametrize("name", TONES)
def test_each_zone_tone_is_recognised_as_itself(harness, zone, name):
    (near, far), = harness.sim(Kind.E1, zone=zone)
    harness.engine.set_dsp(near, Dsp.PROGRESS)
    harness.engine.play(far, [("tone", name, 8000)])
    events = heard(harness, near, 12000)
    assert events and events[0] == (name, 1), events
    assert {n for n, _ in events} == {name}, events
    first = harness.of(ToneEvent, near)[0]
    assert first.time_ms <= 2600, f"{zone} {name} took {first.time_ms} ms to recognise"


def test_busy_tone_ends_when_it_stops(harness):
    (near, far), = harness.sim(Kind.FXO)
    harness.engine.set_dsp(near, Dsp.PROGRESS)
    harness.engine.play(far, [("tone", "busy", 3500), ("silence", 3000)])
    events = heard(harness, near, 8000)
    assert events == [("busy", 1), ("busy", 0)]


def test_busy_tone_through_a_noisy_lossy_line(harness):
    (near, far), = harness.sim(Kind.FXO)
    harness.engine.sim_impair(near, noise_dbm0=-50, loss_db=10)
    harness.engine.set_dsp(near, Dsp.PROGRESS)
    harness.engine.play(far, [("tone", "busy", 5000)])
    assert ("busy", 1) in heard(harness, near, 6000)


def test_a_tone_of_the_wrong_cadence_is_nothing(harness, tmp_path):
    # 450 Hz, 200 ms on / 200 ms off: no Chinese tone has this cadence
    wav = write_wav(tmp_path / "odd.wav", concat(*[concat(tone([(450, -10)], 200), silence(200)) for _ in range(15)]))
    (near, far), = harness.sim(Kind.FXO)
    harness.engine.set_dsp(near, Dsp.PROGRESS)
    harness.engine.play(far, [wav])
    assert heard(harness, near, 7000) == []


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        pytest.fail("espeak-ng and sox are needed (scripts/bootstrap.sh installs them)")
    d = tmp_path_factory.mktemp("progress-speech")
    files = []
    for i, (voice, text) in enumerate([
            ("en-us", "Thank you for calling the gas company. Your account balance is two hundred and forty yuan."),
            ("cmn-latn-pinyin", "ni3 hao3, huan1 ying2 zhi4 dian4 ran2 qi4 gong1 si1 ke4 hu4 fu2 wu4 zhong1 xin1.")]):
        raw, out = d / f"raw{i}.wav", d / f"speech{i}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True)
        subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(out)], check=True)
        files.append(str(out))
    return files


def test_speech_is_voice_and_no_tone(harness, speech):
    (near, far), = harness.sim(Kind.FXO)
    harness.engine.set_dsp(near, Dsp.PROGRESS | Dsp.VAD)
    harness.engine.play(far, speech * 3)
    harness.run(40000)
    assert harness.of(ToneEvent, near) == []
    starts = [e for e in harness.of(VadEvent, near) if e.on]
    assert starts, "speech was not heard as voice"


def test_a_greeting_is_one_voice_run_of_its_length(harness, speech):
    (near, far), = harness.sim(Kind.FXO)
    harness.engine.set_dsp(near, Dsp.VAD)
    harness.engine.play(far, [speech[0], ("silence", 3000)])
    harness.run(12000)
    runs = [e for e in harness.of(VadEvent, near) if not e.on]
    total = sum(e.length_ms for e in runs)
    from tests.support.signals import read_wav
    length_ms = read_wav(speech[0]).seconds * 1000
    assert 0.6 * length_ms <= total <= 1.1 * length_ms, (total, length_ms, [e.length_ms for e in runs])


def test_silence_is_nothing(harness):
    (near, far), = harness.sim(Kind.FXO)
    harness.engine.set_dsp(near, Dsp.PROGRESS | Dsp.VAD)
    harness.run(10000)
    assert harness.of(ToneEvent, near) == [] and harness.of(VadEvent, near) == []
