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
- Overlap receiving (the span's `pri_overlap`). A SETUP without Sending Complete (complete=0) rings the line
  (RINGING) without offering it: while chand's routing can still tell a longer number from this one
  (`Router.number_complete`) the engine answers SETUP ACKNOWLEDGE and every INFORMATION's digits (INFO) join the
  dialled number; the call is offered (CALL PROCEEDING, ALERTING, the route) once routing can decide, the far end
  says Sending Complete, or no digit came for `pri_overlap_timeout_ms`.
- Overlap sending (`pri_overlap_setup_digits`): our SETUP carries the number's first digits without Sending
  Complete, and the rest goes as INFO once the far end answers SETUP ACKNOWLEDGE.
- Channel negotiation. The engine places a far end's SETUP on the line of the channel it took (a free one when
  the channel asked for was preferred and busy); our SETUP answered on another channel than ours (a preferred
  one) comes as MOVED, and the call goes on on that channel's line (`Switchboard.move_call`); a line that
  cannot take it (busy here) ends the call with cause 44.
- Progress indicators. A response to our SETUP with progress indicator 1 or 8 (inband=1) opens the call's audio before
  the answer: the application is told `progress` with `inband`, the record too, and the call may be bridged (a
  transfer's caller is bridged to it at once). A PROGRESS with a cause (or, with `pri_inband_disconnect`, a DISCONNECT
  with in-band information) is a refusal announced in-band: with `pri_inband_disconnect` chand listens for
  `pri_inband_disconnect_ms` and then clears with that cause, else at once. chand playing to an inbound call it has
  not answered sends PROGRESS with progress indicator 8 first, so the caller hears it.
- Redirecting number: our SETUP names the number a call chand forwards was for, and why (a transfer of an inbound
  call, or a dial with `redirecting`); a SETUP's redirecting number and reason reach the call's vars (offer, record).
- A line whose RESTART is out is `blocked` until the far end acknowledged it (or the engine gave up), so no call of
  ours goes on that channel meanwhile; `pri_restart_interval` restarts idle lines periodically (pri_restarts.py).
"""
from __future__ import annotations

from telephonist.chand.line import LineState, Signal
from telephonist.chand.signalling.base import Signalling
from telephonist.chand.signalling.digital import CAUSE_NAMES, DigitalTrunk, disposition_of
from telephonist.engine import Event, SigMsg, format_sigmsg

CHANNEL_UNAVAILABLE = 44
RESPONSES = ("PROCEEDING", "PROGRESS", "ALERTING", "CONNECT")
PROGRESS_OF = {"PROCEEDING": "proceeding", "PROGRESS": "progress", "ALERTING": "ringing"}
OUTGOING = (LineState.DIALING, LineState.PROCEEDING)
# Q.931's redirecting reasons (Redirecting number IE, octet 3b) by the names chand's applications use
REDIRECT_REASONS = {"unknown": 0, "busy": 1, "no_reply": 2, "deflection": 3, "out_of_order": 9,
                    "forwarded_by_dte": 10, "unconditional": 15}
REASON_NAMES = {v: k for k, v in REDIRECT_REASONS.items()}


class PriTrunk(DigitalTrunk):
    has_restart = True

    def __init__(self, ctx, options) -> None:
        super().__init__(ctx, options)
        self.restart_state = ""         # "": never restarted; pending | acknowledged | unanswered
        self._answered = False          # the far end responded to our SETUP
        self._beaten = False            # their SETUP took the channel from ours: the engine's refusal is coming
        self._collecting = False        # overlap receiving: digits may still come
        self._acked = False             # overlap receiving: SETUP ACKNOWLEDGE sent
        self._rest = ""                 # overlap sending: the digits our SETUP left out, sent on SETUP_ACK

    def on_event(self, ev: Event) -> None:
        if not isinstance(ev, SigMsg):
            return
        kind, st = ev.kind, self.line.state
        if kind == "RESTARTED":
            self.restart_state = "acknowledged" if ev.fields.get("acknowledged") == "1" else "unanswered"
            if st == LineState.BLOCKED:
                self.line.signal(Signal.ALARM_CLEARED, self.now(), why="pri_restarted")
            self.line.listener.restarted(self.line, self.restart_state == "acknowledged")
            return
        if kind in PROGRESS_OF and st in OUTGOING and self._early(kind, ev.fields):
            return
        if kind == "MOVED":
            self._moved(int(ev.fields.get("chan", "-1") or -1))
            return
        if kind == "INFO":
            self._info(ev.fields)
            return
        if kind == "SETUP" and st in (LineState.DIALING, LineState.PROCEEDING) and not self._answered:
            self._beaten, self._rest = True, ""
            self._remote_disconnect(CHANNEL_UNAVAILABLE)    # our call: failed, the line idle for theirs
            st = self.line.state
        if kind == "SETUP" and st == LineState.IDLE and self.opt.overlap and ev.fields.get("complete") != "1":
            self._overlap_setup(ev.fields)
            return
        if kind == "SETUP_ACK" and self._rest and st in (LineState.DIALING, LineState.PROCEEDING):
            self.engine.sigmsg(self.line.chan, format_sigmsg("INFO", digits=self._rest))
            self._rest = ""
        if kind in RESPONSES or kind == "SETUP_ACK":
            self._answered = True
        if kind == "DISCONNECT" and ev.fields.get("refused") == "1" and self._beaten:
            self._beaten = False        # the refusal of our SETUP, whose call ended when theirs came
            return
        if kind == "DISCONNECT":
            self._collecting = False    # (their call, still dialling, ends)
        super().on_event(ev)
        if kind == "DISCONNECT" and self.restart_state == "pending":
            self._block_while_restarting()

    # ---- progress indicators, in-band tones and announcements before the answer ---------------------------
    def _early(self, kind: str, f: dict[str, str]) -> bool:
        """A response to our SETUP with in-band information (progress indicator 1 or 8), or a PROGRESS with a cause:
        the first opens the call's audio before the answer (the application told `progress` with inband, the record
        too); the cause is the far end's refusal told in-band (busy, unallocated ... announced): chand listens for
        pri_inband_disconnect_ms, with pri_inband_disconnect, then clears the call with that cause. True when the
        message is dealt with here."""
        inband, cause = f.get("inband") == "1", int(f.get("cause", "0") or 0)
        line = self.line
        if cause:
            self._answered = True
            self._inband_refusal(cause, inband)
            return True
        if not inband:
            return False
        if kind != "PROGRESS":
            self._answered = True
        line.listener.progress(line, PROGRESS_OF[kind], inband=True)
        return kind == "ALERTING"       # the digital trunk's ALERTING would tell `progress` a second time

    def _inband_refusal(self, cause: int, inband: bool) -> None:
        line = self.line
        name = f"{cause} {CAUSE_NAMES.get(cause, 'cause')}"
        if line.call is not None:
            line.call.cause = line.call.cause or name
            line.call.disposition = disposition_of(cause)
        if inband and self.opt.inband_disconnect:
            line.listener.progress(line, "announcement", inband=True, cause=name)
            self.set_timer(self.opt.inband_disconnect_ms, lambda: self._clear_refused(cause))
            return
        self._clear_refused(cause)

    def _clear_refused(self, cause: int) -> None:
        """The call the far end refused (its cause told in a PROGRESS or an in-band DISCONNECT): cleared from here."""
        line = self.line
        if line.state not in OUTGOING:
            return
        self.engine.sigmsg(line.chan, format_sigmsg("DISCONNECT", cause=cause))
        line.signal(Signal.REMOTE_FAIL, self.now(), cause=f"{cause} {CAUSE_NAMES.get(cause, 'cause')}")
        self.set_timer(4000, lambda: line.signal(Signal.SETTLED, self.now()))

    def before_answer_audio(self) -> None:
        """chand plays to a call it has not answered (ringback, an announcement): the far end is told the B-channel
        carries in-band information (PROGRESS, progress indicator 8) so that its caller hears it."""
        call = self.line.call
        if call is None or call.direction != "inbound" or call.vars.get("early_media"):
            return
        call.vars["early_media"] = "sent"
        self.engine.sigmsg(self.line.chan, "PROGRESS")
        self.line.listener.progress(self.line, "progress", inband=True, sent=True)

    def dial(self, number: str, caller_id: str = "") -> None:
        self._answered = self._beaten = False
        self._rest = ""
        super().dial(number, caller_id)

    def setup_message(self, number: str, caller_id: str) -> str:
        """Overlap sending (pri_overlap_setup_digits): the SETUP carries the first digits without Sending Complete,
        the rest go by INFORMATION when the far end sends SETUP ACKNOWLEDGE (a far end that proceeds at once had
        enough). Otherwise en bloc."""
        n = self.opt.overlap_setup_digits
        if not self.opt.overlap or not 0 < n < len(number):
            return format_sigmsg("SETUP", calling=caller_id, called=number, **self._redirecting())
        self._rest = number[n:]
        return format_sigmsg("SETUP", calling=caller_id, called=number[:n], complete=0, **self._redirecting())

    def _redirecting(self) -> dict[str, object]:
        """A call chand forwards (a transfer, or a dial naming `redirecting`): the number it was for and why."""
        call = self.line.call
        if call is None or not call.vars.get("redirecting"):
            return {}
        return {"redirecting": call.vars["redirecting"],
                "redirecting_reason": REDIRECT_REASONS.get(call.vars.get("redirecting_reason", ""), 0)}

    def dial_facts(self) -> dict[str, str]:
        call = self.line.call
        if call is None or not call.vars.get("redirecting"):
            return {}
        return {"redirecting": call.vars["redirecting"], "redirecting_reason": call.vars.get("redirecting_reason", "")}

    def call_facts(self, fields: dict[str, str]) -> dict[str, str]:
        """A SETUP's redirecting number (the call was forwarded to us: the number it was for) and its reason."""
        if not fields.get("redirecting"):
            return {}
        code = int(fields.get("redirecting_reason", "0") or 0)
        return {"redirecting": fields["redirecting"], "redirecting_reason": REASON_NAMES.get(code, str(code))}

    # ---- overlap receiving ---------------------------------------------------------------------------
    def _overlap_setup(self, f: dict[str, str]) -> None:
        line = self.line
        call = line.new_call("inbound", self.now(), caller=f.get("calling", ""), dialled=f.get("called", ""))
        facts = self.call_facts(f)
        call.vars.update(facts)
        line.signal(Signal.INCOMING, self.now(), overlap=True, **facts)
        self._collecting, self._acked = True, False
        self._number_so_far(complete=False)

    def _info(self, f: dict[str, str]) -> None:
        call = self.line.call
        if not self._collecting or call is None:
            return
        call.dialled += f.get("digits", "")
        self._number_so_far(complete=f.get("complete") == "1")

    def _number_so_far(self, complete: bool) -> None:
        line, call = self.line, self.line.call
        if not self._collecting or line.state != LineState.RINGING or call is None:
            return
        if complete or line.listener.number_complete(line, call.dialled, call.caller):
            self._dialled()
            return
        if not self._acked:
            self._acked = True
            self.engine.sigmsg(line.chan, "SETUP_ACK")
        self.set_timer(self.opt.overlap_timeout_ms, self._dialled)

    def _dialled(self) -> None:
        """The number is complete (or no more digits came): the call is offered as an en-bloc one is."""
        self.cancel_timer()
        line = self.line
        if not self._collecting or line.state != LineState.RINGING or line.call is None:
            return
        self._collecting = False
        self.offered()
        line.signal(Signal.OFFER, self.now(), dialled=line.call.dialled)

    # ---- channel negotiation ---------------------------------------------------------------------------
    def _moved(self, chan: int) -> None:
        """The far end answered our SETUP on another B-channel (engine channel chan): the call goes on there."""
        if self.line.listener.move_call(self.line, chan) is not None:
            return
        # that channel's line cannot take the call here: the engine holds it on that channel now, so it is cleared
        # there, and this line's call fails
        self.engine.sigmsg(chan, format_sigmsg("DISCONNECT", cause=CHANNEL_UNAVAILABLE))
        self._remote_disconnect(CHANNEL_UNAVAILABLE)

    def took_call(self, other: Signalling) -> None:
        """This line's B-channel carries the call `other` placed (MOVED): its dialling state comes with it, and the
        no-answer timer starts again here."""
        assert isinstance(other, PriTrunk)
        self._answered, self._beaten, self._rest = other._answered, False, other._rest
        other.cancel_timer()
        other._answered, other._rest = False, ""
        if self.line.state == LineState.PROCEEDING:
            self.set_timer(self.no_answer_ms(), self._no_answer)

    def restart(self) -> None:
        """RESTART the B-channel: the engine ends its call (DISCONNECT cause=41 comes back) and asks the far end. The
        line is blocked until the far end acknowledged (or the engine gave up): no call of ours goes on a channel
        whose RESTART is out."""
        self.restart_state = "pending"
        self.engine.sigmsg(self.line.chan, "RESTART")
        self._block_while_restarting()

    def _block_while_restarting(self) -> None:
        if self.line.state == LineState.IDLE:
            self.line.signal(Signal.ALARM, self.now(), alarms="PRI_RESTART")

    def blocked_by_signalling(self) -> bool:
        return self.restart_state == "pending"

    def link_up(self) -> None:
        if self.opt.restart_on_up and self.line.state == LineState.IDLE:
            self.restart()

    def describe(self) -> dict[str, object]:
        return {"restart": self.restart_state} if self.restart_state else {}
