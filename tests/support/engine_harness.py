"""Drive a real engine from a test, tick by tick, in the test's own thread.

The engine is not started: `run()` advances the engine clock a number of
milliseconds and collects the events, so a two-minute call takes well under a
second and nothing depends on the machine's speed.
"""
from __future__ import annotations

import os
import wave

from typing import TypeVar

from telephonist.engine import Codec, DtmfEvent, Engine, Event, Kind

E = TypeVar("E", bound=Event)


class EngineHarness:
    def __init__(self, frame_ms: int = 20, max_channels: int = 4096) -> None:
        self.engine = Engine(frame_ms=frame_ms, max_channels=max_channels)
        self.events: list[Event] = []

    def close(self) -> None:
        self.engine.close()

    def sim(self, kind: Kind = Kind.FXO, n: int = 1, codec: Codec = Codec.ALAW, zone: str = "cn"):
        """n sim lines: a list of (near, far) channel pairs."""
        near = self.engine.add_sim_span(kind, n, codec, zone)
        return [(ch, self.engine.sim_far(ch)) for ch in near]

    def run(self, ms: int) -> list[Event]:
        """Advance the clock by ms; returns the events of that stretch (also kept in .events)."""
        ticks = max(1, ms // self.engine.frame_ms)
        self.engine.run_ticks(ticks)
        new = self.engine.read_events()
        self.events.extend(new)
        return new

    def run_until(self, pred, limit_ms: int = 600_000, step_ms: int = 20) -> Event:
        """Run until an event satisfies pred; fails the test after limit_ms of engine time."""
        waited = 0
        while waited <= limit_ms:
            for ev in self.run(step_ms):
                if pred(ev):
                    return ev
            waited += step_ms
        raise AssertionError(f"no matching event within {limit_ms} ms of engine time")

    def of(self, kind: type[E], chan: int | None = None) -> list[E]:
        """The events of that kind so far (on chan, if given)."""
        return [e for e in self.events if isinstance(e, kind) and (chan is None or e.chan == chan)]

    def digits(self, chan: int) -> str:
        return "".join(e.digit for e in self.of(DtmfEvent, chan))


def read_wav(path: str) -> tuple[int, int, bytes]:
    """(channels, sample width, frames) of a 16-bit PCM WAV (what tests write)."""
    with wave.open(os.fspath(path), "rb") as w:
        return w.getnchannels(), w.getsampwidth(), w.readframes(w.getnframes())
