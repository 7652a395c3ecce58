"""The answering-machine detection corpus: what a dialer hears after "answered", made with espeak-ng and sox.

Machines: voicemail and answering-machine greetings (English and Mandarin, several voices and speeds), a short
pause before them, then the record beep. People: a short answer ("Hello?", "喂?", "Yes, who's calling?") and
then the silence of someone waiting, some saying it again when nobody speaks. Line noise and loss are the
engine's own impairment of the sim line (amd_bench), so each item is heard clean and noisy.

    items = build(folder)      # [(path, "human" | "machine", text, voice)], cached in folder
"""
from __future__ import annotations

import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

RATE = 8000

MACHINE_TEXTS = {
    "en": [
        "Hello, you have reached the Miller family. We can't come to the phone right now. Please leave a message "
        "after the tone.",
        "Hi, this is David. Sorry I missed your call. Leave your name and number and I'll get back to you.",
        "The person you are calling is not available. Please record your message after the tone. When you are "
        "finished, hang up.",
        "Thank you for calling Northwind Trading. Our office is closed. Our hours are nine to five, Monday to Friday.",
        "Hello. Please leave a message.",
        "Leave a message.",                                             # short: hard to tell from a person
    ],
    "zh": [
        "nin2 hao3, wo3 xian4 zai4 bu4 fang1 bian4 jie1 ting1 dian4 hua4, qing3 zai4 di1 sheng1 hou4 liu2 yan2.",
        "nin2 hao3, zhe4 li3 shi4 zhang1 jia1, wo3 men5 xian4 zai4 bu2 zai4 jia1, qing3 liu2 xia4 nin2 de5 xing4 "
        "ming2 he2 dian4 hua4.",
        "nin2 bo1 da3 de5 yong4 hu4 zan4 shi2 wu2 fa3 jie1 tong1, qing3 zai4 ting1 dao4 ti2 shi4 yin1 hou4 liu2 yan2.",
        "huan1 ying2 zhi4 dian4 hua2 xia4 mao4 yi4 gong1 si1, xian4 zai4 shi4 fei1 gong1 zuo4 shi2 jian1.",
        "qing3 liu2 yan2.",                                             # short: hard to tell from a person
    ],
}
HUMAN_TEXTS = {
    "en": ["Hello?", "Hello, who's calling?", "Yes?", "Hi, this is Tom.", "Hello, speaking.",
           "Hello, this is the Wang residence, who is calling please?"],    # long: hard to tell from a machine
    "zh": ["wei2?", "wei2, ni3 hao3.", "wei2, na3 wei4?", "ni3 hao3.", "wei2, shi4 wo3.",
           "wei2, ni3 hao3, qing3 wen4 nin2 zhao3 shei2, you3 shen2 me5 shi4 ma5?"],   # long: hard to tell
}
VOICES = {"en": ["en-us", "en-gb+f3", "en-us+m3"], "zh": ["cmn-latn-pinyin", "cmn-latn-pinyin+f2"]}
SPEEDS = [150, 180]


@dataclass(frozen=True)
class Item:
    path: str
    truth: str          # human | machine
    text: str
    voice: str


def speak(text: str, voice: str, speed: int, out: Path) -> list[int]:
    raw = out.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True,
                   capture_output=True)
    subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)], check=True,
                   capture_output=True)
    raw.unlink()
    with wave.open(str(out), "rb") as w:
        data = w.readframes(w.getnframes())
    return list(memoryview(data).cast("h"))


def _silence(ms: int) -> list[int]:
    return [0] * (RATE * ms // 1000)


def _beep(ms: int = 500, freq: int = 1000, amp: int = 8000) -> list[int]:
    import math
    return [int(amp * math.sin(2 * math.pi * freq * i / RATE)) for i in range(RATE * ms // 1000)]


def _write(path: Path, samples: list[int]) -> None:
    import array
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(array.array("h", samples).tobytes())


def make_item(folder: Path, name: str, truth: str, text: str, voice: str, speed: int, lead_ms: int,
              again: bool = False) -> Item:
    """One answer as the dialer hears it: ``lead_ms`` of silence, the speech, then a machine's beep and silence,
    or a person's waiting silence (``again``: saying it once more when nobody speaks)."""
    path = folder / f"{name}.wav"
    if not path.exists():
        speech = speak(text, voice, speed, folder / f"{name}.tmp.wav")
        (folder / f"{name}.tmp.wav").unlink()
        if truth == "machine":
            samples = _silence(lead_ms) + speech + _silence(300) + _beep() + _silence(3000)
        elif again:
            samples = _silence(lead_ms) + speech + _silence(2500) + speech + _silence(3000)
        else:
            samples = _silence(lead_ms) + speech + _silence(5000)
        _write(path, samples)
    return Item(str(path), truth, text, voice)


def build(folder: str | Path) -> list[Item]:
    """Make (or reuse) the corpus in ``folder``; deterministic: the same items every time."""
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        raise RuntimeError("the AMD corpus needs espeak-ng and sox (scripts/bootstrap.sh installs them)")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    items: list[Item] = []
    n = 0
    for lang in ("en", "zh"):
        for truth, texts in (("machine", MACHINE_TEXTS[lang]), ("human", HUMAN_TEXTS[lang])):
            for i, text in enumerate(texts):
                for j, voice in enumerate(VOICES[lang]):
                    n += 1
                    items.append(make_item(folder, f"{truth}-{lang}-{i}-{j}", truth, text, voice,
                                           SPEEDS[(i + j) % len(SPEEDS)], 200 + (n * 137) % 700,
                                           again=truth == "human" and n % 3 == 0))
    return items
