"""Analog FXO ports (lines from the exchange): loop start and kewl start.

Inbound: ringing, caller ID between the first and second ring (FSK) or
before it (DTMF), offer; answer by going off hook. Disconnect supervision
by busy/congestion tone, by a kewl-start loop break or by polarity reversal,
as configured per line. Outbound: seize, wait for dial tone, dial by DTMF,
then call progress: ringback, busy, congestion, SIT, and answer by polarity
reversal or by voice.
"""
from __future__ import annotations

import logging

from telephonist.chand.call import Disposition
from telephonist.config.busy_tones import ENGINE_TONE_NAME, BusyTone
from telephonist.chand.line import LineState, Signal
from telephonist.chand.signalling.base import Signalling
from telephonist.engine import (CidEvent, CidStandard, Dsp, DtmfSent, Event, Hook, HookEvent, Polarity, RingEvent,
                                ToneEvent, VadEvent)

log = logging.getLogger(__name__)

CID_STANDARDS = {"bell202": CidStandard.BELL202, "v23": CidStandard.V23, "dtmf": CidStandard.DTMF}
EARLY_CID_MS = 6000         # DTMF caller ID counts for a ring that begins within this
VOICE_CONFIRM_MS = 2000     # a voice run that is not recognised as a tone within this is an answer


class AnalogFxo(Signalling):
    def __init__(self, ctx, options) -> None:
        super().__init__(ctx, options)
        self.rings = 0
        self.offered = False
        self.number = ""
        self.polarity_flips = 0
        self.voice_timer: int | None = None
        self.heard_ringback = False
        self.tone_on: str | None = None   # a call-progress tone being heard now
        self.voice_on = False             # the voice detector hears something now
        self.early_cid: tuple[dict[str, str], int] | None = None
        self.disconnect_tone: BusyTone | None = None   # the line's learnt disconnect tone (config [busy_tones])

    def media_dsp(self) -> Dsp:
        dsp = Dsp.DTMF
        if self.opt.busy_tone_disconnect:
            dsp |= Dsp.PROGRESS
        return dsp

    def _idle_dsp(self) -> Dsp:
        return Dsp.CID if self.opt.cid != "none" else Dsp.NONE

    def set_disconnect_tone(self, tone: BusyTone | None) -> None:
        """The exchange's own disconnect tone, heard beside the zone's busy and congestion from now on."""
        if tone != self.disconnect_tone:
            self.disconnect_tone = tone
            self.engine.set_line_tone(self.line.chan, ENGINE_TONE_NAME, tone.segments() if tone else [])

    def describe(self) -> dict[str, object]:
        return {"busy_tone": self.disconnect_tone.describe()} if self.disconnect_tone else {}

    def attach(self, line) -> None:
        super().attach(line)
        if self.opt.cid in CID_STANDARDS and hasattr(self.engine, "set_cid_standard"):
            self.engine.set_cid_standard(line.chan, CID_STANDARDS[self.opt.cid])

    # ---- events --------------------------------------------------------------------
    def on_event(self, ev: Event) -> None:
        line, st = self.line, self.line.state
        if isinstance(ev, RingEvent):
            if ev.on:
                self._ring_begins()
            elif st in (LineState.RINGING, LineState.OFFERED):
                self.set_timer(self.opt.ring_timeout_ms, self._caller_gave_up)
        elif isinstance(ev, CidEvent) and "mwi" in ev.fields:
            pass                # the exchange's message waiting for this line: not a caller's number
        elif isinstance(ev, CidEvent) and st == LineState.IDLE:
            # DTMF caller ID comes before the first ring: keep it for the ring that follows
            self.early_cid = (ev.fields, self.now())
        elif isinstance(ev, CidEvent) and st == LineState.RINGING:
            self._caller_id(ev.fields)
            self._offer()
        elif isinstance(ev, ToneEvent):
            self.tone_on = ev.tone if ev.on else None
            if ev.on:
                self._tone(ev.tone)
            elif self.voice_on:
                self._voice_heard()      # the tone stopped and something else goes on: maybe a person
        elif isinstance(ev, HookEvent) and ev.state == Hook.OPEN_LOOP:
            if self.opt.open_loop_disconnect and st in (LineState.UP, LineState.PROCEEDING, LineState.DIALING):
                self._remote_hangup("open_loop")
        elif isinstance(ev, Polarity):
            self._polarity()
        elif isinstance(ev, VadEvent):
            self._voice(ev)
        elif isinstance(ev, DtmfSent) and st == LineState.DIALING:
            line.signal(Signal.SENT, self.now(), number=self.number)
            self.set_timer(self.no_answer_ms(), lambda: self._fail(Disposition.NO_ANSWER, "no_answer"))

    def _caller_id(self, fields: dict[str, str]) -> None:
        if self.line.call:
            self.line.call.caller = fields.get("number", "") or fields.get("number_absent", "")
            self.line.call.vars["cid_name"] = fields.get("name", "")

    def _ring_begins(self) -> None:
        line = self.line
        if line.state == LineState.IDLE:
            self.rings = 1
            self.offered = False
            line.new_call("inbound", self.now())
            early, self.early_cid = self.early_cid, None
            line.signal(Signal.INCOMING, self.now(), rings=1)
            if early and self.now() - early[1] <= EARLY_CID_MS:
                self._caller_id(early[0])
                self._offer()
            elif self.opt.cid in ("none",):
                self._offer()
        elif line.state in (LineState.RINGING, LineState.OFFERED):
            self.rings += 1
            if line.state == LineState.RINGING and self.rings >= 2:
                self._offer()        # no caller ID came after the first ring
        self.set_timer(self.opt.ring_timeout_ms, self._caller_gave_up)

    def _offer(self) -> None:
        if not self.offered:
            self.offered = True
            self.line.signal(Signal.OFFER, self.now(), rings=self.rings)

    def _caller_gave_up(self) -> None:
        if self.line.state in (LineState.RINGING, LineState.OFFERED):
            self._remote_hangup("abandoned", Disposition.ABANDONED)

    def _tone(self, name: str) -> None:
        st = self.line.state
        if st in (LineState.DIALING, LineState.PROCEEDING):
            self._cancel_voice()
            if name == "dial" and st == LineState.DIALING:
                self._send_number()
            elif name == "ringback":
                self.heard_ringback = True
                self.line.listener.progress(self.line, "ringing")
            elif name in ("busy", ENGINE_TONE_NAME):
                self._fail(Disposition.BUSY, "busy")
            elif name == "congestion":
                self._fail(Disposition.FAILED, "congestion")
            elif name == "sit":
                self._fail(Disposition.FAILED, "unallocated")
        elif st == LineState.UP and name in ("busy", "congestion", ENGINE_TONE_NAME) and self.opt.busy_tone_disconnect:
            self._remote_hangup("busy_tone")

    def _polarity(self) -> None:
        st = self.line.state
        self.polarity_flips += 1
        if st in (LineState.DIALING, LineState.PROCEEDING) and self.opt.answer_on_polarity:
            self._answered("polarity")
        elif st == LineState.UP and self.opt.polarity_disconnect:
            self._remote_hangup("polarity")

    def _voice(self, ev: VadEvent) -> None:
        self.voice_on = ev.on
        if ev.on:
            self._voice_heard()
        elif ev.length_ms < VOICE_CONFIRM_MS:
            self._cancel_voice()     # a short burst (a click, a tone's first cycle) is not an answer

    def _voice_heard(self) -> None:
        if self.line.state != LineState.PROCEEDING or not self.opt.answer_on_voice:
            return
        if self.tone_on:
            return                   # the energy is the tone being heard, not a person
        self._cancel_voice()
        self.voice_timer = self.ctx.timers.call_later(VOICE_CONFIRM_MS, lambda: self._answered("voice"))

    def _cancel_voice(self) -> None:
        self.ctx.timers.cancel(self.voice_timer)
        self.voice_timer = None

    def _answered(self, how: str) -> None:
        self._cancel_voice()
        if self.line.state in (LineState.DIALING, LineState.PROCEEDING):
            self.cancel_timer()
            self.engine.set_dsp(self.line.chan, self.media_dsp())
            self.line.signal(Signal.REMOTE_ANSWER, self.now(), how=how)

    def _fail(self, disposition: Disposition, cause: str) -> None:
        self._cancel_voice()
        if self.line.call:
            self.line.call.disposition = disposition
            self.line.call.cause = cause
        if self.line.signal(Signal.REMOTE_FAIL, self.now(), cause=cause):
            self._on_hook()

    def _remote_hangup(self, cause: str, disposition: Disposition | None = None) -> None:
        self._cancel_voice()
        self.cancel_timer()
        if self.line.call:
            self.line.call.cause = self.line.call.cause or cause
            if disposition:
                self.line.call.disposition = disposition
        was_up = self.line.state in (LineState.UP, LineState.PROCEEDING, LineState.DIALING)
        if self.line.signal(Signal.REMOTE_HANGUP, self.now(), cause=cause) and was_up:
            self._on_hook()        # we must release the line too

    # ---- actions ---------------------------------------------------------------------
    def answer(self) -> None:
        self.cancel_timer()
        self.engine.hook(self.line.chan, Hook.OFF)
        self.engine.set_dsp(self.line.chan, self.media_dsp())
        self.line.signal(Signal.ANSWER, self.now())

    def hangup(self, cause: str = "normal") -> None:
        if self.line.call and not self.line.call.cause:
            self.line.call.cause = cause
        if self.line.signal(Signal.HANGUP, self.now(), cause=cause):
            self._on_hook()

    def _on_hook(self) -> None:
        self._cancel_voice()
        self.engine.hook(self.line.chan, Hook.ON)
        self.engine.set_dsp(self.line.chan, self._idle_dsp())
        self.set_timer(self.opt.guard_ms, self._settled)

    def _settled(self) -> None:
        self.line.signal(Signal.SETTLED, self.now())

    def dial(self, number: str, caller_id: str = "") -> None:
        self.number = number
        self.heard_ringback = False
        self.polarity_flips = 0
        self.line.signal(Signal.DIAL, self.now(), number=number)
        self.engine.hook(self.line.chan, Hook.OFF)
        self.engine.set_dsp(self.line.chan, Dsp.PROGRESS | Dsp.DTMF | Dsp.VAD)
        self.set_timer(self.opt.dialtone_wait_ms, self._send_number)

    def _send_number(self) -> None:
        if self.line.state == LineState.DIALING:
            self.cancel_timer()
            self.engine.send_dtmf(self.line.chan, self.number, on_ms=80, off_ms=80)

    def flash(self) -> None:
        self.engine.hook(self.line.chan, Hook.FLASH)

    def reset(self) -> None:
        self.engine.set_dsp(self.line.chan, self._idle_dsp())
