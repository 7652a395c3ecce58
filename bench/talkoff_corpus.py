"""Speech for talk-off sweeps of the DTMF detector, beyond the test's four voices.

Writes 8 kHz mono 16-bit WAVs (peaks at -1 dBFS, as the test does) of the
talk-off test's English and Mandarin texts in 16 espeak-ng voice variants at
varied pitch and speed, plus 10 more languages in a high female voice (the
riskiest: few, strong harmonics), about 32 minutes in all. Feed them to
bench/dtmf_q24_sweep.c:

    .venv/bin/python bench/talkoff_corpus.py /tmp/talkoff
    /tmp/dtmf_q24_sweep /tmp/talkoff/*.wav
"""
from __future__ import annotations

import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.engine.test_talkoff import ENGLISH, MANDARIN  # noqa: E402

VARIANTS = ["m1", "m2", "m3", "m4", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "Annie", "belinda", "steph",
            "linda", "Andrea"]
LANGUAGES = ["yue", "de", "fr-fr", "es", "it", "ja", "ru", "vi", "hi", "ko"]


def voices() -> list[tuple[str, str, list[str]]]:
    rnd = random.Random(7)      # the same corpus every time
    out = []
    for var in VARIANTS:
        for lang, text in (("en-us", ENGLISH), ("cmn", MANDARIN)):
            pitch, speed = rnd.choice([20, 35, 50, 65, 80, 95]), rnd.choice([140, 170, 200, 230])
            out.append((f"{lang}+{var}", text, ["-p", str(pitch), "-s", str(speed)]))
    for lang in LANGUAGES:
        out.append((f"{lang}+f4", MANDARIN if lang == "yue" else ENGLISH, ["-p", "85"]))
    return out


def main(outdir: str) -> None:
    os.makedirs(outdir, exist_ok=True)
    for i, (voice, text, opts) in enumerate(voices()):
        raw = os.path.join(outdir, f"raw{i:02d}.wav")
        subprocess.run(["espeak-ng", "-v", voice, *opts, "-w", raw, text], check=True, capture_output=True)
        subprocess.run(["sox", raw, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
                        os.path.join(outdir, f"{i:02d}-{voice}.wav"), "gain", "-n", "-1"],
                       check=True, capture_output=True)
        os.remove(raw)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/talkoff")
