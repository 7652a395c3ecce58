"""Disconnect tones learnt per line: [busy_tones."SPAN"] and [busy_tones."SPAN/N"] (docs/hardware.md).

Analog lines behind many Chinese PBXs signal the caller's hang-up only with a tone of the box's own
(500 Hz 250/250 ...) that no tone zone knows. `telephonist learn-busy` measures it and writes it here;
chand has each analog line's call-progress detector recognise it beside the zone's busy and
congestion, and hangs up on it like on busy tone. A table named after a line ("pstn/3") wins over
its span's ("pstn"). They are top-level tables, not keys of [[spans]], so that a conf.d file can add
one without repeating the span (conf.d replaces arrays of tables whole).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

MIN_HZ, MAX_HZ = 200, 3400              # what a telephone line carries
MIN_SEGMENT_MS, MAX_SEGMENT_MS = 40, 10000
MAX_SEGMENTS = 8                        # the engine's MAX_TONE_SEGS
ENGINE_TONE_NAME = "line_busy"          # the name the engine reports it by (a ToneEvent)


@dataclass(frozen=True)
class BusyTone:
    """A disconnect tone: one or two frequencies at a level, on/off cadence with a tolerance."""
    frequencies: tuple[int, ...]        # Hz, one or two (a dual tone)
    cadence_ms: tuple[int, ...] = ()    # on, off[, on, off ...]; empty: continuous
    tolerance_ms: int = 0               # how far a heard on/off may be from its length; 0: 15 % + 40 ms
    level_dbm0: float = -20.0           # as measured (per frequency)
    learnt: str = ""                    # how it was learnt (by whom, when, on which line): for the operator

    def tolerance_for(self, ms: int) -> int:
        return self.tolerance_ms or ms * 15 // 100 + 40

    def segments(self) -> list[tuple[int, int, int, int]]:
        """(f1, f2, ms, tolerance ms) for the engine's line tone; silence is f1 = 0."""
        f1 = self.frequencies[0]
        f2 = self.frequencies[1] if len(self.frequencies) > 1 else 0
        if not self.cadence_ms:
            return [(f1, f2, 0, 0)]
        return [(f1, f2, ms, self.tolerance_for(ms)) if i % 2 == 0 else (0, 0, ms, self.tolerance_for(ms))
                for i, ms in enumerate(self.cadence_ms)]

    def describe(self) -> str:
        freqs = "+".join(f"{f} Hz" for f in self.frequencies)
        cadence = "/".join(str(ms) for ms in self.cadence_ms) + " ms" if self.cadence_ms else "continuous"
        return f"{freqs} at {self.level_dbm0:.0f} dBm0, {cadence}"


def tone_problems(tone: BusyTone) -> list[tuple[tuple, str]]:
    """What is wrong with one tone, as (key path below the tone's table, message)."""
    out: list[tuple[tuple, str]] = []
    if not 1 <= len(tone.frequencies) <= 2:
        out.append((("frequencies",), "frequencies must list one or two frequencies (Hz)"))
    for i, f in enumerate(tone.frequencies):
        if not MIN_HZ <= f <= MAX_HZ:
            out.append((("frequencies", i), f"frequency {f} must be from {MIN_HZ} to {MAX_HZ} Hz"))
    if len(set(tone.frequencies)) != len(tone.frequencies):
        out.append((("frequencies",), "the two frequencies are the same"))
    if len(tone.cadence_ms) % 2 or len(tone.cadence_ms) > MAX_SEGMENTS:
        out.append((("cadence_ms",), f"cadence_ms must be on/off pairs (at most {MAX_SEGMENTS // 2}), "
                                     "or empty for a continuous tone"))
    for i, ms in enumerate(tone.cadence_ms):
        if not MIN_SEGMENT_MS <= ms <= MAX_SEGMENT_MS:
            out.append((("cadence_ms", i), f"{ms} ms must be from {MIN_SEGMENT_MS} to {MAX_SEGMENT_MS}"))
    shortest = min(tone.cadence_ms, default=MAX_SEGMENT_MS)
    if not 0 <= tone.tolerance_ms < shortest:
        out.append((("tolerance_ms",), f"tolerance_ms must be from 0 (15 % + 40 ms) to less than the shortest "
                                       f"on or off ({shortest} ms)"))
    if not -60 <= tone.level_dbm0 <= 3:
        out.append((("level_dbm0",), "level_dbm0 must be from -60 to 3"))
    return out


def check_busy_tones(cfg: Any, problem: Callable[[tuple, str], None]) -> None:
    """Problems with [busy_tones.*]: the line or span each names, and the tone itself."""
    spans = {s.name: s for s in cfg.spans}
    for key, tone in cfg.busy_tones.items():
        p = ("busy_tones", key)
        span_name, sep, port = key.partition("/")
        span = spans.get(span_name)
        if span is None:
            problem(p, f"busy_tones.\"{key}\" names no configured span (spans: {', '.join(spans) or 'none'})")
            continue
        if span.type != "fxo":
            problem(p, f"busy_tones.\"{key}\": span '{span_name}' is {span.type}; disconnect tones are for analog "
                       "lines from an exchange (type = \"fxo\")")
        if sep and not (port.isdigit() and 1 <= int(port) <= span.channel_count):
            problem(p, f"busy_tones.\"{key}\" must be \"{span_name}\" or \"{span_name}/N\" with N from 1 to "
                       f"{span.channel_count}")
        for sub, message in tone_problems(tone):
            problem(p + sub, message)


def line_tones(cfg: Any) -> dict[str, BusyTone]:
    """Each analog line's learnt disconnect tone ("pstn/3" -> tone): its own, else its span's."""
    out: dict[str, BusyTone] = {}
    for s in cfg.spans:
        if s.type != "fxo":
            continue
        for i in range(1, s.channel_count + 1):
            tone = cfg.busy_tones.get(f"{s.name}/{i}") or cfg.busy_tones.get(s.name)
            if tone is not None:
                out[f"{s.name}/{i}"] = tone
    return out
