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


def resolve(recordings_dir: str, recording_path: str | None) -> Path | None:
    """The file of a call's recording, only if it lies inside ``recordings_dir`` and exists."""
    if not recording_path:
        return None
    base = Path(os.path.realpath(recordings_dir))
    path = Path(os.path.realpath(os.path.join(base, recording_path)))
    if base != path and base not in path.parents:
        return None
    return path if path.is_file() else None


def read_wav(raw: bytes) -> WavInfo:
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise BadRecording("not a RIFF/WAVE file")
    pos, fmt = 12, None
    while pos + 8 <= len(raw):
        cid, size = raw[pos:pos + 4], struct.unpack_from("<I", raw, pos + 4)[0]
        body = pos + 8
        if cid == b"fmt ":
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", raw, body)
            if tag == EXTENSIBLE and size >= 26:
                tag = struct.unpack_from("<H", raw, body + 24)[0]
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            if fmt is None:
                raise BadRecording("data before fmt")
            end = len(raw) if size in (0, 0xFFFFFFFF) or body + size > len(raw) else body + size
            return WavInfo(fmt[0], fmt[1], fmt[2], fmt[3], raw[body:end])
        pos = body + size + (size & 1)
    raise BadRecording("no data chunk")


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
