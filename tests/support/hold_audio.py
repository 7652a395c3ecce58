"""What a caller on hold or in a conversation sends down the line: speech (espeak-ng, English and
Chinese pinyin) and music (sox's plucked strings: a melody over chords, notes of 125 to 750 ms,
some on 494 and 523 Hz, beside the 500 Hz of a PBX's tone), as one 8 kHz WAV a far end plays."""
from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import pytest

SENTENCES = [
    ("en-us", "Thank you for holding. All our agents are busy at the moment. Your call is important to us."),
    ("cmn-latn-pinyin", "ni3 hao3, huan1 ying2 zhi4 dian4 ran2 qi4 gong1 si1. qing3 shao1 hou4, wo3 men5 ma3 shang4 wei4 nin2 fu2 wu4."),
    ("en-us", "Your account balance is two hundred and forty yuan. Press one to pay now, or stay on the line."),
]
# (notes of the chord, seconds): C major, A minor, F, G and a running melody around B4/C5
MUSIC = [("C4 E4 G4", 0.75), ("B4", 0.25), ("C5", 0.25), ("D5", 0.25), ("A3 C4 E4", 0.75), ("C5", 0.125),
         ("B4", 0.125), ("A4", 0.25), ("F3 A3 C4", 0.5), ("C5", 0.25), ("C5", 0.25), ("G3 B3 D4", 0.75),
         ("B4", 0.25), ("B4", 0.25), ("B4", 0.25), ("C4 E4 G4 C5", 0.5), ("E5", 0.25), ("D5", 0.25), ("C5", 0.5)]


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


def speech_and_music(folder: Path) -> tuple[str, int]:
    """(path, ms) of speech then music then speech ..., about a minute, 8 kHz 16-bit mono."""
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        pytest.fail("espeak-ng and sox are needed (scripts/bootstrap.sh installs them)")
    work = folder / "hold-audio"
    work.mkdir(exist_ok=True)
    speech = []
    for i, (voice, text) in enumerate(SENTENCES):
        raw, out = work / f"raw{i}.wav", work / f"speech{i}.wav"
        _run("espeak-ng", "-v", voice, "-w", str(raw), text)
        _run("sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(out))
        speech.append(str(out))
    notes = []
    for i, (chord, secs) in enumerate(MUSIC):
        strings, out = work / f"strings{i}.wav", work / f"note{i}.wav"
        plucks = [a for n in chord.split() for a in ("pluck", n)]
        _run("sox", "-n", "-r", "8000", "-b", "16", "-c", str(len(chord.split())), str(strings), "synth", str(secs),
             *plucks)
        _run("sox", str(strings), str(out), "remix", "-", "gain", "-n", "-12")      # the strings as one sound
        notes.append(str(out))
    music = work / "music.wav"
    _run("sox", *(notes * 4), str(music))
    whole = folder / "speech-and-music.wav"
    _run("sox", speech[0], str(music), speech[1], str(music), speech[2], str(music), str(whole))
    with wave.open(str(whole), "rb") as w:
        return str(whole), w.getnframes() * 1000 // w.getframerate()
