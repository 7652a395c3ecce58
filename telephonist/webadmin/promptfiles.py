"""Prompts in [system] prompts_dir: list them, and make uploads (WAV or MP3, any rate) into what chand
plays: 8 kHz mono 16-bit WAV, converted by sox. A file that sox cannot read as WAV or MP3 is refused."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import wave
import warnings
from dataclasses import dataclass
from pathlib import Path

from telephonist.webadmin import audio
from telephonist.webadmin.files import move_atomic

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

FOLDER = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
STEM = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
UPLOAD_TYPES = {".wav": "wav", ".mp3": "mp3"}
PLAYED = (".wav", ".alaw", ".ulaw", ".sln")
MAX_SECONDS = 600
FORMATS = {audio.PCM: "PCM", audio.ALAW: "A-law", audio.MULAW: "μ-law"}


class PromptError(ValueError):
    """The upload cannot become a prompt; the message says why."""


@dataclass(frozen=True)
class Prompt:
    name: str                  # as flows name it: "zh/welcome.wav"
    size: int
    seconds: float | None
    format: str                # "8000 Hz mono A-law"
    playable: bool             # chand plays it as it is (8 kHz mono)


def folders(prompts_dir: str, languages: tuple[str, ...]) -> list[str]:
    """"" (the top) and one folder a language, plus the subfolders there are."""
    found = set(languages)
    if os.path.isdir(prompts_dir):
        found |= {d for d in os.listdir(prompts_dir) if FOLDER.match(d) and os.path.isdir(os.path.join(prompts_dir, d))}
    return [""] + sorted(found)


def list_prompts(prompts_dir: str) -> list[Prompt]:
    out = []
    if not os.path.isdir(prompts_dir):
        return out
    for folder in [""] + sorted(d for d in os.listdir(prompts_dir) if FOLDER.match(d)):
        base = os.path.join(prompts_dir, folder)
        if not os.path.isdir(base):
            continue
        for name in sorted(os.listdir(base)):
            path = os.path.join(base, name)
            if name.startswith(".") or not name.endswith(PLAYED) or not os.path.isfile(path):
                continue
            out.append(describe(path, f"{folder}/{name}" if folder else name))
    return out


def describe(path: str, name: str) -> Prompt:
    size = os.path.getsize(path)
    ext = os.path.splitext(path)[1]
    if ext != ".wav":
        rate_bytes = 16000 if ext == ".sln" else 8000
        return Prompt(name, size, size / rate_bytes, {".alaw": "8000 Hz A-law (raw)", ".ulaw": "8000 Hz μ-law (raw)",
                                                       ".sln": "8000 Hz PCM (raw)"}[ext], True)
    try:
        info = audio.read_wav(Path(path).read_bytes())
    except audio.BadRecording as exc:
        return Prompt(name, size, None, str(exc), False)
    width = max(1, info.bits // 8) * info.channels
    seconds = len(info.data) / (info.rate * width) if info.rate else None
    fmt = (f"{info.rate} Hz {'mono' if info.channels == 1 else f'{info.channels} channels'} "
           f"{FORMATS.get(info.fmt, f'format {info.fmt}')}{' 16-bit' if info.fmt == audio.PCM and info.bits == 16 else ''}"
           f"{' (cut short)' if info.cut_short else ''}")
    ok = info.rate == 8000 and info.channels == 1 and (info.fmt in (audio.ALAW, audio.MULAW) or
                                                        (info.fmt == audio.PCM and info.bits == 16))
    return Prompt(name, size, seconds, fmt, ok)


def _sox() -> tuple[str, str]:
    sox, soxi = shutil.which("sox"), shutil.which("soxi")
    if not sox or not soxi:
        raise PromptError("sox is not installed on the web admin's host")
    return sox, soxi


def convert(src: str, ext: str, out: str) -> float:
    """Check ``src`` (an upload, WAV or MP3 by its name's ``ext``) and write it to ``out`` as 8 kHz mono
    16-bit WAV; returns its length in seconds."""
    if ext not in UPLOAD_TYPES:
        raise PromptError("upload a WAV or an MP3 file")
    sox, soxi = _sox()
    kind = UPLOAD_TYPES[ext]
    if kind == "wav":
        _check_wav(Path(src).read_bytes())
    t = subprocess.run([soxi, "-t", src], capture_output=True, text=True, timeout=30)
    if t.returncode != 0 or t.stdout.strip() != kind:
        raise PromptError(f"not a {kind.upper()} file sox can read")
    d = subprocess.run([soxi, "-D", src], capture_output=True, text=True, timeout=30)
    try:
        seconds = float(d.stdout.strip())
    except ValueError:
        raise PromptError(f"not a {kind.upper()} file sox can read") from None
    if seconds <= 0.05:
        raise PromptError("the file holds no sound")
    if seconds > MAX_SECONDS:
        raise PromptError(f"a prompt lasts at most {MAX_SECONDS // 60} minutes")
    r = subprocess.run([sox, "-V1", "-t", kind, src, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
                        "-t", "wav", out], capture_output=True, text=True, timeout=120)
    if r.returncode != 0 or not os.path.exists(out):
        raise PromptError(f"sox could not convert it: {(r.stderr or '').strip()[:200]}")
    with wave.open(out, "rb") as w:
        converted = w.getnframes() / w.getframerate()
    if converted <= 0.05:
        raise PromptError("the file holds no sound")
    return converted


def _check_wav(raw: bytes) -> None:
    """Refuse a WAV cut short: sox would convert what is there and the rest of the prompt would be lost."""
    try:
        info = audio.read_wav(raw)
    except audio.BadRecording as exc:
        raise PromptError(f"not a WAV file sox can read: {exc}") from None
    if info.cut_short:
        raise PromptError("the WAV file is cut short (its header promises more sound than the file holds); "
                          "upload it again")


def install(prompts_dir: str, folder: str, stem: str, upload: bytes, ext: str, replace: bool) -> tuple[str, float]:
    """Convert an upload and put it at prompts_dir/folder/stem.wav; returns (its name, seconds)."""
    if folder and not FOLDER.match(folder):
        raise PromptError("a folder is letters, digits, _ and -")
    if not STEM.match(stem):
        raise PromptError("a prompt's name is letters, digits, _ and - (up to 64)")
    name = f"{folder}/{stem}.wav" if folder else f"{stem}.wav"
    target = os.path.join(prompts_dir, name)
    if os.path.exists(target) and not replace:
        raise PromptError(f"{name} exists already (tick “replace” to overwrite it)")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "upload" + ext)
        with open(src, "wb") as f:
            f.write(upload)
        out = os.path.join(tmp, "prompt.wav")
        seconds = convert(src, ext, out)
        move_atomic(out, target)
    return name, seconds


def resolve(prompts_dir: str, name: str) -> str | None:
    """The file of a listed prompt, only inside prompts_dir."""
    from telephonist.webadmin.files import inside
    if not name.endswith(PLAYED):
        return None
    path = inside(prompts_dir, name)
    return str(path) if path else None


def browser_wav(path: str) -> bytes:
    """The prompt as 16-bit PCM WAV for an <audio> element (raw A-law/μ-law/linear files too)."""
    ext = os.path.splitext(path)[1]
    if ext == ".wav":
        return audio.browser_wav(Path(path))
    raw = Path(path).read_bytes()
    pcm = audioop.alaw2lin(raw, 2) if ext == ".alaw" else audioop.ulaw2lin(raw, 2) if ext == ".ulaw" else raw
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(pcm)
    return out.getvalue()


def used_by(flows_dir: str, name: str, languages: tuple[str, ...]) -> list[str]:
    """Flow files that name the prompt (as it is, or with its language folder written {lang})."""
    folder, _, rest = name.partition("/")
    forms = {name} | ({"{lang}/" + rest} if rest and folder in languages else set())
    out = []
    if os.path.isdir(flows_dir):
        for f in sorted(os.listdir(flows_dir)):
            if f.endswith(".toml"):
                try:
                    text = Path(flows_dir, f).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                if any(form in text for form in forms):
                    out.append(f)
    return out
