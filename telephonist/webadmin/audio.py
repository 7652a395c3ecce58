"""Recordings for the browser: find the file safely, and turn G.711 WAVs into 16-bit PCM.

Browsers play PCM WAV but not A-law/μ-law WAV (format tags 6 and 7), which is
what chand records on A-law spans, so those are decoded on the fly (stdlib
audioop; deprecated but present up to Python 3.12). The engine's recordings
are crash-safe: a header whose sizes were never rewritten is read as "up to
the end of the file".
"""
from __future__ import annotations

import io
import os
import struct
import warnings
import wave
from dataclasses import dataclass
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

PCM, ALAW, MULAW, EXTENSIBLE = 1, 6, 7, 0xFFFE


class BadRecording(ValueError):
    pass


@dataclass(frozen=True)
class WavInfo:
    fmt: int
    channels: int
    rate: int
    bits: int
    data: bytes
    cut_short: bool = False         # the data chunk's size promises more bytes than the file holds


def resolve(recordings_dir: str, recording_path: str | None) -> Path | None:
    """The file of a call's recording, only if it lies inside ``recordings_dir`` and exists."""
    if not recording_path:
        return None
    base = Path(os.path.realpath(recordings_dir))
    path = Path(os.path.realpath(os.path.join(base, recording_path)))
    if base != path and base not in path.parents:
        return None
    return path if path.is_file() else None


MAX_CHANNELS = 8
MAX_RATE = 384_000


def read_wav(raw: bytes) -> WavInfo:
    """The format and samples of a WAV file; BadRecording for anything else, a file cut short
    inside its header included (a crash, a full disk, a truncated upload)."""
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise BadRecording("not a RIFF/WAVE file")
    pos, fmt = 12, None
    while pos + 8 <= len(raw):
        cid, size = raw[pos:pos + 4], struct.unpack_from("<I", raw, pos + 4)[0]
        body = pos + 8
        if cid == b"fmt ":
            fmt = _fmt(raw[body:body + size], size)
        elif cid == b"data":
            if fmt is None:
                raise BadRecording("data before fmt")
            unknown = size in (0, 0xFFFFFFFF)       # chand's crash-safe header: "up to the end of the file"
            end = len(raw) if unknown or body + size > len(raw) else body + size
            return WavInfo(fmt[0], fmt[1], fmt[2], fmt[3], raw[body:end], cut_short=not unknown and body + size > len(raw))
        pos = body + size + (size & 1)
    raise BadRecording("no data chunk (the file is cut short)" if fmt else "no fmt chunk (the file is cut short)")


def _fmt(chunk: bytes, size: int) -> tuple[int, int, int, int]:
    if size < 16 or len(chunk) < 16:
        raise BadRecording("the fmt chunk is cut short")
    tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", chunk)
    if tag == EXTENSIBLE and len(chunk) >= 26:
        tag = struct.unpack_from("<H", chunk, 24)[0]
    if not 1 <= channels <= MAX_CHANNELS or not 1 <= rate <= MAX_RATE:
        raise BadRecording(f"not a usable WAV format ({channels} channels, {rate} Hz)")
    return tag, channels, rate, bits


def browser_wav(path: Path) -> bytes:
    """The recording as 16-bit PCM WAV bytes (unchanged if it is PCM already)."""
    info = read_wav(path.read_bytes())
    if info.fmt == PCM and info.bits == 16:
        samples = info.data[: len(info.data) // (2 * info.channels) * 2 * info.channels]
    elif info.fmt == ALAW:
        samples = audioop.alaw2lin(info.data, 2)
    elif info.fmt == MULAW:
        samples = audioop.ulaw2lin(info.data, 2)
    else:
        raise BadRecording(f"unsupported WAV format {info.fmt}/{info.bits} bits")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(info.channels)
        w.setsampwidth(2)
        w.setframerate(info.rate)
        w.writeframes(samples)
    return out.getvalue()


def wav_response(path: Path):
    """A recording for the browser's audio element (private, not cached); 404 if it cannot be read."""
    from flask import Response, abort
    try:
        data = browser_wav(path)
    except BadRecording as exc:
        abort(404, description=str(exc))
    resp = Response(data, mimetype="audio/wav")
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
