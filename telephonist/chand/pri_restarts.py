"""Periodic RESTART of a PRI span's idle B-channels (the span's `pri_restart_interval`, off by default).

Every interval chand walks the span's lines in order and restarts the idle ones one at a time, as Asterisk's
`resetinterval` does: the next line's RESTART goes out once the last one was acknowledged (or given up on, the
engine's three tries), so at most one line of the span is out of service for it at a time (the line is `blocked`
while its RESTART is out: signalling/pri.py). A line busy with a call when its turn comes is left alone until the
next round. Channels the far end still thinks busy after a lost clearing come back this way without an admin.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telephonist.chand.line import Line, LineState

if TYPE_CHECKING:
    from telephonist.chand.switchboard import Switchboard

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Round:
    span: str
    lines: list[Line]
    interval_ms: int
    waiting: list[Line] = field(default_factory=list)    # this round's lines still to restart
    current: Line | None = None                          # the line whose RESTART is out
    rounds: int = 0


class PriRestarts:
    def __init__(self, board: "Switchboard") -> None:
        self.board = board
        self._spans: dict[str, _Round] = {}
        self._of_line: dict[str, _Round] = {}

    def add(self, span: str, lines: list[Line], interval_ms: int) -> None:
        """Restart the span's idle lines every interval_ms (the first round one interval after start)."""
        r = _Round(span, list(lines), interval_ms)
        self._spans[span] = r
        for ln in lines:
            self._of_line[ln.name] = r
        self.board.timers.call_later(interval_ms, lambda: self._start_round(r))

    def describe(self, span: str) -> dict[str, object]:
        r = self._spans.get(span)
        return {"restart_interval_s": r.interval_ms // 1000, "restart_rounds": r.rounds} if r else {}

    def _start_round(self, r: _Round) -> None:
        self.board.timers.call_later(r.interval_ms, lambda: self._start_round(r))
        if r.current is not None or r.waiting:
            return                  # the last round is still going (a slow far end): this one is skipped
        r.rounds += 1
        r.waiting = list(r.lines)
        log.info("event=pri_restart_round span=%s round=%d lines=%d", r.span, r.rounds, len(r.lines))
        self._next(r)

    def _next(self, r: _Round) -> None:
        while r.waiting:
            line = r.waiting.pop(0)
            if line.state != LineState.IDLE:
                continue            # a call, an alarm: its turn comes next round
            r.current = line
            line.sig.restart()
            return
        r.current = None

    def restarted(self, line: Line) -> None:
        """The line's RESTART is done (acknowledged or not): the next line of its span's round goes."""
        r = self._of_line.get(line.name)
        if r is not None and r.current is line:
            r.current = None
            self._next(r)
