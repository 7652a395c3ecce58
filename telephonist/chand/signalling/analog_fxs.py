"""Analog FXS ports (phones, for agents): kewl start / loop start.

The phone goes off hook: dial tone, digit collection, then the call is
offered with the dialled digits. Ringing a phone: ring cadence from engine
timers and FSK caller ID between the first and second ring; the phone
answers by going off hook. When we hang up on a phone that is still off
hook it hears busy tone until it hangs up.
"""
from __future__ import annotations

from telephonist.chand.line import Disposition, LineState, Signal
from telephonist.chand.signalling.base import Signalling
from telephonist.engine import CidStandard, Dsp, Event, EventType, Hook

CID_AFTER_RING_MS = 500


class AnalogFxs(Signalling):
    def __init__(self, ctx, options) -> None:
        super().__init__(ctx, options)
        self.offhook = False
        self.digits = ""
        self.tone_pid: int | None = None
        self.ring_timer: int | None = None
        self.ringing = False
        self.caller_id = ""
        self.rings = 0

    # ---- events ----------------------------------------------------------------------
    def on_event(self, ev: Event) -> None:
        st = self.line.state
        if ev.type == EventType.HOOK and ev.a == Hook.OFF:
            self.offhook = True
            if st == LineState.IDLE:
                self._phone_lifted()
            elif st in (LineState.DIALING, LineState.PROCEEDING):
                self._stop_ringing()
                self.cancel_timer()
                self.engine.set_dsp(self.line.chan, self.media_dsp())
                self.line.signal(Signal.REMOTE_ANSWER, self.now(), how="off_hook")
        elif ev.type == EventType.HOOK and ev.a == Hook.ON:
            self.offhook = False
            self._stop_tone()
            self.cancel_timer()
            if st == LineState.CLEARING:
                self.line.signal(Signal.SETTLED, self.now())
            elif st in (LineState.RINGING, LineState.OFFERED, LineState.UP):
                if self.line.call and st != LineState.UP:
                    self.line.call.disposition = Disposition.ABANDONED
                    self.line.call.cause = "abandoned"
                self.line.signal(Signal.REMOTE_HANGUP, self.now(), cause="on_hook")
                self.line.signal(Signal.SETTLED, self.now())
                self.engine.set_dsp(self.line.chan, Dsp.NONE)
        elif ev.type == EventType.HOOK and ev.a == Hook.FLASH and st == LineState.UP:
            self.line.listener.flash(self.line)
        elif ev.type == EventType.DTMF and st == LineState.RINGING and not self.line.call.dialled:
            self._digit(ev.text)

    def _phone_lifted(self) -> None:
        line = self.line
        line.new_call("inbound", self.now(), caller=self.opt.extension or line.name)
        line.signal(Signal.INCOMING, self.now(), offhook=True)
        self.digits = ""
        self.engine.set_dsp(line.chan, Dsp.DTMF)
        self.tone_pid = self.engine.play(line.chan, [("tone", "dial", 0)])
        self.set_timer(self.opt.first_digit_ms, self._dialling_timeout)

    def _digit(self, d: str) -> None:
        self._stop_tone()
        if d == "#":
            self._dialled()
            return
        self.digits += d
        if len(self.digits) >= self.opt.max_digits:
            self._dialled()
        else:
            self.set_timer(self.opt.interdigit_ms, self._dialled)

    def _dialling_timeout(self) -> None:
        if self.line.state == LineState.RINGING and not self.digits:
            # off-hook warning: nothing dialled
            self.tone_pid = self.engine.play(self.line.chan, [("tone", "congestion", 0)])

    def _dialled(self) -> None:
        self.cancel_timer()
        if self.line.state == LineState.RINGING and self.digits:
            self.line.call.dialled = self.digits
            self.line.signal(Signal.OFFER, self.now(), dialled=self.digits)

    def _stop_tone(self) -> None:
        if self.tone_pid:
            self.engine.play_stop(self.line.chan, self.tone_pid)
            self.tone_pid = None

    # ---- ringing the phone ---------------------------------------------------------------
    def _ring_on(self) -> None:
        if not self.ringing:
            return
        self.rings += 1
        self.engine.hook(self.line.chan, Hook.RING_ON)
        self.ring_timer = self.ctx.timers.call_later(self.opt.ring_on_ms, self._ring_off)

    def _ring_off(self) -> None:
        if not self.ringing:
            return
        self.engine.hook(self.line.chan, Hook.RING_OFF)
        if self.rings == 1 and self.caller_id:
            self.ctx.timers.call_later(CID_AFTER_RING_MS, self._send_cid)
        self.ring_timer = self.ctx.timers.call_later(self.opt.ring_off_ms, self._ring_on)

    def _send_cid(self) -> None:
        if self.ringing:
            self.engine.send_cid(self.line.chan, CidStandard.BELL202, number=self.caller_id,
                                 datetime=None, mdmf=True)

    def _stop_ringing(self) -> None:
        if self.ringing:
            self.ringing = False
            self.ctx.timers.cancel(self.ring_timer)
            self.engine.hook(self.line.chan, Hook.RING_OFF)

    # ---- actions ---------------------------------------------------------------------------
    def answer(self) -> None:
        self.cancel_timer()
        self._stop_tone()
        self.engine.set_dsp(self.line.chan, self.media_dsp())
        self.line.signal(Signal.ANSWER, self.now())

    def hangup(self, cause: str = "normal") -> None:
        if self.line.call and not self.line.call.cause:
            self.line.call.cause = cause
        was_ringing = self.ringing
        self._stop_ringing()
        self.cancel_timer()
        if not self.line.signal(Signal.HANGUP, self.now(), cause=cause):
            return
        if self.offhook and not was_ringing:
            if self.opt.send_open_loop:
                self.engine.hook(self.line.chan, Hook.OPEN_LOOP)   # what a kewlstart device takes as hang-up
            self.engine.set_dsp(self.line.chan, Dsp.NONE)
            self.tone_pid = self.engine.play(self.line.chan, [("tone", "busy", 0)])
        else:
            self.set_timer(self.opt.guard_ms, lambda: self.line.signal(Signal.SETTLED, self.now()))

    def dial(self, number: str, caller_id: str = "") -> None:
        """Ring the phone; number is ignored (the line is the phone), caller_id goes to its display."""
        if self.offhook:
            raise RuntimeError(f"{self.line.name}: the phone is off hook")
        self.caller_id = caller_id
        self.rings = 0
        self.ringing = True
        self.line.signal(Signal.DIAL, self.now(), number=number)
        self.line.signal(Signal.SENT, self.now())
        self._ring_on()
        self.set_timer(self.opt.no_answer_ms, self._no_answer)

    def _no_answer(self) -> None:
        if self.line.state == LineState.PROCEEDING:
            self._stop_ringing()
            if self.line.call:
                self.line.call.disposition = Disposition.NO_ANSWER
                self.line.call.cause = "no_answer"
            self.line.signal(Signal.REMOTE_FAIL, self.now(), cause="no_answer")
            self.set_timer(self.opt.guard_ms, lambda: self.line.signal(Signal.SETTLED, self.now()))

    def flash(self) -> None:
        raise NotImplementedError("hook flash is what a phone does, not what we do to it")

    def reset(self) -> None:
        self.engine.set_dsp(self.line.chan, Dsp.NONE)
