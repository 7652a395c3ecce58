"""Span alarms: which lines a DAHDI span alarm takes out of service, and what operators are told.

The engine reports an alarm once per DAHDI span and engine span that holds its channels
(EV_ALARM, chan = -DAHDI span number, a = DAHDI_ALARM_* bits, text = their names or "OK").
A change of a DAHDI span's bits blocks its idle lines, hangs up its busy ones (a red span
carries no audio) and tells subscribers `span_alarm` for each configured span it touches;
clearing it returns the lines to service. A line whose call ends during an alarm is blocked
as soon as it is idle.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telephonist.chand.line import Line, LineState, Signal

if TYPE_CHECKING:
    from telephonist.chand.switchboard import Switchboard

log = logging.getLogger(__name__)


class SpanAlarms:
    def __init__(self, board: "Switchboard") -> None:
        self.board = board
        self.lines_of: dict[int, list[Line]] = {}     # DAHDI span number -> lines on it
        self.span_of: dict[str, int] = {}             # line name -> DAHDI span number
        self.bits: dict[int, int] = {}                # DAHDI span number -> alarm bits (0: none)
        self.text: dict[int, str] = {}

    def add(self, line: Line, dahdi_span: int) -> None:
        self.lines_of.setdefault(dahdi_span, []).append(line)
        self.span_of[line.name] = dahdi_span

    def knows(self, dahdi_span: int) -> bool:
        return dahdi_span in self.lines_of

    def blocked(self, line: Line) -> bool:
        span = self.span_of.get(line.name)
        return span is not None and self.bits.get(span, 0) != 0

    def dahdi_spans(self, span_name: str) -> list[int]:
        return sorted({n for n, lines in self.lines_of.items() if any(ln.span == span_name for ln in lines)})

    def summary(self, span_name: str) -> str:
        """The alarms of a configured span for `status`: "" when none, else the names ("RED" ...)."""
        spans = self.dahdi_spans(span_name)
        raised = [n for n in spans if self.bits.get(n)]
        if len(spans) == 1:
            return self.text.get(spans[0], "") if raised else ""
        return "; ".join(f"DAHDI span {n}: {self.text[n]}" for n in raised)

    def on_alarm(self, dahdi_span: int, bits: int, text: str) -> None:
        if dahdi_span not in self.bits and not bits:
            # the first news, and no alarm (a PRI span whose D-channel was up by the first tick): the link is up
            self.bits[dahdi_span] = 0
            self._link_up(self.lines_of.get(dahdi_span, []))
            return
        if self.bits.get(dahdi_span, 0) == bits:
            return                  # the same news from another engine span on this DAHDI span
        self.bits[dahdi_span] = bits
        self.text[dahdi_span] = text
        lines = self.lines_of.get(dahdi_span, [])
        names = sorted({ln.span for ln in lines})
        now = self.board.now()
        for name in names:
            self.board.spans[name]["alarms"] = self.summary(name)
            log.warning("event=span_alarm span=%s dahdi_span=%d alarms=%s", name, dahdi_span, text)
            self.board.tell_subscribers("span_alarm", span=name, dahdi_span=dahdi_span, alarms=text, bits=bits,
                                        time_ms=now)
        for line in lines:
            if bits:
                self._take_out(line)
            elif line.state == LineState.BLOCKED and not line.sig.blocked_by_signalling():
                line.signal(Signal.ALARM_CLEARED, now, dahdi_span=dahdi_span)
        if not bits:
            self._link_up(lines)

    def _link_up(self, lines: list[Line]) -> None:
        """The span is free of alarms (a PRI's D-channel is up): each line's signalling may act on it."""
        for line in lines:
            line.sig.link_up()

    def _take_out(self, line: Line) -> None:
        if line.state == LineState.IDLE:
            line.signal(Signal.ALARM, self.board.now(), alarms=self.text.get(self.span_of[line.name], ""))
        elif line.busy and line.state != LineState.CLEARING:
            if line.call:
                line.call.cause = line.call.cause or "span_alarm"
            line.sig.hangup("span_alarm")

    def line_idle(self, line: Line) -> None:
        """A line came back to idle: while its span is in alarm it is blocked at once."""
        if self.blocked(line) and line.state == LineState.IDLE:
            line.signal(Signal.ALARM, self.board.now(), alarms=self.text.get(self.span_of[line.name], ""))
