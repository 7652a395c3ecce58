"""ISDN PRI B-channels on DAHDI E1 spans (libpri in the engine, csrc/pri.c).

Calls are the digital trunk's (SETUP, ALERTING, CONNECT, DISCONNECT, RELEASE). What PRI adds:

- RESTART of a B-channel from our side (Q.931 5.5), by the admin's `restart` command or, with the span's
  `pri_restart_on_up`, for every idle channel when the D-channel comes up. A call on the channel ends at once
  (cause 41, as a RESTART from the far end ends it); the far end's RESTART ACKNOWLEDGE (or its absence) is told
  to the subscribers as `line_restarted` and shown by `status` (`restart`).
- Glare as chand meets it. When both ends seize a channel, the engine tells the losing line either
  DISCONNECT cause=44 glare=1 and then the far end's SETUP (our SETUP had gone out: the user side gives way), or
  the far end's SETUP first and then DISCONNECT cause=44 refused=1 (their SETUP took the channel before our
  line's SETUP reached libpri). In the second order the SETUP meets a line still dialling: our call has lost the
  channel, so it ends here (cause 44) and the line takes theirs; the refusal that follows is then not theirs.
"""
from __future__ import annotations

from telephonist.chand.line import LineState
from telephonist.chand.signalling.digital import DigitalTrunk
from telephonist.engine import Event, SigMsg

CHANNEL_UNAVAILABLE = 44
RESPONSES = ("PROCEEDING", "PROGRESS", "ALERTING", "CONNECT")


class PriTrunk(DigitalTrunk):
    has_restart = True

    def __init__(self, ctx, options) -> None:
        super().__init__(ctx, options)
        self.restart_state = ""         # "": never restarted; pending | acknowledged | unanswered
        self._answered = False          # the far end responded to our SETUP
        self._beaten = False            # their SETUP took the channel from ours: the engine's refusal is coming

    def on_event(self, ev: Event) -> None:
        if not isinstance(ev, SigMsg):
            return
        kind, st = ev.kind, self.line.state
        if kind == "RESTARTED":
            self.restart_state = "acknowledged" if ev.fields.get("acknowledged") == "1" else "unanswered"
            self.line.listener.restarted(self.line, self.restart_state == "acknowledged")
            return
        if kind in RESPONSES:
            self._answered = True
        if kind == "DISCONNECT" and ev.fields.get("refused") == "1" and self._beaten:
            self._beaten = False        # the refusal of our SETUP, whose call ended when theirs came
            return
        if kind == "SETUP" and st in (LineState.DIALING, LineState.PROCEEDING) and not self._answered:
            self._beaten = True
            self._remote_disconnect(CHANNEL_UNAVAILABLE)    # our call: failed, the line idle for theirs
        super().on_event(ev)

    def dial(self, number: str, caller_id: str = "") -> None:
        self._answered = self._beaten = False
        super().dial(number, caller_id)

    def restart(self) -> None:
        """RESTART the B-channel: the engine ends its call (DISCONNECT cause=41 comes back) and asks the far end."""
        self.restart_state = "pending"
        self.engine.sigmsg(self.line.chan, "RESTART")

    def link_up(self) -> None:
        if self.opt.restart_on_up and self.line.state == LineState.IDLE:
            self.restart()

    def describe(self) -> dict[str, object]:
        return {"restart": self.restart_state} if self.restart_state else {}
