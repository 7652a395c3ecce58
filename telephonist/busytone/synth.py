"""A disconnect tone as audio: what a simulated exchange plays, and what the measurement's tests hear."""
from __future__ import annotations

import math
import os
import random
import struct
import tempfile
from array import array

from telephonist.config.busy_tones import BusyTone

RATE = 8000
DBM0_MAX_SINE_POWER = 3.14      # A-law: a 0 dBm0 sine peaks this far below full scale


def amplitude(dbm0: float) -> float:
    """The peak of a sine at dbm0."""
    return 32767.0 * 10.0 ** ((dbm0 - DBM0_MAX_SINE_POWER) / 20.0)


def tone_samples(tone: BusyTone, ms: int, *, noise_dbm0: float | None = None, seed: int = 1,
                 start: int = 0) -> array:
    """ms of the tone (its cadence from the start of a cycle) with, optionally, white noise at noise_dbm0;
    16-bit samples at 8 kHz. start: the sample index the sines' phase counts from."""
    n = ms * RATE // 1000
    cycle = [(i % 2 == 0, ms_ * RATE // 1000) for i, ms_ in enumerate(tone.cadence_ms)] or [(True, n)]
    period = sum(c for _, c in cycle)
    parts = [(2.0 * math.pi * f / RATE, amplitude(tone.level_dbm0)) for f in tone.frequencies]
    rng = random.Random(seed)
    sigma = amplitude(noise_dbm0) / math.sqrt(2.0) if noise_dbm0 is not None else 0.0
    out = array("h", bytes(2 * n))
    for i in range(n):
        pos, on = i % period, False
        for is_on, length in cycle:
            if pos < length:
                on = is_on
                break
            pos -= length
        v = sum(a * math.sin(w * (i + start)) for w, a in parts) if on else 0.0
        if sigma:
            v += rng.gauss(0.0, sigma)
        out[i] = max(-32768, min(32767, int(round(v))))
    return out


def write_wav(path: str, samples: array) -> str:
    """A 16-bit PCM mono WAV at 8 kHz."""
    data = samples.tobytes()
    hdr = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16) + b"data" + struct.pack("<I", len(data))
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(hdr + data)
    os.replace(tmp, path)
    return path


def cycle_wav(tone: BusyTone, folder: str | None = None) -> str:
    """One cycle of the tone as a WAV (played in a loop), made once per tone in a folder of its own."""
    folder = folder or os.path.join(tempfile.gettempdir(), f"telephonist-tones-{os.getuid()}")
    os.makedirs(folder, exist_ok=True)
    freqs = "+".join(str(f) for f in tone.frequencies)
    cadence = "-".join(str(ms) for ms in tone.cadence_ms) or "continuous"
    path = os.path.join(folder, f"{freqs}Hz_{cadence}ms_{tone.level_dbm0:g}dBm0.wav")
    if not os.path.exists(path):
        ms = sum(tone.cadence_ms) or 1000
        write_wav(path, tone_samples(tone, ms))
    return path
