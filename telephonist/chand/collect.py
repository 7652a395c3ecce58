"""Digit collection on a line: a prompt (optional), then digits until max, a terminator or a timeout."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from telephonist.chand.engine_clock import EngineTimers


@dataclass
class CollectSpec:
    min_digits: int = 1
    max_digits: int = 1
    terminators: str = "#"
    first_timeout_ms: int = 5000      # from the end of the prompt to the first digit
    inter_timeout_ms: int = 3000
    secret: bool = False              # a password: its keys are not written to call records
    skip_leading: str = ""            # keys ignored before the first digit (a # after a complete entry)


class DigitCollector:
    def __init__(self, cid: int, spec: CollectSpec, timers: "EngineTimers",
                 done: Callable[["DigitCollector", str, str], None], prompt_id: int | None = None) -> None:
        self.id = cid
        self.spec = spec
        self.timers = timers
        self.done = done
        self.prompt_id = prompt_id
        self.digits = ""
        self.finished = False
        self.timer: int | None = None
        if prompt_id is None:
            self._arm(spec.first_timeout_ms)

    def _arm(self, ms: int) -> None:
        self.timers.cancel(self.timer)
        self.timer = self.timers.call_later(ms, self._timeout)

    def prompt_done(self, pid: int) -> None:
        if pid == self.prompt_id:
            self.prompt_id = None
            if not self.finished and not self.digits:
                self._arm(self.spec.first_timeout_ms)

    def digit(self, d: str) -> None:
        if self.finished or (not self.digits and d in self.spec.skip_leading):
            return
        if d in self.spec.terminators:
            self._finish("terminator" if len(self.digits) >= self.spec.min_digits else "too_short")
            return
        self.digits += d
        if len(self.digits) >= self.spec.max_digits:
            self._finish("max_digits")
        else:
            self._arm(self.spec.inter_timeout_ms)

    def _timeout(self) -> None:
        self.timer = None
        if not self.finished:
            self._finish("timeout" if len(self.digits) < self.spec.min_digits else "complete")

    def cancel(self, reason: str) -> None:
        if not self.finished:
            self._finish(reason)

    def _finish(self, reason: str) -> None:
        self.finished = True
        self.timers.cancel(self.timer)
        self.timer = None
        self.done(self, self.digits, reason)
