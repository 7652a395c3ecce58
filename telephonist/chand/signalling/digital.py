"""Digital trunks (E1 bearer channels) with message-based call control.

The sim E1 carries ISDN-like call-control messages (SETUP with calling and
called numbers, ALERTING, CONNECT, DISCONNECT with a Q.850 cause, RELEASE);
ISDN PRI on DAHDI E1 spans (libpri, csrc/pri.c) and MFC-R2 (openr2, csrc/r2.c;
signalling/r2.py) present the same shape.
"""
from __future__ import annotations

from telephonist.chand.call import Disposition
from telephonist.chand.line import LineState, Signal
from telephonist.chand.signalling.base import Signalling
from telephonist.engine import Event, SigMsg, format_sigmsg

# Q.850 causes we act on
NORMAL, BUSY, NO_USER_RESPONSE, NO_ANSWER, UNALLOCATED, CONGESTION = 16, 17, 18, 19, 1, 34
CAUSE_NAMES = {
    1: "unallocated", 3: "no_route", 16: "normal_clearing", 17: "user_busy", 18: "no_user_response",
    19: "no_answer", 20: "subscriber_absent", 21: "call_rejected", 27: "destination_out_of_order", 31: "normal_unspecified",
    34: "no_circuit", 38: "network_out_of_order", 41: "temporary_failure", 42: "switch_congestion",
    44: "channel_unavailable",
    102: "recovery_on_timer_expiry",
}
HANGUP_CAUSES = {"normal": NORMAL, "busy": BUSY, "no_answer": NO_ANSWER, "rejected": 21,
                 "unallocated": UNALLOCATED, "congestion": CONGESTION}


def disposition_of(cause: int) -> Disposition:
    """The disposition of our call the far end refused with this Q.850 cause."""
    return {BUSY: Disposition.BUSY, NO_ANSWER: Disposition.NO_ANSWER,
            NO_USER_RESPONSE: Disposition.NO_ANSWER}.get(cause, Disposition.FAILED)


class DigitalTrunk(Signalling):
    def on_event(self, ev: Event) -> None:
        if not isinstance(ev, SigMsg):
            return
        kind, f = ev.kind, ev.fields
        line, st = self.line, self.line.state
        if kind == "SETUP" and st == LineState.IDLE:
            call = line.new_call("inbound", self.now(), caller=f.get("calling", ""), dialled=f.get("called", ""))
            facts = self.call_facts(f)
            call.vars.update(facts)
            line.signal(Signal.INCOMING, self.now(), **facts)     # the facts go into the record's state event
            self.offered()
            line.signal(Signal.OFFER, self.now())
        elif kind == "SETUP":
            # glare or a busy channel: refuse, as a real exchange would be told
            self.engine.sigmsg(line.chan, format_sigmsg("DISCONNECT", cause=BUSY))
        elif kind == "ALERTING" and st == LineState.PROCEEDING:
            line.listener.progress(line, "ringing")
        elif kind == "CONNECT" and st in (LineState.DIALING, LineState.PROCEEDING):
            self.cancel_timer()
            self.engine.set_dsp(line.chan, self.media_dsp())
            line.signal(Signal.REMOTE_ANSWER, self.now(), how="connect")
        elif kind == "DISCONNECT":
            cause = int(f.get("cause", NORMAL) or NORMAL)
            self.engine.sigmsg(line.chan, "RELEASE")
            self._remote_disconnect(cause)
        elif kind == "RELEASE" and st == LineState.CLEARING:
            self.cancel_timer()
            line.signal(Signal.SETTLED, self.now())

    def offered(self) -> None:
        """An inbound SETUP is being offered: tell the far end it rings (PRI's ALERTING)."""
        self.engine.sigmsg(self.line.chan, "ALERTING")

    def call_facts(self, fields: dict[str, str]) -> dict[str, str]:
        """What an inbound SETUP tells of the call beyond its numbers (kept in the call's vars): nothing here."""
        return {}

    def _remote_disconnect(self, cause: int) -> None:
        line, st = self.line, self.line.state
        self.cancel_timer()
        name = f"{cause} {CAUSE_NAMES.get(cause, 'cause')}"
        if line.call and not line.call.cause:
            line.call.cause = name
        if st in (LineState.DIALING, LineState.PROCEEDING):
            if line.call:
                line.call.disposition = disposition_of(cause)
            line.signal(Signal.REMOTE_FAIL, self.now(), cause=name)
        elif st in (LineState.RINGING, LineState.OFFERED):
            if line.call:
                line.call.disposition = Disposition.ABANDONED
            line.signal(Signal.REMOTE_HANGUP, self.now(), cause=name)
            return
        else:
            line.signal(Signal.REMOTE_HANGUP, self.now(), cause=name)
        line.signal(Signal.SETTLED, self.now())
        self.engine.set_dsp(line.chan, self._idle_dsp())

    def _idle_dsp(self):
        from telephonist.engine import Dsp
        return Dsp.NONE

    def answer(self) -> None:
        self.engine.sigmsg(self.line.chan, "CONNECT")
        self.engine.set_dsp(self.line.chan, self.media_dsp())
        self.line.signal(Signal.ANSWER, self.now())

    def hangup(self, cause: str = "normal") -> None:
        code = HANGUP_CAUSES.get(cause, NORMAL)
        if self.line.call and not self.line.call.cause:
            self.line.call.cause = f"{code} {CAUSE_NAMES.get(code, 'cause')}"
        if self.line.signal(Signal.HANGUP, self.now(), cause=cause):
            self.engine.sigmsg(self.line.chan, format_sigmsg("DISCONNECT", cause=code))
            self.engine.set_dsp(self.line.chan, self._idle_dsp())
            # the far end answers RELEASE; if it never does, free the channel anyway
            self.set_timer(4000, lambda: self.line.signal(Signal.SETTLED, self.now()))

    def dial(self, number: str, caller_id: str = "") -> None:
        self.line.signal(Signal.DIAL, self.now(), number=number, **self.dial_facts())
        self.engine.sigmsg(self.line.chan, self.setup_message(number, caller_id))
        self.line.signal(Signal.SENT, self.now())
        self.set_timer(self.no_answer_ms(), self._no_answer)

    def dial_facts(self) -> dict[str, str]:
        """What our SETUP tells of the call beyond its numbers (into the record's state event): nothing here."""
        return {}

    def setup_message(self, number: str, caller_id: str) -> str:
        """Our SETUP for a call to number (the whole number, en bloc)."""
        return format_sigmsg("SETUP", calling=caller_id, called=number)

    def _no_answer(self) -> None:
        if self.line.state == LineState.PROCEEDING:
            self.engine.sigmsg(self.line.chan, format_sigmsg("DISCONNECT", cause=NO_ANSWER))
            if self.line.call:
                self.line.call.disposition = Disposition.NO_ANSWER
                self.line.call.cause = "19 no_answer"
            self.line.signal(Signal.REMOTE_FAIL, self.now(), cause="no_answer")
            self.set_timer(4000, lambda: self.line.signal(Signal.SETTLED, self.now()))

    def reset(self) -> None:
        pass
