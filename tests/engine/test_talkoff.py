"""Talk-off: five minutes of speech into a channel with DTMF detection gives no digit.

The speech is made with espeak-ng (English and Mandarin, male and female
voices, two speeds), converted by sox to 8 kHz mono 16-bit with its peaks
normalised near full scale (hotter than a real line, so harder on the
detector), generated once per session and looped by the far end.
"""
from __future__ import annotations

import shutil
import subprocess

import pytest

from telephonist.engine import Dsp, DtmfBegin, DtmfEvent, EndReason, Hook, PlayDone
from tests.support import signals as S

TALK_MS = 5 * 60 * 1000

ENGLISH = (
    "Thank you for calling. Your call is important to us. Please hold while we connect you to the next "
    "available agent. For billing questions, press one. To report a fault, press two. To speak with an "
    "operator, stay on the line. Our offices are open Monday to Friday from eight in the morning until six "
    "in the evening. Did you know that you can check your balance and pay your bill on our website? "
    "Hello, this is Sarah speaking, how may I help you today? Could you spell your surname for me, please? "
    "Seven, three, nine, zero, four, four, one. Sixty-two thousand five hundred and eighty. Whistles, "
    "squeaks, cheese, peace, see, me, three, tree, free, beep, sheep, keep, deep, Eve."
)
MANDARIN = (
    "您好，欢迎致电客户服务中心。请稍候，我们正在为您转接人工客服。查询账单请按一，报修请按二，"
    "人工服务请不要挂机。我们的营业时间是周一至周五早上八点到晚上六点。请问您贵姓？"
    "您的电话号码是幺三八零零九九七六五四吗？谢谢您的耐心等待，祝您生活愉快，再见。"
)
VOICES = [
    ("en-us", ENGLISH, []), ("en-us+f3", ENGLISH, ["-s", "200", "-p", "70"]),
    ("cmn-latn-pinyin", MANDARIN, []), ("cmn-latn-pinyin+f2", MANDARIN, ["-s", "190", "-p", "75"]),
]


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory) -> str:
    """One 8 kHz mono 16-bit WAV of every voice in turn (made once per session)."""
    if not shutil.which("espeak-ng") or not shutil.which("sox"):
        pytest.skip("espeak-ng and sox are needed (scripts/bootstrap.sh installs them)")
    d = tmp_path_factory.mktemp("talkoff")
    parts = []
    for i, (voice, text, opts) in enumerate(VOICES):
        raw = d / f"raw{i}.wav"
        subprocess.run(["espeak-ng", "-v", voice, *opts, "-w", str(raw), text], check=True, capture_output=True)
        parts.append(str(raw))
    out = d / "speech.wav"
    # -r 8000: the line rate; gain -n -1: peaks at -1 dBFS
    subprocess.run(["sox", *parts, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", str(out),
                    "gain", "-n", "-1"], check=True, capture_output=True)
    return str(out)


def test_speech_sample_is_real_speech(speech_wav):
    wav = S.read_wav(speech_wav)
    assert wav.rate == 8000 and wav.channels == 1
    assert wav.seconds > 40, "the speech sample is too short to mean much when looped"
    # loud enough to matter: the active stretches sit well above the DTMF detector's -30 dBm0 floor
    runs = S.active_runs(wav.samples[0][: 8000 * 20], frame=160, threshold_dbm0=-30)
    assert sum(b - a for a, b in runs) > 8000 * 8


def test_five_minutes_of_speech_give_no_digit(harness, speech_wav):
    (near, far), = harness.sim()
    harness.engine.set_dsp(near, Dsp.DTMF)
    harness.engine.hook(near, Hook.OFF)
    pid = harness.engine.play(far, [speech_wav], loop=True)
    harness.run(TALK_MS)
    harness.engine.play_stop(far, pid)
    harness.run(200)
    # the far end really played all along (a loop only ends when stopped)
    done = harness.of(PlayDone, far)
    assert [(e.playback, e.reason) for e in done] == [(pid, EndReason.STOPPED)]
    assert harness.of(DtmfBegin, near) == []
    assert harness.of(DtmfEvent, near) == []


def test_digits_are_still_heard_between_speech(harness, tmp_path, speech_wav):
    """The control: the same channel set-up hears a digit after the speech."""
    (near, far), = harness.sim()
    harness.engine.set_dsp(near, Dsp.DTMF)
    harness.engine.hook(near, Hook.OFF)
    digit = S.write_wav(tmp_path / "digit.wav", S.concat(S.silence(200), S.dtmf("7", 60), S.silence(200)))
    harness.engine.play(far, [speech_wav, digit])
    harness.run(int(S.read_wav(speech_wav).seconds * 1000) + 1000)
    assert harness.digits(near) == "7"
