"""Timers on the engine clock.

Every call timer (ring and digit timeouts, no-answer limits, ring cadences)
is an engine timer, so it runs on simulated time exactly as on real time and
a test of a two-minute call takes well under a second.
"""
from __future__ import annotations

import logging
from typing import Callable

from telephonist.engine import Engine

log = logging.getLogger(__name__)


class EngineTimers:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._callbacks: dict[int, Callable[[], None]] = {}

    def call_later(self, ms: int, callback: Callable[[], None]) -> int:
        """Run callback after ms of engine time; returns a handle for cancel()."""
        tid = self.engine.timer(max(0, int(ms)))
        self._callbacks[tid] = callback
        return tid

    def cancel(self, handle: int | None) -> None:
        if handle is not None and self._callbacks.pop(handle, None) is not None:
            self.engine.timer_cancel(handle)

    def fire(self, tid: int) -> None:
        callback = self._callbacks.pop(tid, None)
        if callback is None:
            return          # cancelled after it was already due
        try:
            callback()
        except Exception:
            log.exception("event=timer_callback_failed timer=%s", tid)

    def __len__(self) -> int:
        return len(self._callbacks)
