"""The far end of each simulated line: the exchange, a phone or a network.

A sim span's channels are wired to far-end engine channels; this module is
what stands at that end. It calls in (ring cadence with caller ID, a phone
that lifts and dials, an ISDN-like SETUP), answers the calls our side makes
according to a number plan (answer after N rings, busy, no answer,
unallocated with SIT, an answering machine, a fax machine), hangs up the way
the configured exchange does (busy tone, loop break, polarity reversal),
and lets tests and the demo press digits, play and record at that end.
"""
from __future__ import annotations

import enum
import fnmatch
import logging
from dataclasses import dataclass
from typing import Any, Callable

from telephonist.chand.engine_clock import EngineTimers
from telephonist.engine import (CidEvent, CidStandard, Dsp, DtmfEvent, DtmfSent, Engine, Event, FaxDone, FaxPage, Hook,
                                HookEvent, PlayDone, RecDone, RingEvent, SigMsg, ToneEvent, VadEvent, format_sigmsg)

log = logging.getLogger(__name__)

CID_STANDARDS = {"bell202": CidStandard.BELL202, "v23": CidStandard.V23, "dtmf": CidStandard.DTMF}


def _media_report(ev: Event) -> tuple[str, dict[str, Any]] | None:
    """What a far end started (sim.play, sim.record, sim.fax, sim.dtmf) or hears, as its `far` event."""
    match ev:
        case PlayDone():
            return "play_done", dict(playback=ev.playback, reason=ev.reason.name.lower(), played_ms=ev.played_ms,
                                     error=ev.error or None)
        case RecDone():
            return "rec_done", dict(recording=ev.recording, reason=ev.reason.name.lower(),
                                    duration_ms=ev.recorded_ms, path=ev.path or None, error=ev.error or None)
        case FaxPage():
            return "fax_page", dict(fax=ev.fax, page=ev.page, bit_rate=ev.bit_rate)
        case FaxDone():
            return "fax_done", dict(fax=ev.fax, code=ev.code, ok=ev.ok, pages=ev.pages, result=ev.result)
        case DtmfSent():
            return "dtmf_sent", dict(id=ev.id)
        case ToneEvent():
            return "tone", dict(tone=ev.tone, on=ev.on)
        case VadEvent():
            return "voice", dict(on=ev.on, length_ms=ev.length_ms)
    return None


@dataclass(frozen=True)
class NumberBehaviour:
    """How the simulated network answers a number our side dials."""
    pattern: str                       # fnmatch pattern: "138*", "4008001234", "*"
    behaviour: str = "answer"          # answer | busy | no_answer | unallocated | congestion | machine | fax
    after_rings: int = 1
    audio: str | None = None           # answer: what the callee says; machine: the greeting
    hangup_after_ms: int = 0           # answer: the callee hangs up after this (0: never)
    busy_first: int = 0                # busy for the first N calls to the number, then the behaviour
    inband: bool = False               # a PRI network: ALERTING with progress indicator 8 and ringback (or `audio`,
                                       # looped) on the channel; a refusal as PROGRESS with its cause and PI 8, the
                                       # busy tone (or `audio`) played until our side clears

    def matches(self, number: str) -> bool:
        return fnmatch.fnmatchcase(number, self.pattern)


class FarState(enum.Enum):
    IDLE = "idle"
    RINGING_OUT = "ringing_out"        # we (the far end) ring our side
    DIALTONE = "dialtone"              # our side seized the line: exchange plays dial tone, collects digits
    ALERTING = "alerting"              # our side's call rings at the far end
    CONNECTED = "connected"
    RINGING_IN = "ringing_in"          # phone: our side rings this phone
    DISCONNECTED = "disconnected"      # far end hung up, our side still on the line


@dataclass
class FarEnd:
    chan: int                          # the far-end engine channel
    near_name: str                     # "pstn/1"
    kind: str                          # exchange | phone | network
    state: FarState = FarState.IDLE
    caller: str = ""
    dialled: str = ""
    digits: str = ""
    rings: int = 0
    timer: int | None = None
    tone_pid: int | None = None
    observer: Callable[["FarEnd", str, dict[str, Any]], None] | None = None
    heard_digits: str = ""
    behaviour: NumberBehaviour | None = None
    auto_answer_rings: int | None = None      # phone: lift after this many rings (None: wait for a command)
    disconnect: str = "busy_tone"             # exchange: busy_tone | open_loop | polarity
    disconnect_wav: str | None = None         # exchange: busy_tone is this recording, looped (a PBX's own tone)
    cid: str = "bell202"
    cid_name: str | None = None               # exchange: the name its caller ID sends
    cid_datetime: str | None = None           # exchange: the date and time its caller ID sends (MMDDHHMM)
    fax_path: str | None = None               # a fax machine answering our call: where it keeps what it got
    owner: str | None = None                  # the application session driving this far end (tests, the demo)
    releases_due: int = 0                     # network: RELEASEs still to come for DISCONNECTs it sent

    @property
    def name(self) -> str:
        return f"{self.near_name}~far"


class SimNetwork:
    """Every far end of every sim span, and the number plan they answer by."""

    RING_ON_MS, RING_OFF_MS = 1000, 4000
    RINGBACK_CYCLE_MS = 5000
    DIGIT_TIMEOUT_MS = 2500
    CID_AFTER_RING_MS = 600

    def __init__(self, engine: Engine, timers: EngineTimers, now_ms: Callable[[], int],
                 numbers: list[NumberBehaviour] | None = None) -> None:
        self.engine = engine
        self.timers = timers
        self.now_ms = now_ms
        self.numbers = list(numbers or [])
        self.by_chan: dict[int, FarEnd] = {}
        self.by_name: dict[str, FarEnd] = {}
        self.calls_to: dict[str, int] = {}   # number -> calls our side made to it

    def add(self, far: FarEnd) -> None:
        self.by_chan[far.chan] = far
        self.by_name[far.name] = far
        self.by_name[far.near_name] = far
        if far.kind == "phone":
            # a caller-ID phone listens on hook: the caller's number, message waiting
            self.engine.set_cid_standard(far.chan, CID_STANDARDS.get(far.cid, CidStandard.BELL202))
            self.engine.set_dsp(far.chan, Dsp.CID)

    def take(self, far: FarEnd, owner: str, observer: Callable[[FarEnd, str, dict[str, Any]], None]) -> None:
        """An application drives this far end from now on and is told what happens at it."""
        far.owner = owner
        far.observer = observer

    def owner_gone(self, owner: str) -> None:
        for far in self.by_chan.values():
            if far.owner == owner:
                far.owner = None
                far.observer = None

    def lookup(self, number: str) -> NumberBehaviour:
        for nb in self.numbers:
            if nb.matches(number):
                return nb
        return NumberBehaviour("*", "answer", 1)

    # ---- helpers ---------------------------------------------------------------------------
    def _notify(self, far: FarEnd, what: str, **data: Any) -> None:
        log.debug("event=far_%s far=%s %s", what, far.name, data)
        if far.observer:
            far.observer(far, what, data)

    def _later(self, far: FarEnd, ms: int, fn: Callable[[], None]) -> None:
        self.timers.cancel(far.timer)
        far.timer = self.timers.call_later(ms, fn)

    def _cancel(self, far: FarEnd) -> None:
        self.timers.cancel(far.timer)
        far.timer = None

    def _tone(self, far: FarEnd, tone: str | None) -> None:
        if far.tone_pid:
            self.engine.play_stop(far.chan, far.tone_pid)
            far.tone_pid = None
        if tone:
            far.tone_pid = self.engine.play(far.chan, [("tone", tone, 0)])

    def _disconnect(self, far: FarEnd, cause: int) -> None:
        """A network far end clears the call; it is free at once, and the RELEASE that follows is
        not taken for the end of a call it may have started since."""
        self.engine.sigmsg(far.chan, format_sigmsg("DISCONNECT", cause=cause))
        far.releases_due += 1

    def _reset(self, far: FarEnd) -> None:
        self._cancel(far)
        self._tone(far, None)
        self.engine.play_stop(far.chan, 0)
        self.engine.record_stop(far.chan, 0)      # the call is over at this end too
        self.engine.set_dsp(far.chan, Dsp.CID if far.kind == "phone" else Dsp.NONE)
        far.state = FarState.IDLE
        far.digits = ""
        far.rings = 0
        far.behaviour = None

    # ---- commands (tests, the demo) ------------------------------------------------------------
    def call(self, far: FarEnd, caller: str, dialled: str = "", cid: str | None = None, complete: bool = True,
             channel: int | None = None, redirecting: str | None = None, redirecting_reason: int = 0) -> None:
        """The far end calls our side. A network's SETUP: complete=False leaves Sending Complete out (overlap sending
        on a PRI span; more digits by info()); channel names another timeslot than its own (a PRI span's far end
        asking for a channel; our side may put the call on another line, and this far end follows it: MOVED);
        redirecting: a network's SETUP for a call forwarded to us (the number it was for, Q.931's reason code)."""
        if far.state != FarState.IDLE:
            raise RuntimeError(f"{far.name} is {far.state.value}")
        far.caller, far.dialled, far.heard_digits = caller, dialled, ""
        far.cid = cid or far.cid
        self.engine.set_dsp(far.chan, Dsp.DTMF)
        if far.kind == "exchange":
            far.state = FarState.RINGING_OUT
            far.rings = 0
            if far.cid == "dtmf" and caller:
                self.engine.send_cid(far.chan, CidStandard.DTMF, number=caller)
                self._later(far, 1500, lambda: self._ring(far))
            else:
                self._ring(far)
        elif far.kind == "network":
            far.state = FarState.RINGING_OUT
            self.engine.sigmsg(far.chan, format_sigmsg("SETUP", calling=caller, called=dialled,
                                                       complete=None if complete else 0, channel=channel,
                                                       redirecting=redirecting,
                                                       redirecting_reason=redirecting_reason if redirecting else None))
        elif far.kind == "phone":
            far.state = FarState.DIALTONE
            self.engine.hook(far.chan, Hook.OFF)
            # dial after a moment of dial tone, as a person would
            self._later(far, 800, lambda: self.engine.send_dtmf(far.chan, dialled or "", 80, 80) if dialled else None)
        self._notify(far, "calling", caller=caller, dialled=dialled)

    def info(self, far: FarEnd, digits: str) -> None:
        """A network far end sends more digits of the number it is calling (overlap sending: INFORMATION)."""
        if far.kind != "network" or far.state != FarState.RINGING_OUT:
            raise RuntimeError(f"{far.name} is not a network far end calling in")
        far.dialled += digits
        self.engine.sigmsg(far.chan, format_sigmsg("INFO", digits=digits))

    def _ring(self, far: FarEnd) -> None:
        if far.state != FarState.RINGING_OUT:
            return
        far.rings += 1
        self.engine.hook(far.chan, Hook.RING_ON)
        self._later(far, self.RING_ON_MS, lambda: self._ring_pause(far))

    def _ring_pause(self, far: FarEnd) -> None:
        if far.state != FarState.RINGING_OUT:
            return
        self.engine.hook(far.chan, Hook.RING_OFF)
        if far.rings == 1 and far.caller and far.cid in ("bell202", "v23"):
            self.timers.call_later(self.CID_AFTER_RING_MS, lambda: self._send_fsk_cid(far))
        self._later(far, self.RING_OFF_MS, lambda: self._ring(far))

    def _send_fsk_cid(self, far: FarEnd) -> None:
        if far.state == FarState.RINGING_OUT:
            self.engine.send_cid(far.chan, CID_STANDARDS[far.cid], number=far.caller,
                                 name=far.cid_name, datetime=far.cid_datetime)

    def hangup(self, far: FarEnd) -> None:
        """The far end hangs up (the caller, the callee, the phone)."""
        st = far.state
        if far.kind == "exchange":
            if st == FarState.RINGING_OUT:
                self.engine.hook(far.chan, Hook.RING_OFF)
                self._reset(far)
            elif st in (FarState.CONNECTED, FarState.ALERTING, FarState.DIALTONE):
                self._cancel(far)
                self.engine.play_stop(far.chan, 0)
                far.state = FarState.DISCONNECTED
                if far.disconnect == "open_loop":
                    self.engine.hook(far.chan, Hook.OPEN_LOOP)
                elif far.disconnect == "polarity":
                    self.engine.hook(far.chan, Hook.POLARITY)
                elif far.disconnect_wav:
                    self._tone(far, None)
                    far.tone_pid = self.engine.play(far.chan, [far.disconnect_wav], loop=True)
                else:
                    self._tone(far, "busy")
        elif far.kind == "network":
            if st != FarState.IDLE:
                self._disconnect(far, 16)
                self._reset(far)
        elif far.kind == "phone":
            self.engine.hook(far.chan, Hook.ON)
            self._reset(far)
        self._notify(far, "hung_up")

    def answer(self, far: FarEnd) -> None:
        """A phone lifts (our side rings it) or the callee of our outbound call answers."""
        if far.kind == "phone" and far.state == FarState.RINGING_IN:
            self.engine.hook(far.chan, Hook.OFF)
            self._connected(far)
        elif far.state == FarState.ALERTING:
            self._answer_outbound(far)

    def _connected(self, far: FarEnd) -> None:
        self._cancel(far)
        self._tone(far, None)
        far.state = FarState.CONNECTED
        self.engine.set_dsp(far.chan, Dsp.DTMF)
        self._notify(far, "connected")

    # ---- engine events at the far end -----------------------------------------------------------
    def on_event(self, far: FarEnd, ev: Event) -> None:
        st = far.state
        if isinstance(ev, HookEvent):
            self._near_hook(far, ev.state)
        elif isinstance(ev, RingEvent) and far.kind == "phone":
            if ev.on and st in (FarState.IDLE, FarState.RINGING_IN):
                far.state = FarState.RINGING_IN
                far.rings += 1
                self._notify(far, "ringing", rings=far.rings)
                if far.auto_answer_rings and far.rings >= far.auto_answer_rings:
                    self.answer(far)
        elif isinstance(ev, SigMsg):
            self._message(far, ev)
        elif isinstance(ev, DtmfEvent):
            far.heard_digits += ev.digit
            if st == FarState.DIALTONE and far.kind == "exchange":
                self._tone(far, None)
                far.digits += ev.digit
                self._later(far, self.DIGIT_TIMEOUT_MS, lambda: self._number_complete(far))
            self._notify(far, "dtmf", digit=ev.digit, duration_ms=ev.duration_ms)
        elif isinstance(ev, CidEvent):
            self._notify(far, "cid", fields=ev.fields, text=";".join(f"{k}={v}" for k, v in ev.fields.items()))
        elif (report := _media_report(ev)) is not None:
            what, data = report
            self._notify(far, what, **data)

    def _near_hook(self, far: FarEnd, state: int) -> None:
        st = far.state
        if state == Hook.OFF:
            if far.kind == "exchange" and st == FarState.RINGING_OUT:
                self._connected(far)          # our side answered the call we rang in
            elif far.kind == "exchange" and st == FarState.IDLE:
                far.state = FarState.DIALTONE  # our side seized the line to dial out
                far.digits = ""
                self.engine.set_dsp(far.chan, Dsp.DTMF)
                self._tone(far, "dial")
                self._notify(far, "seized")
        elif state == Hook.ON:
            if far.kind == "exchange" and st != FarState.IDLE and st != FarState.RINGING_OUT:
                self._reset(far)
                self._notify(far, "released")
            elif far.kind == "phone" and st in (FarState.RINGING_IN,):
                far.state = FarState.IDLE      # our side stopped ringing the phone
                far.rings = 0
        elif state == Hook.FLASH:
            self._notify(far, "flash")

    def _message(self, far: FarEnd, msg: SigMsg) -> None:
        kind, f = msg.kind, msg.fields
        self._notify(far, "sigmsg", message=kind, fields=dict(f))      # what the network end was told, as it was
        if kind == "MOVED":
            self._moved(far, int(f.get("chan", "-1") or -1))
            return
        if kind == "CONNECT" and far.state == FarState.RINGING_OUT:
            self._connected(far)
        elif kind == "ALERTING":
            self._notify(far, "alerting")
        elif kind == "SETUP" and far.state == FarState.IDLE:
            far.digits = f.get("called", "")
            far.caller = f.get("calling", "")
            if f.get("complete") == "0":
                # overlap sending (a PRI span): acknowledge, take digits until none came for a while
                far.state = FarState.DIALTONE
                self.engine.sigmsg(far.chan, "SETUP_ACK")
                self._later(far, self.DIGIT_TIMEOUT_MS, lambda: self._number_complete(far))
            else:
                self._number_complete(far)
        elif kind == "INFO" and far.state == FarState.DIALTONE:
            far.digits += f.get("digits", "")
            self._later(far, self.DIGIT_TIMEOUT_MS, lambda: self._number_complete(far))
        elif kind == "DISCONNECT":
            self.engine.sigmsg(far.chan, "RELEASE")
            self._reset(far)
            self._notify(far, "released", cause=f.get("cause"))
        elif kind == "RELEASE" and far.releases_due:
            far.releases_due -= 1        # the end of a call this far end cleared: it is idle already
        elif kind == "RELEASE":
            self._reset(far)

    def _moved(self, far: FarEnd, chan: int) -> None:
        """The call this far end placed was answered on another channel (PRI): the far end of that line carries it
        on, with its owner; this one is idle."""
        other = self.by_chan.get(chan)
        if other is None or other.state != FarState.IDLE:
            log.warning("event=far_move_refused far=%s chan=%s", far.name, chan)
            return
        other.state, other.caller, other.dialled, other.heard_digits = far.state, far.caller, far.dialled, ""
        other.owner, other.observer = far.owner, far.observer
        self.engine.set_dsp(other.chan, Dsp.DTMF)
        self._reset(far)
        self._notify(other, "moved", previous=far.name)

    # ---- our side's outbound call arriving at the far end ------------------------------------------
    def _number_complete(self, far: FarEnd) -> None:
        number = far.digits
        nb = self.lookup(number)
        far.behaviour = nb
        far.dialled = number
        self.calls_to[number] = self.calls_to.get(number, 0) + 1
        b = "busy" if self.calls_to[number] <= nb.busy_first else nb.behaviour
        self._notify(far, "dialled", number=number, behaviour=b)
        if b == "busy":
            self._refuse(far, "busy", 17)
        elif b == "congestion":
            self._refuse(far, "congestion", 34)
        elif b == "unallocated":
            if far.kind == "network":
                self._refuse(far, None, 1)
            else:
                far.state = FarState.ALERTING
                self._tone(far, "sit")
        else:
            far.state = FarState.ALERTING
            far.rings = 0
            if far.kind == "network" and nb.inband:
                self.engine.sigmsg(far.chan, "ALERTING inband=1")
                self._inband(far, nb, "ringback")
            elif far.kind == "network":
                self.engine.sigmsg(far.chan, "ALERTING")
            else:
                self._tone(far, "ringback")
            if b != "no_answer":
                self._later(far, max(1, nb.after_rings) * self.RINGBACK_CYCLE_MS - 4000,
                            lambda: self._answer_outbound(far))

    def _refuse(self, far: FarEnd, tone: str | None, cause: int) -> None:
        nb = far.behaviour
        if far.kind == "network" and nb is not None and nb.inband:
            # an exchange announcing why (Asterisk's in-band busy): PROGRESS with the cause and progress indicator 8,
            # the tone or announcement on the channel until our side clears
            far.state = FarState.ALERTING
            self.engine.sigmsg(far.chan, format_sigmsg("PROGRESS", cause=cause))
            self._inband(far, nb, tone or "busy")
        elif far.kind == "network":
            self._disconnect(far, cause)
            self._reset(far)
        else:
            far.state = FarState.ALERTING
            self._tone(far, tone)

    def _inband(self, far: FarEnd, nb: NumberBehaviour, tone: str) -> None:
        """What a PRI network far end plays before any answer (in-band information): the number's recording, else
        the zone's tone, looped."""
        self._tone(far, None)
        if nb.audio:
            far.tone_pid = self.engine.play(far.chan, [nb.audio], loop=True)
        else:
            self._tone(far, tone)
        self._notify(far, "inband", tone=tone if not nb.audio else None)

    def _answer_outbound(self, far: FarEnd) -> None:
        if far.state != FarState.ALERTING:
            return
        nb = far.behaviour or NumberBehaviour("*")
        self._tone(far, None)
        if far.kind == "network":
            self.engine.sigmsg(far.chan, "CONNECT")
        elif far.disconnect == "polarity":
            # a line with the reversal service: the loop reverses when the callee answers and back
            # when the call ends (so the line can tell answer without hearing a voice)
            self.engine.hook(far.chan, Hook.POLARITY)
        far.state = FarState.CONNECTED
        self.engine.set_dsp(far.chan, Dsp.DTMF)
        if nb.behaviour == "machine":
            items: list[Any] = [nb.audio] if nb.audio else [("silence", 100)]
            self.engine.play(far.chan, items + [("tone", "beep", 500)] if "beep" in self._zone_tones() else items)
        elif nb.behaviour == "fax":
            # a fax machine: answers with CED and receives whatever our side sends
            import tempfile
            path = tempfile.mktemp(prefix=f"telephonist-simfax-{far.dialled}-", suffix=".tif")
            far.fax_path = path
            self.engine.fax(far.chan, path, send=False, calling=False)
        elif nb.audio:
            self.engine.play(far.chan, [nb.audio])
        if nb.hangup_after_ms:
            self._later(far, nb.hangup_after_ms, lambda: self.hangup(far))
        self._notify(far, "answered", behaviour=nb.behaviour)

    def _zone_tones(self) -> set[str]:
        zone = next(iter(self.engine.zones.values()), None)
        return set(zone.tones) if zone else set()
