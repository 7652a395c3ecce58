"""E1 channels with MFC-R2 (China No.1, ITU ...) through openr2 in the engine (csrc/r2.c).

The engine tells an R2 call in the digital trunk's messages (SETUP with the caller's and the dialled
number, ALERTING once the call is accepted, CONNECT, DISCONNECT with a Q.850 cause, RELEASE), so the
call logic is the digital trunk's. What R2 adds: the calling party category of an inbound call
(kept with the call as `category`), and line blocking: by the far end (BLOCKED / IDLE), which takes the
idle line out of service as a span alarm does and gives it back, and by us (the admin's `block`
command: BLOCK / UNBLOCK to the engine), which also keeps our own calls off the line.
"""
from __future__ import annotations

from telephonist.chand.line import LineState, Signal
from telephonist.chand.signalling.digital import DigitalTrunk
from telephonist.engine import Event, SigMsg


# How long an offered call waits for its application's decision before we accept it (group B "free", the
# caller hears ringing): until then a refusal is told with its own group B signal (busy, unallocated ...),
# after it only as a clear-back. The calling exchange holds its last MF tone meanwhile (openr2 gives up
# after 30 s), so this stays well short of that.
ACCEPT_AFTER_MS = 4000


class R2Trunk(DigitalTrunk):
    has_blocking = True

    def __init__(self, ctx, options) -> None:
        super().__init__(ctx, options)
        self.far_blocked = False
        self.we_blocked = False

    def on_event(self, ev: Event) -> None:
        if not isinstance(ev, SigMsg):
            return
        line = self.line
        if ev.kind == "BLOCKED":
            self.far_blocked = True
            if line.state == LineState.IDLE:
                line.signal(Signal.ALARM, self.now(), alarms="R2_BLOCKED")
            return
        if ev.kind == "IDLE":
            self.far_blocked = False
            if line.state == LineState.BLOCKED and not self.we_blocked:
                line.signal(Signal.ALARM_CLEARED, self.now(), why="r2_unblocked")
            return
        super().on_event(ev)

    def offered(self) -> None:
        """No accept yet (see ACCEPT_AFTER_MS): answering accepts and answers at once, hanging up refuses."""
        self.set_timer(ACCEPT_AFTER_MS, self._accept)

    def _accept(self) -> None:
        if self.line.state in (LineState.RINGING, LineState.OFFERED):
            self.engine.sigmsg(self.line.chan, "ALERTING")

    def call_facts(self, fields: dict[str, str]) -> dict[str, str]:
        return {"category": fields["category"]} if fields.get("category") else {}

    def set_blocked(self, blocked: bool) -> None:
        """Block the idle line towards the far end (and for our own calls), or free it again."""
        line = self.line
        if blocked and line.state != LineState.IDLE and line.state != LineState.BLOCKED:
            raise ValueError(f"{line.name} has a call: block it once it is idle")
        self.engine.sigmsg(line.chan, "BLOCK" if blocked else "UNBLOCK")
        self.we_blocked = blocked
        if blocked and line.state == LineState.IDLE:
            line.signal(Signal.ALARM, self.now(), alarms="R2_BLOCKED_BY_US")
        elif not blocked and line.state == LineState.BLOCKED and not self.far_blocked:
            line.signal(Signal.ALARM_CLEARED, self.now(), why="r2_unblocked_by_us")

    def blocked_by_signalling(self) -> bool:
        return self.far_blocked or self.we_blocked

    def describe(self) -> dict[str, object]:
        return {"r2_blocked": "far end" if self.far_blocked else "us" if self.we_blocked else ""}
