"""chand learning a line's disconnect tone by itself ([[spans]] learn_busy = true on analog lines).

While a learning line has no tone of its own, each of its answered calls is recorded (what the line
hears, A-law, into the recordings folder's busy-learn/). A call that ends by our side's hang-up is one
whose far end's leaving chand did not hear: the end of its recording is measured off the event loop
(telephonist/busytone/measure.py). A regular tone there that is none of the zone's is a candidate; the
same tone (frequencies within 10 Hz, cadence within its tolerance) on a second such call is kept: the
line's span gets it at once, it is logged, and it is persisted as `telephonist learn-busy --write`
does. One call is never enough: music on hold that ends a call with a regular pattern must not be
learnt. Calls whose far end's hang-up chand did hear teach nothing; every recording is deleted once
measured.

A line can also be listened to for a while (`telephonist learn-busy SPAN/N --listen`, the control API's
`learn_busy`): the same two-call rule, but what is learnt is only told to the subscribers (with the tone's
fields) for the tool to keep; chand applies it when the tool's `--write` reloads it.
"""
from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from telephonist.busytone.learn import zone_tone_like
from telephonist.busytone.measure import NoToneFound, measure, read_wav
from telephonist.config.busy_tones import BusyTone
from telephonist.engine import Codec, EngineError, Event, RecDone, RecMode

if TYPE_CHECKING:
    from telephonist.chand.line import Line
    from telephonist.chand.switchboard import Switchboard

log = logging.getLogger(__name__)

MAX_RECORDING_MS = 2 * 3600 * 1000      # a call longer than this teaches nothing (its recording ends)
TAIL_MS = 15000                         # the end of a recording that is measured


@dataclass
class _Recording:
    line: str
    path: str
    heard_remote_hangup: bool = False


@dataclass
class BusyLearning:
    board: "Switchboard"
    spans: set[str]                     # the spans whose lines learn
    keep: Callable[[str, BusyTone], None] | None = None     # persist a learnt tone for a span
    # by engine recording id: a call's end (REC_DONE) may come after the line's next call began
    recordings: dict[int, _Recording] = field(default_factory=dict)
    current: dict[str, int] = field(default_factory=dict)          # line -> the recording of its call now
    candidates: dict[str, BusyTone] = field(default_factory=dict)  # line -> the tone one call ended with
    listening: dict[str, int] = field(default_factory=dict)        # line -> engine time (ms) it is listened to until
    # one measurement at a time, in the order the calls ended (a few hundred ms of CPU each)
    worker: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="busy-learn"))

    def _learns(self, line: "Line") -> bool:
        return (line.span in self.spans or self._listened(line.name)) \
            and getattr(line.sig, "disconnect_tone", "none") is None

    def _listened(self, name: str) -> bool:
        until = self.listening.get(name)
        if until is not None and self.board.now() >= until:
            del self.listening[name]
            self.candidates.pop(name, None)
            log.info("event=busy_learn_listen_over line=%s", name)
            return False
        return until is not None

    def listen(self, line: "Line", minutes: int) -> int:
        """Listen to line's calls for minutes (0: stop); the engine time it listens until (0: not)."""
        if minutes <= 0:
            self.listening.pop(line.name, None)
            self.candidates.pop(line.name, None)
            log.info("event=busy_learn_listen line=%s minutes=0", line.name)
            return 0
        self.listening[line.name] = until = self.board.now() + minutes * 60_000
        log.info("event=busy_learn_listen line=%s minutes=%d", line.name, minutes)
        return until

    def call_up(self, line: "Line") -> None:
        if not self._learns(line) or line.call is None:
            return
        folder = os.path.join(self.board.media.recordings_dir, "busy-learn")
        path = os.path.join(folder, f"{line.name.replace('/', '-')}-{line.call.call_id}.wav")
        try:
            os.makedirs(folder, exist_ok=True)
            rid = self.board.engine.record(line.chan, path, RecMode.RX, Codec.ALAW, max_ms=MAX_RECORDING_MS)
        except (OSError, EngineError) as exc:
            log.warning("event=busy_learn_record_failed line=%s error=%s", line.name, exc)
            return
        self.recordings[rid] = _Recording(line.name, path)
        self.current[line.name] = rid

    def remote_hangup(self, line: "Line") -> None:
        rec = self.recordings.get(self.current.get(line.name, -1))
        if rec is not None:
            rec.heard_remote_hangup = True

    def on_event(self, line: "Line", ev: Event) -> bool:
        """True for the end of a learning recording (nobody else's business)."""
        if not isinstance(ev, RecDone) or ev.recording not in self.recordings \
                or self.recordings[ev.recording].line != line.name:
            return False
        rec = self.recordings.pop(ev.recording)
        if self.current.get(line.name) == ev.recording:
            del self.current[line.name]
        if rec.heard_remote_hangup or not self._learns(line):
            _remove(rec.path)
            return True
        zone = self.board.spans.get(line.span, {}).get("zone", "")
        future = asyncio.get_running_loop().run_in_executor(self.worker, _measure_tail, rec.path)
        future.add_done_callback(lambda f: self._measured(line, zone, f))
        return True

    def _measured(self, line: "Line", zone: str, f: "asyncio.Future[BusyTone | str]") -> None:
        result = f.result() if not f.cancelled() else "cancelled"
        if isinstance(result, BusyTone) and (known := zone_tone_like(result, zone)):
            result = f"the zone's {known} tone"
        if not isinstance(result, BusyTone) or not self._learns(line):
            log.info("event=busy_learn_nothing line=%s why=%s", line.name, result)
            self._tell_listener(line, None, str(result))
            return
        candidate = self.candidates.get(line.name)
        if candidate is None or not _same(candidate, result):
            self.candidates[line.name] = result
            log.info("event=busy_learn_candidate line=%s tone=%s", line.name, result.describe())
            self._tell_listener(line, result.describe(), "a candidate: one more call ending with it is needed")
            return
        del self.candidates[line.name]
        self._learnt(line, result)

    def _tell_listener(self, line: "Line", candidate: str | None, why: str) -> None:
        """What one call's end taught, for `learn-busy --listen` (lines listened to only)."""
        if line.name in self.listening:
            self.board.tell_subscribers("busy_learn_measured", chan=line.name, candidate=candidate, why=why,
                                        time_ms=self.board.now())

    def _learnt(self, line: "Line", tone: BusyTone) -> None:
        tone = BusyTone(tone.frequencies, tone.cadence_ms, tone.tolerance_ms, tone.level_dbm0,
                        learnt=f"chand on {line.name}, the same tone at the end of two calls")
        log.warning("event=busy_tone_learnt line=%s span=%s tone=%s", line.name, line.span, tone.describe())
        self.listening.pop(line.name, None)
        fields = {"frequencies": list(tone.frequencies), "cadence_ms": list(tone.cadence_ms),
                  "tolerance_ms": tone.tolerance_ms, "level_dbm0": round(tone.level_dbm0, 1)}
        if line.span not in self.spans:         # listened to: the tool keeps it (and has chand reload)
            self.board.tell_subscribers("busy_tone_learnt", chan=line.name, span=line.span, tone=tone.describe(),
                                        time_ms=self.board.now(), applied=False, **fields)
            return
        self._apply(line, tone, fields)

    def _apply(self, line: "Line", tone: BusyTone, fields: dict) -> None:
        from telephonist.chand.busy_tones import apply_busy_tones
        tones = {n: ln.sig.disconnect_tone for n, ln in self.board.lines.items()
                 if getattr(ln.sig, "disconnect_tone", None) is not None}
        tones.update({n: tone for n, ln in self.board.lines.items() if ln.span == line.span and n not in tones})
        apply_busy_tones(self.board, tones)
        self.board.tell_subscribers("busy_tone_learnt", chan=line.name, span=line.span, tone=tone.describe(),
                                    time_ms=self.board.now(), applied=True, **fields)
        if self.keep is not None:
            try:
                self.keep(line.span, tone)
            except Exception as exc:        # the tone works now; only keeping it failed
                log.error("event=busy_tone_not_persisted span=%s error=%s", line.span, exc)


def _same(a: BusyTone, b: BusyTone) -> bool:
    return (len(a.frequencies) == len(b.frequencies) and len(a.cadence_ms) == len(b.cadence_ms)
            and all(abs(x - y) <= 10 for x, y in zip(a.frequencies, b.frequencies))
            and all(abs(x - y) <= a.tolerance_for(x) for x, y in zip(a.cadence_ms, b.cadence_ms)))


def _measure_tail(path: str) -> BusyTone | str:
    """The tone at the end of the recording, or why there is none (off the event loop)."""
    try:
        samples = read_wav(path)
        return measure(samples[-TAIL_MS * 8:]).tone
    except (NoToneFound, OSError) as exc:
        return str(exc)
    finally:
        _remove(path)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
