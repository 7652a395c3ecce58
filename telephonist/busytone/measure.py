"""Measure a disconnect tone from the audio of a line after the far end left (a finished recording).

Pure functions over 8 kHz 16-bit samples, no live frames: the energy envelope in 5 ms blocks splits
the audio into loud and quiet runs; the cadence is the on/off pattern that repeats regularly at the
end of the audio (what the exchange plays once the far end has hung up; speech or music before it
does not repeat); the frequencies are the peaks of the summed spectra of the tone's bursts (a Hann
window, an FFT, the peak refined between bins); the level is the bursts' power in dBm0 (A-law's
convention: a 0 dBm0 sine peaks 3.14 dB below full scale), shared between the frequencies.
"""
from __future__ import annotations

import cmath
import math
import struct
from array import array
from dataclasses import dataclass
from typing import Sequence

from telephonist.config.busy_tones import MAX_HZ, MIN_HZ, BusyTone

RATE = 8000
BLOCK = 40                      # 5 ms: the envelope's resolution
DBM0_MAX_SINE_POWER = 3.14
FULL_SCALE_DBM0_POWER = (32767.0 * 10.0 ** (-DBM0_MAX_SINE_POWER / 20.0)) ** 2 / 2.0   # a 0 dBm0 sine's power
MIN_LEVEL_DBM0 = -45.0          # quieter than this is not a tone we can trust
MIN_CONTRAST_DB = 9.0           # on/off must differ by this much to be a cadence
GLITCH_MS = 30                  # on or off runs shorter than this are noise or a drop-out, not cadence
MIN_CYCLES = 3                  # a cadence must repeat this many times at the end of the audio
MIN_CONTINUOUS_MS = 2000        # a tone that never stops must last this long at the end
STEADY_DB = 3.0                 # ... and keep its level within this
FFT_SIZE = 4096
EDGE_MS = 15                    # trimmed off each burst's ends (the detector's rise and fall)
SECOND_TONE_DB = 10.0           # a second peak this close to the first makes a dual tone
TONALITY = 0.6                  # the peaks must carry this share of the bursts' power


class NoToneFound(ValueError):
    """The audio holds no regular tone at its end; the message says what was found instead."""


@dataclass(frozen=True)
class Measurement:
    tone: BusyTone
    cycles: int                 # how many whole cadence cycles the measure rests on (continuous: 0)
    jitter_ms: int              # the largest distance of a measured on/off from its median
    noise_dbm0: float           # the quiet part's level (line noise)


def dbm0(power: float) -> float:
    return 10.0 * math.log10(max(power, 1e-9) / FULL_SCALE_DBM0_POWER)


def block_levels(samples: Sequence[int]) -> list[float]:
    """The level (dBm0) of each 5 ms block."""
    out = []
    for i in range(0, len(samples) - BLOCK + 1, BLOCK):
        block = samples[i:i + BLOCK]
        out.append(dbm0(sum(s * s for s in block) / BLOCK))
    return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def runs_of(on: list[bool]) -> list[tuple[bool, int]]:
    """[(loud?, ms), ...] with runs shorter than GLITCH_MS merged into their neighbours."""
    runs: list[list] = []
    for v in on:
        if runs and runs[-1][0] == v:
            runs[-1][1] += 1
        else:
            runs.append([v, 1])
    glitch = GLITCH_MS * RATE // 1000 // BLOCK
    merged: list[list] = []
    for i, (v, n) in enumerate(runs):
        inner = 0 < i < len(runs) - 1
        if inner and n < glitch and merged:
            merged[-1][1] += n            # a short run inside another: part of it
            continue
        if merged and merged[-1][0] == v:
            merged[-1][1] += n
        else:
            merged.append([v, n])
    ms = BLOCK * 1000 // RATE
    return [(bool(v), n * ms) for v, n in merged]


def _close(a: int, b: int) -> bool:
    return abs(a - b) <= max(a, b) * 0.15 + 20


def cadence_at_end(runs: list[tuple[bool, int]]) -> tuple[list[int], list[int], int]:
    """(cadence on/off ms, indexes of the runs it rests on, cycles) of the pattern repeating at the end.

    The last run is cut by the end of the audio and the first by its start: neither is measured."""
    inner = runs[1:-1]
    # the whole on/off pairs at the end, the latest last
    if inner and inner[-1][0]:
        inner = inner[:-1]
    pairs = [(k, inner[k][1], inner[k + 1][1]) for k in range(len(inner) - 2, -1, -2) if inner[k][0]]
    pairs.reverse()
    for period in (1, 2, 3, 4):
        if len(pairs) < MIN_CYCLES * period:
            break
        tail = pairs[len(pairs) % period:]
        cycles = [tail[i:i + period] for i in range(0, len(tail), period)]
        last = cycles[-1]
        good = 0
        for cyc in reversed(cycles):
            if all(_close(a[1], b[1]) and _close(a[2], b[2]) for a, b in zip(cyc, last)):
                good += 1
            else:
                break
        if good >= MIN_CYCLES:
            # the earliest cycle may have begun inside what came before (the callee's last word)
            used = cycles[-good:] if good == MIN_CYCLES else cycles[-good + 1:]
            cadence = []
            for pos in range(period):
                cadence.append(int(_median([c[pos][1] for c in used])))
                cadence.append(int(_median([c[pos][2] for c in used])))
            index = [p[0] + 1 for c in used for p in c]     # +1: runs[0] was left out
            return cadence, index, len(used)
    return [], [], 0


def _median(values: list[int]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _fft(x: list[complex]) -> list[complex]:
    """Radix-2 FFT (len(x) a power of two)."""
    n = len(x)
    j = 0
    for i in range(1, n):
        bit = n >> 1
        while j & bit:
            j ^= bit
            bit >>= 1
        j |= bit
        if i < j:
            x[i], x[j] = x[j], x[i]
    size = 2
    while size <= n:
        w = cmath.exp(-2j * math.pi / size)
        half = size // 2
        for start in range(0, n, size):
            wk = 1 + 0j
            for k in range(start, start + half):
                t = wk * x[k + half]
                x[k + half] = x[k] - t
                x[k] = x[k] + t
                wk *= w
        size *= 2
    return x


def spectrum(bursts: list[Sequence[int]]) -> list[float]:
    """The power spectra of the bursts (Hann window, FFT_SIZE points each), summed."""
    total = [0.0] * (FFT_SIZE // 2)
    for burst in bursts:
        seg = list(burst[:FFT_SIZE])
        n = len(seg)
        x = [complex(seg[i] * (0.5 - 0.5 * math.cos(2 * math.pi * i / max(1, n - 1)))) for i in range(n)]
        x.extend([0j] * (FFT_SIZE - n))
        for k, v in enumerate(_fft(x)[:FFT_SIZE // 2]):
            total[k] += v.real * v.real + v.imag * v.imag
    return total


def _peak_hz(power: list[float], k: int) -> float:
    """The peak near bin k, between bins (a parabola through the log powers)."""
    a, b, c = (math.log(max(power[i], 1e-12)) for i in (k - 1, k, k + 1))
    den = a - 2 * b + c
    shift = 0.5 * (a - c) / den if den else 0.0
    return (k + max(-0.5, min(0.5, shift))) * RATE / FFT_SIZE


def dominant_frequencies(bursts: list[Sequence[int]]) -> tuple[list[int], float]:
    """The one or two frequencies of the bursts and the share of the power they carry."""
    power = spectrum(bursts)
    hz_per_bin = RATE / FFT_SIZE
    lo, hi = int(MIN_HZ / hz_per_bin) + 1, int(MAX_HZ / hz_per_bin) - 1
    band = range(lo, hi)
    k1 = max(band, key=lambda k: power[k])
    spread = int(40 / hz_per_bin)          # the window's main lobe and a little more
    others = [k for k in band if abs(k - k1) > spread]
    peaks = [k1]
    if others:
        k2 = max(others, key=lambda k: power[k])
        if power[k2] >= power[k1] * 10 ** (-SECOND_TONE_DB / 10):
            peaks.append(k2)
    near = sum(power[k] for p in peaks for k in range(p - spread // 2, p + spread // 2 + 1))
    share = near / max(sum(power[lo:hi]), 1e-12)
    return sorted(int(round(_peak_hz(power, k))) for k in peaks), share


def measure(samples: Sequence[int], learnt: str = "") -> Measurement:
    """The disconnect tone at the end of the audio; NoToneFound if there is none to trust."""
    levels = block_levels(samples)
    if len(levels) * BLOCK * 1000 // RATE < MIN_CONTINUOUS_MS:
        raise NoToneFound(f"{len(samples) * 1000 // RATE} ms of audio is too short to measure a tone")
    floor, peak = _percentile(levels, 0.1), _percentile(levels, 0.95)
    if peak < MIN_LEVEL_DBM0:
        raise NoToneFound(f"the line is quiet (loudest {peak:.0f} dBm0): no tone was heard")
    runs: list[tuple[bool, int]] = []
    if peak - floor >= MIN_CONTRAST_DB:
        threshold = max(floor + MIN_CONTRAST_DB / 2, peak - 15.0)
        runs = runs_of([lv >= threshold for lv in levels])
    steady_end = not runs or (runs[-1][0] and runs[-1][1] >= MIN_CONTINUOUS_MS)
    cadence, index, cycles = cadence_at_end(runs) if runs else ([], [], 0)
    if cadence:
        bursts = _bursts(samples, runs, index)
        gaps = _bursts(samples, runs, [i + 1 for i in index])
        noise = dbm0(_power(gaps)) if gaps else floor
        period = len(cadence) // 2
        jitter = max(max(abs(runs[i][1] - cadence[2 * (k % period)]), abs(runs[i + 1][1] - cadence[2 * (k % period) + 1]))
                     for k, i in enumerate(index))
    elif steady_end:
        # loud to the end without a break: a continuous tone, if what is at the end is one (steady: music's
        # notes come and go)
        cadence, jitter, noise = [], 0, floor
        tail = samples[-MIN_CONTINUOUS_MS * RATE // 1000:]
        tail_levels = block_levels(tail)
        spread = _percentile(tail_levels, 0.9) - _percentile(tail_levels, 0.1)
        if spread > STEADY_DB:
            raise NoToneFound(f"the sound at the end is not steady (its level varies by {spread:.0f} dB): "
                              "not a continuous tone")
        bursts = [tail[i:i + FFT_SIZE] for i in range(0, len(tail) - FFT_SIZE + 1, FFT_SIZE)] or [tail]
    else:
        raise NoToneFound("nothing repeats regularly at the end of the audio "
                          f"(runs of {', '.join(str(ms) for _, ms in runs[-8:])} ms)")
    freqs, share = dominant_frequencies(bursts)
    if share < TONALITY:
        raise NoToneFound(f"the repeating sound is not a tone: its strongest frequencies ({'+'.join(map(str, freqs))} "
                          f"Hz) carry {share:.0%} of its power")
    level = dbm0(_power(bursts) * share) - 10 * math.log10(len(freqs))
    tone = BusyTone(frequencies=tuple(freqs), cadence_ms=tuple(cadence),
                    tolerance_ms=_tolerance(cadence, jitter), level_dbm0=round(level, 1), learnt=learnt)
    return Measurement(tone, cycles, jitter, round(noise, 1))


def _tolerance(cadence: list[int], jitter: int) -> int:
    """Room for the exchange's own jitter and the detector's: 15 % of the shortest on/off plus 20 ms, or
    twice the jitter seen plus 20 ms, but never more than a quarter of it plus 20 ms (a wider window
    lets syllables through)."""
    if not cadence:
        return 0
    shortest = min(cadence)
    return min(shortest * 25 // 100 + 20, max(shortest * 15 // 100 + 20, 2 * jitter + 20))


def _power(parts: list[Sequence[int]]) -> float:
    """The mean power of the samples of parts."""
    n = sum(len(p) for p in parts)
    return sum(s * s for p in parts for s in p) / max(1, n)


def _bursts(samples: Sequence[int], runs: list[tuple[bool, int]], index: list[int]) -> list[Sequence[int]]:
    """The samples of the runs named by index (the tone's bursts, or the gaps between them), less EDGE_MS
    at each end."""
    starts, pos = [], 0
    for _, ms in runs:
        starts.append(pos)
        pos += ms * RATE // 1000
    edge = EDGE_MS * RATE // 1000
    out = []
    for i in index:
        a, b = starts[i] + edge, starts[i] + runs[i][1] * RATE // 1000 - edge
        if b - a >= BLOCK:
            out.append(samples[a:b])
    return out


def _alaw(byte: int) -> int:
    """One G.711 A-law byte as a 16-bit sample."""
    a = byte ^ 0x55
    seg = (a & 0x70) >> 4
    v = (a & 0x0F) << 4
    v = v + 8 if seg == 0 else (v + 0x108) << (seg - 1)
    return v if a & 0x80 else -v


def _ulaw(byte: int) -> int:
    u = ~byte & 0xFF
    v = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return 0x84 - v if u & 0x80 else v - 0x84


ALAW = [_alaw(b) for b in range(256)]
ULAW = [_ulaw(b) for b in range(256)]
FORMATS = {1: "16-bit PCM", 6: "A-law", 7: "mu-law"}


def read_wav(path: str) -> array:
    """The samples of an 8 kHz mono WAV: 16-bit PCM, A-law or mu-law (chand records A-law)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise NoToneFound(f"{path}: not a WAV file")
    pos, fmt, body = 12, None, None
    while pos + 8 <= len(data) and (fmt is None or body is None):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        chunk = data[pos + 8:pos + 8 + size]
        if cid == b"fmt " and len(chunk) >= 16:
            fmt = struct.unpack("<HHIIHH", chunk[:16])
        elif cid == b"data":
            body = chunk
        pos += 8 + size + (size & 1)
    if fmt is None or body is None:
        raise NoToneFound(f"{path}: a WAV without its format or its data")
    tag, channels, rate, _, _, bits = fmt
    if channels != 1 or rate != RATE or tag not in FORMATS or (tag == 1) != (bits == 16):
        raise NoToneFound(f"{path}: need 8 kHz mono 16-bit PCM, A-law or mu-law, not format {tag} "
                          f"{rate} Hz {bits}-bit x{channels}")
    if tag == 1:
        out = array("h")
        out.frombytes(body[:len(body) // 2 * 2])
        return out
    table = ALAW if tag == 6 else ULAW
    return array("h", (table[b] for b in body))
