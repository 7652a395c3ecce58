"""Signals for engine tests: synthesis (tones, DTMF), WAV I/O and analysis.

Pure Python and the standard library: tests synthesise what the far end
plays and judge what a channel heard with Goertzel filters and levels,
the way spandsp's own tests do, without recordings from outside.

Levels are in dBm0 with spandsp's convention for A-law: a 0 dBm0 sine has
a peak of 32767 * 10^(-3.14/20).
"""
from __future__ import annotations

import math
import os
import struct
from array import array
from dataclasses import dataclass

RATE = 8000
DBM0_MAX_SINE_POWER = 3.14      # dB: full-scale sine relative to 0 dBm0 (A-law)

DTMF_ROWS = (697, 770, 852, 941)
DTMF_COLS = (1209, 1336, 1477, 1633)
DTMF_KEYS = ("123A", "456B", "789C", "*0#D")


def dtmf_freqs(digit: str) -> tuple[int, int]:
    """(low, high) frequencies of a DTMF digit."""
    for r, keys in enumerate(DTMF_KEYS):
        c = keys.find(digit.upper())
        if c >= 0:
            return DTMF_ROWS[r], DTMF_COLS[c]
    raise ValueError(f"not a DTMF digit: {digit!r}")


def amplitude(dbm0: float) -> float:
    """Peak amplitude of a sine at dbm0."""
    return 32767.0 * 10.0 ** ((dbm0 - DBM0_MAX_SINE_POWER) / 20.0)


def tone(freqs: list[tuple[float, float]] | tuple[tuple[float, float], ...], ms: int) -> array:
    """Sum of sines [(freq Hz, level dBm0), ...] lasting ms, as 16-bit samples."""
    n = ms * RATE // 1000
    out = array("h", bytes(2 * n))
    parts = [(2.0 * math.pi * f / RATE, amplitude(lvl)) for f, lvl in freqs]
    for i in range(n):
        v = 0.0
        for w, a in parts:
            v += a * math.sin(w * i)
        out[i] = max(-32768, min(32767, int(round(v))))
    return out


def silence(ms: int) -> array:
    return array("h", bytes(2 * (ms * RATE // 1000)))


def dtmf(digit: str, ms: int, low_db: float = -10.0, high_db: float = -10.0,
         low_shift: float = 0.0, high_shift: float = 0.0) -> array:
    """A DTMF digit with each tone's level (dBm0) and relative frequency offset (0.02 = +2 %)."""
    lo, hi = dtmf_freqs(digit)
    return tone([(lo * (1.0 + low_shift), low_db), (hi * (1.0 + high_shift), high_db)], ms)


def concat(*parts: array) -> array:
    out = array("h")
    for p in parts:
        out.extend(p)
    return out


# ---- WAV files -----------------------------------------------------------------

def write_wav(path: str | os.PathLike, samples: array, rate: int = RATE, channels: int = 1) -> str:
    """A 16-bit PCM WAV (samples interleaved when channels > 1)."""
    data = samples.tobytes()
    hdr = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, channels, rate, rate * 2 * channels, 2 * channels, 16) + b"data" + struct.pack("<I", len(data))
    with open(path, "wb") as f:
        f.write(hdr + data)
    return os.fspath(path)


def _alaw_table() -> list[int]:
    tab = []
    for b in range(256):
        a = b ^ 0x55
        seg = (a & 0x70) >> 4
        t = (a & 0x0F) << 4
        t = t + 8 if seg == 0 else (t + 0x108) << (seg - 1)
        tab.append(t if a & 0x80 else -t)
    return tab


def _ulaw_table() -> list[int]:
    tab = []
    for b in range(256):
        u = ~b & 0xFF
        t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
        tab.append(0x84 - t if u & 0x80 else t - 0x84)
    return tab


_ALAW = _alaw_table()
_ULAW = _ulaw_table()


@dataclass
class WavData:
    rate: int
    channels: int
    fmt: int                    # 1 PCM, 6 A-law, 7 mu-law
    header_frames: int          # what the header's data length says
    samples: list[array]        # one array per channel, 16-bit linear

    @property
    def seconds(self) -> float:
        return len(self.samples[0]) / self.rate if self.samples else 0.0


def read_wav(path: str | os.PathLike) -> WavData:
    """Read a PCM, A-law or mu-law WAV as the engine writes it.

    Like the engine's wav_probe, a data chunk whose length was never filled in
    (or runs past the end of the file) is read to the end of the file.
    """
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a RIFF/WAVE file")
    pos, fmt = 12, None
    while pos + 8 <= len(raw):
        cid, clen = raw[pos:pos + 4], struct.unpack("<I", raw[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", raw[pos + 8:pos + 24])
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            if fmt is None:
                raise ValueError(f"{path}: data before fmt")
            start = pos + 8
            declared = clen
            end = len(raw) if clen in (0, 0xFFFFFFFF) or start + clen > len(raw) else start + clen
            tag, channels, rate, bits = fmt
            body = raw[start:end]
            if tag == 1 and bits == 16:
                body = body[:len(body) // 2 * 2]
                inter = array("h", body)
                width = 2
            elif tag in (6, 7) and bits == 8:
                table = _ALAW if tag == 6 else _ULAW
                inter = array("h", [table[b] for b in body])
                width = 1
            else:
                raise ValueError(f"{path}: unsupported WAV encoding {tag}/{bits}")
            chans = [array("h", inter[c::channels]) for c in range(channels)]
            return WavData(rate, channels, tag, declared // (width * channels), chans)
        pos += 8 + clen + (clen & 1)
    raise ValueError(f"{path}: no data chunk")


# ---- analysis ------------------------------------------------------------------------

def goertzel_dbm0(samples, freq: float, start: int = 0, end: int | None = None) -> float:
    """Level (dBm0) of the sine at freq in samples[start:end] (Goertzel, Hann window)."""
    end = len(samples) if end is None else end
    n = end - start
    if n <= 0:
        return -120.0
    coeff = 2.0 * math.cos(2.0 * math.pi * freq / RATE)
    s1 = s2 = 0.0
    step = 2.0 * math.pi / n
    for i in range(n):
        w = 0.5 - 0.5 * math.cos(step * i)
        s0 = samples[start + i] * w + coeff * s1 - s2
        s2, s1 = s1, s0
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    amp = 2.0 * math.sqrt(max(power, 0.0)) / (n * 0.5)     # Hann window's coherent gain is 0.5
    if amp <= 0.0:
        return -120.0
    return 20.0 * math.log10(amp / 32767.0) + DBM0_MAX_SINE_POWER


def rms_dbm0(samples, start: int = 0, end: int | None = None) -> float:
    """Power of samples[start:end] in dBm0 (a sine's level)."""
    end = len(samples) if end is None else end
    n = end - start
    if n <= 0:
        return -120.0
    acc = 0
    for i in range(start, end):
        v = samples[i]
        acc += v * v
    ms = acc / n
    if ms <= 0:
        return -120.0
    # a sine of peak A has mean square A^2/2
    return 10.0 * math.log10(2.0 * ms / (32767.0 ** 2)) + DBM0_MAX_SINE_POWER


def active_runs(samples, frame: int = 80, threshold_dbm0: float = -40.0) -> list[tuple[int, int]]:
    """[(first sample, end sample)] of the stretches louder than threshold, in frame steps."""
    runs: list[tuple[int, int]] = []
    cur = None
    for s in range(0, len(samples) - frame + 1, frame):
        loud = rms_dbm0(samples, s, s + frame) > threshold_dbm0
        if loud and cur is None:
            cur = s
        elif not loud and cur is not None:
            runs.append((cur, s))
            cur = None
    if cur is not None:
        runs.append((cur, len(samples) - len(samples) % frame))
    return runs
