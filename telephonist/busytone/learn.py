"""Learn a line's disconnect tone by calling out on it: a number whose callee hangs up at once (a test
number, a colleague's phone put down) makes the exchange play the tone our side must learn.

Through chand's control API as an admin session: dial on the named line, record what the line hears
for a few seconds (a finished recording; no live frames in Python), hang up, measure the end of the
recording (measure.py). If chand ends the call by itself first, the tone is one the line already
knows (the zone's busy, or a tone learnt before): there is nothing to learn.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable

from telephonist.busytone.measure import Measurement, measure, read_wav
from telephonist.config.busy_tones import BusyTone
from telephonist.engine import load_tone_zones

log = logging.getLogger(__name__)

DEFAULT_LISTEN_S = 12            # from the dial: dial tone, digits, ringback, answer, hang-up, then the tone


class LearnError(Exception):
    """Why nothing was learnt (the line refused the call, the line already knows the tone ...)."""


@dataclass(frozen=True)
class Learnt:
    measurement: Measurement
    recording: str              # what it was measured from (kept: the operator may listen to it)


async def learn_by_calling(client: Any, line: str, number: str, listen_s: int = DEFAULT_LISTEN_S) -> Learnt:
    """Call number on line, record listen_s seconds of the line and measure the tone at their end."""
    from telephonist.client import ApiCallError
    mark = client.mark()
    try:
        await client.call("dial", chan=line, number=number, timeout_ms=(listen_s + 30) * 1000)
        rec = await client.call("record", chan=line, mode="rx", max_ms=listen_s * 1000,
                                name=f"learn-busy-{line.replace('/', '-')}-{int(time.time())}")
    except ApiCallError as exc:
        raise LearnError(f"cannot call {number} on {line}: {exc}") from exc
    done = await client.wait_for(lambda e: e.get("chan") == line and e.get("event") in ("record_done", "ended"),
                                 since=mark, timeout=listen_s * 4 + 60)
    ended = done["event"] == "ended" or await _ended_by_chand(client, line, mark)
    if not ended:
        await client.call("hangup", chan=line)
    await client.wait_for("ended", chan=line, since=mark, timeout=60)
    if ended:
        why = next((e for e in client.events.since(mark) if e.get("chan") == line
                    and e.get("event") in ("hangup", "dial_failed", "ended")), {})
        raise LearnError(f"chand ended the call on {line} by itself ({why.get('cause') or why.get('disposition')}): "
                         "the line already recognises how this exchange signals the hang-up, or the call failed")
    measured = measure(read_wav(rec["path"]), learnt=f"learn-busy {line} calling {number}, "
                                                      f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    status = await client.call("status")
    zone = next((s.get("zone", "") for s in status.get("spans", []) if s.get("name") == line.split("/")[0]), "")
    known = zone_tone_like(measured.tone, zone)
    if known:
        raise LearnError(f"what {line} heard at the end is the {zone} zone's {known} tone: the callee did not hang "
                         f"up (or the number was not the right one); nothing learnt")
    return Learnt(measured, rec["path"])


@dataclass
class Listening:
    """chand listening to a line's calls for the learn-busy tool (chand/busy_learning.py): `start` it, then
    await `tone()`; chand stops listening either way."""
    client: Any
    line: str
    minutes: int
    timer: int = 0
    seen: int = 0

    @classmethod
    async def start(cls, client: Any, line: str, minutes: int) -> "Listening":
        await client.call("subscribe", lines=True)
        self = cls(client, line, minutes, seen=client.mark())
        await client.call("learn_busy", chan=line, minutes=minutes)
        self.timer = (await client.call("timer", ms=minutes * 60_000, key=f"learn-busy {line}"))["timer"]
        return self

    async def tone(self, on_measured: Callable[[dict[str, Any]], None] | None = None) -> BusyTone:
        """The tone chand learns from two calls; LearnError when the minutes (engine time) are over first."""
        try:
            while True:
                ev = await self.client.wait_for(self._wanted, since=self.seen, timeout=None)
                self.seen = self.client.mark()
                if ev["event"] == "timer":
                    raise LearnError(f"no two calls on {self.line} ended with the same tone in {self.minutes} minutes")
                if ev["event"] == "busy_tone_learnt":
                    return BusyTone(tuple(ev["frequencies"]), tuple(ev["cadence_ms"]), ev["tolerance_ms"],
                                    ev["level_dbm0"], learnt=f"learn-busy {self.line} listening, "
                                    f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
                if on_measured:
                    on_measured(ev)
        finally:
            await self.stop()

    def _wanted(self, e: dict[str, Any]) -> bool:
        if e.get("event") == "timer":
            return e.get("timer") == self.timer
        return e.get("chan") == self.line and e.get("event") in ("busy_learn_measured", "busy_tone_learnt")

    async def stop(self) -> None:
        from telephonist.client import ApiCallError
        try:
            await self.client.call("learn_busy", chan=self.line, minutes=0)
            await self.client.call("timer_cancel", timer=self.timer)
        except (ApiCallError, ConnectionError) as exc:    # chand gone: its listening ends with its own timer
            log.warning("event=learn_busy_stop_failed line=%s error=%s", self.line, exc)


def zone_tone_like(tone: BusyTone, zone: str) -> str | None:
    """The name of the zone's tone that the measured one is (ringback heard because nobody answered ...)."""
    for z in load_tone_zones():
        if z.name != zone:
            continue
        for name, segs in z.tones.items():
            freqs = sorted({f for seg in segs for f in seg[:2] if f > 0})
            cadence = [seg[2] for seg in segs if seg[2] > 0]
            if (len(freqs) == len(tone.frequencies)
                    and all(abs(a - b) <= 15 for a, b in zip(freqs, tone.frequencies))
                    and _same_cycle(cadence, list(tone.cadence_ms), tone)):
                return name
    return None


def _same_cycle(cadence: list[int], measured: list[int], tone: BusyTone) -> bool:
    if len(cadence) != len(measured):
        return False
    rotations = [cadence[i:] + cadence[:i] for i in range(0, len(cadence), 2)] or [[]]
    return any(all(abs(a - b) <= tone.tolerance_for(b) for a, b in zip(r, measured)) for r in rotations)


async def _ended_by_chand(client: Any, line: str, mark: int) -> bool:
    """Whether the call ended (a far hang-up chand heard, a failure) before its recording did."""
    return any(e.get("chan") == line and e.get("event") in ("hangup", "dial_failed", "ended")
               for e in client.events.since(mark))
