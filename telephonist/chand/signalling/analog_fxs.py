"""Analog FXS ports (phones, for agents): kewl start / loop start.

The phone goes off hook: dial tone, digit collection, then the call is
offered with the dialled digits. Ringing a phone: ring cadence from engine
timers and caller ID to the phone's display (FSK between the first and
second ring, or DTMF before the first, as the span's `cid` says); the phone
answers by going off hook. When we hang up on a phone that is still off
hook it hears busy tone until it hangs up.

Message waiting: while messages wait for the phone's extension it hears
stutter dial tone when lifted, and an idle phone is told by FSK (on, with
the count, and off again) and/or by the card's own indicator (neon lamp,
line reversal) as the port's `mwi` setting says. A change during a call is
shown once the phone is back on hook.
"""
from __future__ import annotations

from telephonist.chand.call import Disposition
from telephonist.chand.line import LineState, Signal
from telephonist.chand.signalling.base import Signalling
from telephonist.engine import CidSent, CidStandard, Dsp, DtmfEvent, Event, Hook, HookEvent, Vmwi

CID_AFTER_RING_MS = 500
STUTTER_MS = 2000           # stutter, then steady dial tone (Telcordia: ten 100 ms bursts)
MWI_AFTER_IDLE_MS = 1500    # a phone just hung up needs a moment before it takes FSK on hook
MWI_GAP_MS = 500            # between two bursts: a receiver needs the carrier to drop to see a new one
DTMF_CID_TO_RING_MS = 300   # DTMF caller ID ends this long before the first ring
DTMF_CID_LIMIT_MS = 4000    # ring anyway if the engine never says it was sent
FSK_STANDARDS = {"bell202": CidStandard.BELL202, "v23": CidStandard.V23}
INDICATORS = {"neon": Vmwi.NEON, "reversal": Vmwi.LINE_REVERSAL}


class AnalogFxs(Signalling):
    has_messages = True

    def __init__(self, ctx, options) -> None:
        super().__init__(ctx, options)
        self.offhook = False
        self.digits = ""
        self.tone_pid: int | None = None
        self.ring_timer: int | None = None
        self.ringing = False
        self.caller_id = ""
        self.rings = 0
        self.messages = 0                    # waiting for this phone's extension
        self.fsk_shown: int | None = None    # what the phone was last told by FSK (None: nothing yet)
        self.mwi_timer: int | None = None
        self.mwi_sending = False             # a burst is on the line (the next waits for its end)

    # ---- events ----------------------------------------------------------------------
    def on_event(self, ev: Event) -> None:
        st = self.line.state
        if isinstance(ev, HookEvent) and ev.state == Hook.OFF:
            self.offhook = True
            if st == LineState.IDLE:
                self._phone_lifted()
            elif st in (LineState.DIALING, LineState.PROCEEDING):
                self._stop_ringing()
                self.cancel_timer()
                self.engine.set_dsp(self.line.chan, self.media_dsp())
                self.line.signal(Signal.REMOTE_ANSWER, self.now(), how="off_hook")
        elif isinstance(ev, HookEvent) and ev.state == Hook.ON:
            self.offhook = False
            self._stop_tone()
            self.cancel_timer()
            if st == LineState.CLEARING:
                self._settled()
            elif st in (LineState.RINGING, LineState.OFFERED, LineState.UP):
                if self.line.call and st != LineState.UP:
                    self.line.call.disposition = Disposition.ABANDONED
                    self.line.call.cause = "abandoned"
                self.line.signal(Signal.REMOTE_HANGUP, self.now(), cause="on_hook")
                self._settled()
                self.engine.set_dsp(self.line.chan, Dsp.NONE)
        elif isinstance(ev, HookEvent) and ev.state == Hook.FLASH and st == LineState.UP:
            self.line.listener.flash(self.line)
        elif isinstance(ev, DtmfEvent) and st == LineState.RINGING and not self.line.call.dialled:
            self._digit(ev.digit)
        elif isinstance(ev, CidSent):
            self._burst_sent()

    def _burst_sent(self) -> None:
        if self.ringing and self.rings == 0:
            self.ctx.timers.cancel(self.ring_timer)    # DTMF caller ID is out: the first ring
            self.ring_timer = self.ctx.timers.call_later(DTMF_CID_TO_RING_MS, self._ring_on)
        if self.mwi_sending:
            self.mwi_sending = False
            self._show_messages_later(MWI_GAP_MS)     # a change that came during the burst

    def _phone_lifted(self) -> None:
        line = self.line
        line.new_call("inbound", self.now(), caller=self.opt.extension or line.name)
        line.signal(Signal.INCOMING, self.now(), offhook=True)
        self.digits = ""
        self.engine.set_dsp(line.chan, Dsp.DTMF)
        if self.messages and self.opt.stutter_dial_tone:
            self.tone_pid = self.engine.play(line.chan, [("tone", "stutter", STUTTER_MS), ("tone", "dial", 0)])
        else:
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
        if self.ringing and self.opt.cid in FSK_STANDARDS:
            self.engine.send_cid(self.line.chan, FSK_STANDARDS[self.opt.cid], number=self.caller_id,
                                 datetime=None, mdmf=True)

    def _stop_ringing(self) -> None:
        if self.ringing:
            self.ringing = False
            self.ctx.timers.cancel(self.ring_timer)
            self.engine.hook(self.line.chan, Hook.RING_OFF)

    # ---- message waiting ---------------------------------------------------------------------
    def set_messages(self, messages: int) -> None:
        """Messages now waiting for this phone: shown at once on an idle phone, else once it is."""
        changed, self.messages = messages != self.messages, messages
        for how in self.opt.mwi.split("+"):
            if how in INDICATORS and (changed or self.fsk_shown is None):
                self.engine.set_vmwi(self.line.chan, INDICATORS[how], messages)
        self._show_messages_later(0)

    def _settled(self) -> None:
        self.line.signal(Signal.SETTLED, self.now())
        self._show_messages_later(MWI_AFTER_IDLE_MS)

    def _show_messages_later(self, ms: int) -> None:
        if "fsk" not in self.opt.mwi.split("+") or self.opt.cid not in FSK_STANDARDS:
            return
        if self.fsk_shown == self.messages or (self.fsk_shown is None and not self.messages):
            return
        self.ctx.timers.cancel(self.mwi_timer)
        self.mwi_timer = None
        if ms:
            self.mwi_timer = self.ctx.timers.call_later(ms, self._show_messages)
        else:
            # at once, not on a timer: changes that reach an idle phone one after another must not
            # depend on whether the engine ticked between them (the first goes out, the last follows
            # the burst; the ones between were never true long enough to show)
            self._show_messages()

    def _show_messages(self) -> None:
        self.mwi_timer = None
        if self.line.state != LineState.IDLE or self.offhook or self.ringing or self.mwi_sending:
            return              # shown when the phone is next idle (_settled) or the burst ends
        self.engine.send_mwi(self.line.chan, FSK_STANDARDS[self.opt.cid], self.messages)
        self.fsk_shown = self.messages
        self.mwi_sending = True

    def describe(self) -> dict[str, object]:
        return {"messages_waiting": self.messages} if self.messages else {}

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
            self.set_timer(self.opt.guard_ms, lambda: self._settled())

    def dial(self, number: str, caller_id: str = "") -> None:
        """Ring the phone; number is ignored (the line is the phone), caller_id goes to its display."""
        if self.offhook:
            raise RuntimeError(f"{self.line.name}: the phone is off hook")
        self.caller_id = caller_id
        self.rings = 0
        if self.mwi_sending:            # the ring cuts the burst short: show it again after the call
            self.mwi_sending, self.fsk_shown = False, -1
        self.ringing = True
        self.line.signal(Signal.DIAL, self.now(), number=number)
        self.line.signal(Signal.SENT, self.now())
        if self.opt.cid == "dtmf" and caller_id.isdigit():
            self.engine.send_cid(self.line.chan, CidStandard.DTMF, number=caller_id)
            self.ring_timer = self.ctx.timers.call_later(DTMF_CID_LIMIT_MS, self._ring_on)
        else:
            self._ring_on()
        self.set_timer(self.no_answer_ms(), self._no_answer)

    def _no_answer(self) -> None:
        if self.line.state == LineState.PROCEEDING:
            self._stop_ringing()
            if self.line.call:
                self.line.call.disposition = Disposition.NO_ANSWER
                self.line.call.cause = "no_answer"
            self.line.signal(Signal.REMOTE_FAIL, self.now(), cause="no_answer")
            self.set_timer(self.opt.guard_ms, lambda: self._settled())

    def flash(self) -> None:
        raise NotImplementedError("hook flash is what a phone does, not what we do to it")

    def reset(self) -> None:
        self.engine.set_dsp(self.line.chan, Dsp.NONE)
