"""The Python face of the C media engine.

This is the only module that imports the cffi module (`telephonist._engine`);
everything else sees `Engine`, the enums below and the typed events of
`telephonist.engine_events` (re-exported here). Every command returns at once
(the media thread applies it at its next tick); results and everything the
lines do come back as events read from one file descriptor, each decoded here
once into its own record.
"""
from __future__ import annotations

import contextlib
import enum
import itertools
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from telephonist._engine import ffi
from telephonist._engine import lib as _raw_lib
from telephonist.engine_events import (AlarmEvent, AmdEvent, CasEvent, CidEvent, CidSent, DtmfBegin, DtmfEvent, DtmfSent,
                                       ErrorEvent, Event, FaxDone, FaxPage, FaxTone, HookEvent, Overrun, PlayDone,
                                       Polarity, RecDone, RingEvent, SigMsg, Stopped, Timer, ToneEvent, VadEvent,
                                       cid_fields, format_sigmsg, parse_sigmsg)

__all__ = [
    "Engine", "EngineError", "Codec", "Kind", "Hook", "Dsp", "CidStandard", "Vmwi", "RecMode", "ConfRole",
    "EndReason", "Clock", "MAX_RECORDINGS", "SipParams", "RtpStats", "load_tone_zones", "decode_event",
    "Event", "HookEvent", "RingEvent", "DtmfBegin", "DtmfEvent", "ToneEvent", "VadEvent", "CidEvent", "PlayDone",
    "RecDone", "DtmfSent", "CidSent", "FaxPage", "FaxDone", "FaxTone", "Timer", "CasEvent", "AlarmEvent", "SigMsg",
    "Polarity", "ErrorEvent", "Overrun", "Stopped", "AmdEvent", "AMD_DEFAULTS", "cid_fields", "parse_sigmsg",
    "format_sigmsg",
]



def _pri_options(overlap: bool, channel: str, inband_disconnect: bool = False) -> str:
    return f"overlap={int(bool(overlap))} channel={channel} inband_disconnect={int(bool(inband_disconnect))}"

class EngineError(Exception):
    """A command the engine refused; `code` is one of the ENG_E* values."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class _Lib:
    """The cffi module's `lib`, with every eng_* function that takes numbers wrapped so that a number
    its C type cannot hold (an int beyond 32 bits, a float, None) is refused as the engine refuses
    a value out of range: EngineError(ENG_EINVAL), not cffi's OverflowError or TypeError. Constants
    and pointer-only functions (eng_now_ms, read per event) are the module's own."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._raw, name)
        if name.startswith("eng_") and callable(value) and any(
                a.kind == "primitive" for a in ffi.typeof(value).args):
            value = _refusing_bad_numbers(name, value)
        setattr(self, name, value)          # looked up once
        return value


def _refusing_bad_numbers(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    what = name.removeprefix("eng_").replace("_", " ")

    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except (OverflowError, TypeError) as exc:
            raise EngineError(_raw_lib.ENG_EINVAL, f"{what}: invalid argument ({exc})") from None
    call.__name__ = name
    return call


if TYPE_CHECKING:
    from telephonist._engine import _CData
    lib = _raw_lib              # checked against telephonist/_engine.pyi
else:
    lib = _Lib(_raw_lib)


class Codec(enum.IntEnum):
    ALAW = lib.ENG_CODEC_ALAW
    ULAW = lib.ENG_CODEC_ULAW
    LINEAR = lib.ENG_CODEC_LINEAR


class Kind(enum.IntEnum):
    FXO = lib.ENG_KIND_FXO
    FXS = lib.ENG_KIND_FXS
    E1 = lib.ENG_KIND_E1
    FAR = lib.ENG_KIND_FAR


class Hook(enum.IntEnum):
    ON = lib.ENG_HOOK_ON
    OFF = lib.ENG_HOOK_OFF
    RING_ON = lib.ENG_HOOK_RING_ON
    RING_OFF = lib.ENG_HOOK_RING_OFF
    FLASH = lib.ENG_HOOK_FLASH
    POLARITY = lib.ENG_HOOK_POLARITY
    OPEN_LOOP = lib.ENG_HOOK_OPEN_LOOP


class Dsp(enum.IntFlag):
    NONE = 0
    DTMF = lib.ENG_DSP_DTMF
    PROGRESS = lib.ENG_DSP_PROGRESS
    CID = lib.ENG_DSP_CID
    VAD = lib.ENG_DSP_VAD
    FAXTONE = lib.ENG_DSP_FAXTONE


class CidStandard(enum.IntEnum):
    BELL202 = lib.ENG_CID_BELL202
    V23 = lib.ENG_CID_V23
    DTMF = lib.ENG_CID_DTMF


class Vmwi(enum.IntFlag):
    """A card's own message-waiting indicator on a phone port (DAHDI's VMWI types)."""
    LINE_REVERSAL = lib.ENG_VMWI_LREV
    HIGH_VOLTAGE_DC = lib.ENG_VMWI_HVDC
    NEON = lib.ENG_VMWI_HVAC


class RecMode(enum.IntEnum):
    RX = lib.ENG_REC_RX
    TX = lib.ENG_REC_TX
    MIX = lib.ENG_REC_MIX
    STEREO = lib.ENG_REC_STEREO


# Recordings one channel runs side by side; Engine.record refuses one more (EngineError, ENG_EBUSY).
MAX_RECORDINGS: int = lib.ENG_MAX_RECORDINGS


class ConfRole(enum.IntEnum):
    SPEAK = lib.ENG_CONF_SPEAK
    LISTEN = lib.ENG_CONF_LISTEN
    WHISPER = lib.ENG_CONF_WHISPER


class EndReason(enum.IntEnum):
    DONE = lib.ENG_END_DONE
    STOPPED = lib.ENG_END_STOPPED
    DTMF = lib.ENG_END_DTMF
    HANGUP = lib.ENG_END_HANGUP
    ERROR = lib.ENG_END_ERROR
    MAXTIME = lib.ENG_END_MAXTIME
    SILENCE = lib.ENG_END_SILENCE


class Clock(enum.IntEnum):
    REALTIME = lib.ENG_CLOCK_REALTIME
    FAST = lib.ENG_CLOCK_FAST
    LOCKSTEP = lib.ENG_CLOCK_LOCKSTEP


def _amd_defaults() -> dict[str, int]:
    p = ffi.new("eng_amd_params_t *")
    lib.eng_amd_defaults(p)
    return {name: getattr(p, name) for name, _ in ffi.typeof("eng_amd_params_t").fields}


AMD_DEFAULTS: dict[str, int] = _amd_defaults()      # answering-machine detection's settings (csrc/amd.c)


# ---- events: each C event decoded once into its record (telephonist/engine_events.py) ----------------------

def _text(raw: Any) -> str:
    return ffi.string(raw.text).decode("utf-8", "replace")


def _rec_done(ch: int, t: int, r: Any) -> RecDone:
    reason, text = EndReason(r.a), _text(r)
    return RecDone(ch, t, r.id, reason, r.b, "" if reason == EndReason.ERROR else text,
                   text if reason == EndReason.ERROR else "")


def _fax_done(ch: int, t: int, r: Any) -> FaxDone:
    text = _text(r)
    # a T.30 end carries "result;remote ident"; an end the engine made carries only why (which may hold a ';')
    result, _, remote = text.partition(";") if r.a >= 0 else (text, "", "")
    return FaxDone(ch, t, r.id, r.a, r.b, r.c, bool(r.d), result, remote)


def _amd(ch: int, t: int, r: Any) -> AmdEvent:
    result, _, cause = _text(r).partition(";")
    return AmdEvent(ch, t, r.id, result, cause, r.c, r.d)


def _sigmsg(ch: int, t: int, r: Any) -> SigMsg:
    kind, fields = parse_sigmsg(_text(r))
    return SigMsg(ch, t, kind, fields)


_DECODE: dict[int, Callable[[int, int, Any], Event]] = {
    lib.EV_HOOK: lambda ch, t, r: HookEvent(ch, t, Hook(r.a)),
    lib.EV_RING: lambda ch, t, r: RingEvent(ch, t, bool(r.a)),
    lib.EV_DTMF: lambda ch, t, r: DtmfEvent(ch, t, _text(r), r.a, r.b),
    lib.EV_DTMF_BEGIN: lambda ch, t, r: DtmfBegin(ch, t, _text(r)),
    lib.EV_TONE: lambda ch, t, r: ToneEvent(ch, t, _text(r), bool(r.a)),
    lib.EV_VAD: lambda ch, t, r: VadEvent(ch, t, bool(r.a), r.b),
    lib.EV_CID: lambda ch, t, r: CidEvent(ch, t, CidStandard(r.a), cid_fields(_text(r))),
    lib.EV_PLAY_DONE: lambda ch, t, r: PlayDone(ch, t, r.id, EndReason(r.a), r.b, _text(r)),
    lib.EV_REC_DONE: _rec_done,
    lib.EV_DTMF_SENT: lambda ch, t, r: DtmfSent(ch, t, r.id, EndReason(r.a)),
    lib.EV_CID_SENT: lambda ch, t, r: CidSent(ch, t, r.id, EndReason(r.a), _text(r)),
    lib.EV_FAX_PAGE: lambda ch, t, r: FaxPage(ch, t, r.id, r.a, r.b),
    lib.EV_FAX_DONE: _fax_done,
    lib.EV_FAXTONE: lambda ch, t, r: FaxTone(ch, t, _text(r)),
    lib.EV_TIMER: lambda ch, t, r: Timer(ch, t, r.id),
    lib.EV_CAS: lambda ch, t, r: CasEvent(ch, t, r.a),
    lib.EV_ALARM: lambda ch, t, r: AlarmEvent(ch, t, -ch, r.a, _text(r)),
    lib.EV_SIGMSG: _sigmsg,
    lib.EV_POLARITY: lambda ch, t, r: Polarity(ch, t),
    lib.EV_ERROR: lambda ch, t, r: ErrorEvent(ch, t, r.id, r.a, _text(r)),
    lib.EV_OVERRUN: lambda ch, t, r: Overrun(ch, t, r.a),
    lib.EV_STOPPED: lambda ch, t, r: Stopped(ch, t),
    lib.EV_AMD: _amd,
}


def decode_event(raw: Any) -> Event:
    """One eng_event_t as its record. An event this module cannot read (a type or a value it does not
    know) becomes an ErrorEvent saying so rather than an exception in whoever reads events."""
    decode = _DECODE.get(raw.type)
    try:
        if decode is not None:
            return decode(raw.chan, raw.time_ms, raw)
    except ValueError as exc:
        return ErrorEvent(raw.chan, raw.time_ms, raw.id, lib.ENG_EINVAL,
                          f"engine event of type {raw.type} not understood: {exc}")
    return ErrorEvent(raw.chan, raw.time_ms, raw.id, lib.ENG_EINVAL, f"engine event of unknown type {raw.type}")


@dataclass(frozen=True, slots=True)
class EngineStats:
    ticks: int
    time_ms: int
    late_ticks: int
    work_ns_total: int
    work_ns_max: int
    events_dropped: int
    channels: int
    active_channels: int
    fax_frames_late: int      # real time: fax frames the fax worker did not answer within their budget
    fax_lag_max: int          # most frames a fax session's worker was behind the line
    wake_ns_max: int          # real time: most a tick started after it was due
    deadline_misses: int      # real time: ticks that ended more than a frame period after they were due


@dataclass(frozen=True, slots=True)
class DahdiChanInfo:
    """A DAHDI channel behind an engine channel, and the driver's counters for it."""
    channo: int
    spanno: int
    sigtype: int
    signalling: str          # as system.conf spells it: "fxsks", "fxoks", "e&m", "cas" ...
    rx_underruns: int
    rx_dropped_bytes: int
    tx_dropped_bytes: int
    events: int


@dataclass(frozen=True, slots=True)
class SpanStatus:
    """DAHDI_SPANSTAT of one DAHDI span: alarms and line error counters."""
    spanno: int
    alarms: int
    alarm_text: str
    name: str
    desc: str
    numchans: int
    totalchans: int
    syncsrc: int
    irqmisses: int
    bpvcount: int
    crc4count: int
    ebitcount: int
    fascount: int
    fecount: int
    cvcount: int
    becount: int
    errsec: int
    spantype: str = ""
    lineconfig: str = ""         # "ccs,hdb3,crc4"; "" for analog spans
    lboname: str = ""
    location: str = ""
    manufacturer: str = ""
    devicetype: str = ""
    lbo: int = 0
    irq: int = 0
    totalspans: int = 0


@dataclass(frozen=True, slots=True)
class DahdiParams:
    """One DAHDI channel as the kernel describes it (DAHDI_GET_PARAMS), configured or not."""
    channo: int
    spanno: int
    chanpos: int
    name: str
    signalling: str          # configured, as system.conf spells it; "" = not configured
    caps: tuple[str, ...]    # signalling the port can take
    sigtype: int
    sigcap: int
    rx_off_hook: bool
    rxbits: int
    txbits: int
    alaw: bool
    chan_alarms: int


@dataclass(frozen=True, slots=True)
class SipParams:
    """A sip span's settings as the engine takes them (eng_sip_params_t); "" leaves a setting out."""
    bind: str                   # where SIP listens, "host:port"
    rtp_host: str               # the IPv4 address RTP binds to and the SDP gives
    rtp_port: int               # line i's RTP port is rtp_port + 2i (even), RTCP the next
    peer: str = ""              # the trunk's far end for outbound calls, "host:port"
    from_user: str = ""
    username: str = ""
    password: str = ""
    registrar: str = ""         # "host:port" to register with
    jitter_min_ms: int = 0      # 0, 0: 20 to 200 ms
    jitter_max_ms: int = 0
    phones: tuple[tuple[str, str], ...] = ()   # a span of phones: line i is (extension, password) i
    realm: str = ""             # their digest realm ("": "telephonist")
    ban_failures: int = 0       # failed authentications from one address within ban_window_s ... (0: 5)
    ban_window_s: int = 0       # (0: 60)
    ban_s: int = 0              # ... refuse it this long (0: 600)
    register_retry_s: int = 0   # a failed REGISTER is tried again after this, doubling up to 300 s (0: 30)
    session_expires_s: int = 0  # RFC 4028 session interval asked for and accepted (0: no session timers)
    min_se_s: int = 0           # the shortest session interval accepted (0: 90)
    refresher: int = 0          # who refreshes: 0 either (as negotiated), 1 us, 2 the far end (ENG_SIP_REFRESHER_*)
    tls_bind: str = ""          # "host:port" where SIP over TLS is taken too ("": none)
    tls_cert_dir: str = ""      # its certificate: agent.pem (key and certificate), cafile.pem
    tls_only: bool = False      # a span of phones: a REGISTER or INVITE not over TLS is refused (403)
    srtp: int = 0               # ENG_SIP_SRTP_*: 0 off, 1 optional, 2 mandatory (SDES, RFC 4568)
    srtp_without_tls: bool = False   # SDES keys may travel in SDP over UDP/TCP signalling too
    dtmf: int = 0               # ENG_SIP_DTMF_*: how digits are sent: 0 RFC 4733, 1 SIP INFO, 2 in-band tones
    transport: int = 0          # ENG_SIP_TRANSPORT_*: the peer and registrar over 0 UDP, 1 TCP, 2 TLS
    tls_verify: bool = True     # TLS connections we open check the far end's certificate (cafile.pem, its name)
    t38: int = 0                # ENG_SIP_T38_*: T.38 fax: 0 off (488 to m=image), 1 accept, 2 on (a fax receive asks)
    t38_gateway_cng: bool = False   # a bridge's T.38 gateway (t38 on) also asks when the audio line brings CNG
    symmetric_rtp: bool = True  # RTP to where the far end's comes from (latched after a few packets)
    nat_keepalive_s: int = 0    # a span of phones: OPTIONS to phones behind NAT this often (0: none)
    outbound_proxy: str = ""    # a SIP URI every request we start goes through ("": none)
    trusted: tuple[str, ...] = ()   # a trunk: the networks ("a.b.c.d/n") INVITEs are taken from (empty: any)


@dataclass(frozen=True, slots=True)
class RtpStats:
    """What RTP and RTCP say of a sip line's current (or last) call."""
    local_port: int
    remote: str                 # "addr:port" the SDP gave
    payload_type: int
    rx_packets: int
    tx_packets: int
    rx_lost: int
    rx_late: int
    rx_dtmf: int
    tx_dtmf: int
    jitter_ms: int
    buffer_ms: int
    buffer_max_ms: int
    remote_jitter_ms: int       # -1: no report from the far end yet
    remote_loss_pct: int
    rtt_ms: int                 # -1: not measured
    rtcp_rx: int
    rtcp_tx: int
    srtp: str = ""              # the SRTP suite ("AES_CM_128_HMAC_SHA1_80" ...), "": plain RTP
    rx_refused: int = 0         # SRTP packets that failed their authentication
    t38: bool = False           # the call carries T.38 (UDPTL) now: rx/tx_packets count its datagrams
    t38_rx_ifp: int = 0         # T.38 IFP packets taken ...
    t38_tx_ifp: int = 0         # ... and sent
    t38_recovered: int = 0      # IFP packets rebuilt from a later datagram's redundancy
    t38_gateway: bool = False   # a bridge's T.38 gateway ran in this call (csrc/t38_gw.c) ...
    t38_gateway_pages: int = 0  # ... with these figures so far: pages through,
    t38_gateway_bit_rate: int = 0   # the image bit rate,
    t38_gateway_ecm: bool = False   # and ECM
    latched: str = ""           # symmetric RTP: "addr:port" the far end's packets come from, once latched
    rx_foreign: int = 0         # packets from another address than the latched one (dropped)


SRTP_SUITES = {0: "", 1: "AES_CM_128_HMAC_SHA1_80", 2: "AES_CM_128_HMAC_SHA1_32"}


@dataclass(frozen=True, slots=True)
class ToneZone:
    name: str
    index: int
    level: int
    tones: dict[str, list[tuple[int, int, int]]]
    detect: frozenset[str]


def load_tone_zones(path: str | None = None) -> list[ToneZone]:
    """Read the tone-zone table (the packaged one unless a path is given)."""
    if path is None:
        data = resources.files("telephonist").joinpath("data/tonezones.toml").read_bytes()
    else:
        with open(path, "rb") as f:
            data = f.read()
    doc = tomllib.loads(data.decode("utf-8"))
    zones = []
    for index, (name, body) in enumerate(doc.get("zones", {}).items()):
        level = int(body.get("level", -10))
        detect = frozenset(body.get("detect", ["dial", "ringback", "busy", "congestion", "sit"]))
        tones = {k: [tuple(seg) for seg in v] for k, v in body.items() if k not in ("level", "detect")}
        zones.append(ToneZone(name, index, level, tones, detect))
    return zones


def _check(rc: int, what: str, engine: "Engine") -> int:
    if rc < 0:
        detail = ffi.string(lib.eng_last_error(engine._h)).decode("utf-8", "replace")
        names = {
            lib.ENG_EINVAL: "invalid argument", lib.ENG_ENOCHAN: "no such channel",
            lib.ENG_ENOENT: "file not found", lib.ENG_EFORMAT: "unsupported format",
            lib.ENG_EIO: "I/O error", lib.ENG_ENOMEM: "out of memory", lib.ENG_EBUSY: "busy",
            lib.ENG_ESTATE: "not possible now", lib.ENG_ESYS: "system error",
        }
        reason = names.get(rc, f"error {rc}")
        raise EngineError(rc, f"{what}: {reason}" + (f" ({detail})" if detail else ""))
    return rc


def _bench(ns: float, what: str) -> float:
    if ns < 0:
        raise EngineError(lib.ENG_EINVAL, f"{what}: arguments out of range")
    return ns


def _b(s: str | None) -> bytes | _CData:
    return ffi.NULL if s is None else s.encode("utf-8")


class Engine:
    """One media engine: spans, channels, a media thread, an event descriptor."""

    EVENT_BATCH = 512

    def __init__(self, frame_ms: int = 20, max_channels: int = 4096,
                 tone_zones: str | None = None) -> None:
        e = lib.eng_new(frame_ms * 8, max_channels)
        if e == ffi.NULL:
            raise EngineError(lib.ENG_EINVAL, f"cannot create an engine with {frame_ms} ms frames")
        self._e: _CData | None = ffi.gc(e, lib.eng_free)
        self._hvbuf = ffi.new("eng_event_t[]", self.EVENT_BATCH)
        self._ids = itertools.count(1)
        self.frame_ms = frame_ms
        self.zones: dict[str, ToneZone] = {}
        for zone in load_tone_zones(tone_zones):
            for tone, segs in zone.tones.items():
                flat = ffi.new("int[]", [v for seg in segs for v in seg])
                _check(lib.eng_zone_tone(self._h, zone.index, tone.encode(), zone.level, flat, len(segs),
                                         int(tone in zone.detect)),
                       f"tone zone {zone.name}: tone {tone}", self)
            _check(lib.eng_zone_commit(self._h, zone.index), f"tone zone {zone.name}", self)
            self.zones[zone.name] = zone
        self.running = False
        self._pending_release = False

    # ---- ids -----------------------------------------------------------------
    def new_id(self) -> int:
        """A fresh id for a playback, recording, timer or fax session."""
        return next(self._ids) & 0x7FFFFFFF or next(self._ids)

    def zone_index(self, name: str) -> int:
        try:
            return self.zones[name].index
        except KeyError:
            raise EngineError(lib.ENG_EINVAL, f"unknown tone zone {name!r}; known: {sorted(self.zones)}") from None

    # ---- life ------------------------------------------------------------------
    def start(self, clock: Clock = Clock.REALTIME, speed: float = 0.0) -> None:
        self.set_clock(clock, speed)
        _check(lib.eng_start(self._h), "start", self)
        self.running = True

    def stop(self) -> None:
        lib.eng_stop(self._h)
        self.running = False

    @property
    def _h(self) -> _CData:
        """The C engine; EngineError once closed (a released pointer must never reach C)."""
        if self._e is None:
            raise EngineError(lib.ENG_ESTATE, "the engine is closed")
        return self._e

    def close(self) -> None:
        if self._e is not None:
            self.stop()
            ffi.release(self._e)      # runs eng_free now rather than at collection
            self._e = None

    def set_clock(self, clock: Clock, speed: float = 0.0) -> None:
        _check(lib.eng_set_clock(self._h, int(clock), float(speed)), "set clock", self)

    def set_realtime(self, priority: int) -> None:
        """SCHED_FIFO `priority` for the media thread (the fax worker one below); 0: normal scheduling.

        For a real-time clock on a machine shared with other work; needs root, CAP_SYS_NICE or
        `ulimit -r`. Each thread applies it at its next turn (an ERROR event if the system refuses)."""
        _check(lib.eng_set_realtime(self._h, int(priority)), "real-time priority", self)

    def run_ticks(self, n: int) -> None:
        """Advance the clock by n frames in the caller's thread (engine not started)."""
        _check(lib.eng_run_ticks(self._h, n), "run ticks", self)

    def fileno(self) -> int:
        return lib.eng_event_fd(self._h)

    def read_events(self) -> list[Event]:
        """Every event queued so far. In lockstep the clock then waits for release()."""
        out: list[Event] = []
        taken = 0
        while True:
            n = lib.eng_read_events(self._h, self._hvbuf, self.EVENT_BATCH)
            if n:
                taken += 1      # in lockstep each non-empty read holds the clock once
            for i in range(n):
                out.append(decode_event(self._hvbuf[i]))
            if n < self.EVENT_BATCH:
                break
        if taken:
            # keep exactly one hold outstanding until release()
            for _ in range(taken - (0 if self._pending_release else 1)):
                lib.eng_release(self._h)
            self._pending_release = True
        return out

    @contextlib.contextmanager
    def clock_held(self) -> Iterator[None]:
        """Lockstep: the clock stands still inside (after the tick in progress), so that what is done
        there (a control-API command and its effects) happens at one engine time."""
        self.hold()
        try:
            yield
        finally:
            self.unhold()

    def hold(self) -> None:
        """Lockstep: the clock stands still (after the tick in progress) until the matching unhold();
        holds nest. Nothing on the other clocks."""
        lib.eng_hold(self._h)

    def unhold(self) -> None:
        lib.eng_release(self._h)

    def release(self) -> None:
        """Lockstep: the events read so far have been handled; the clock may go on."""
        if self._pending_release:
            self._pending_release = False
            lib.eng_release(self._h)

    @property
    def now_ms(self) -> int:
        return lib.eng_now_ms(self._h)

    def stats(self) -> EngineStats:
        st = ffi.new("eng_stats_t *")
        lib.eng_get_stats(self._h, st)
        return EngineStats(st.ticks, st.time_ms, st.late_ticks, st.work_ns_total, st.work_ns_max,
                           st.events_dropped, st.channels, st.active_channels, st.fax_frames_late, st.fax_lag_max,
                           st.wake_ns_max, st.deadline_misses)

    def reset_stats(self) -> None:
        lib.eng_reset_stats(self._h)

    # ---- spans ---------------------------------------------------------------------
    def add_sim_span(self, kind: Kind, nchans: int, codec: Codec = Codec.ALAW, zone: str = "cn") -> list[int]:
        first = _check(lib.eng_sim_span(self._h, int(kind), nchans, int(codec), self.zone_index(zone)),
                       "sim span", self)
        return list(range(first, first + nchans))

    def add_sip_span(self, params: SipParams, nchans: int, codec: Codec = Codec.ALAW, zone: str = "cn") -> list[int]:
        """A SIP trunk (sofia-sip in the engine) whose lines take the sim E1's messages; returns channel ids."""
        p = ffi.new("eng_sip_params_t *")
        for name in ("bind", "peer", "rtp_host", "from_user", "username", "password", "registrar", "realm", "tls_bind",
                     "tls_cert_dir", "outbound_proxy"):
            raw = getattr(params, name).encode("utf-8")
            if len(raw) >= len(getattr(p, name)):
                raise EngineError(lib.ENG_EINVAL, f"sip span: {name} is longer than {len(getattr(p, name)) - 1} bytes")
            setattr(p, name, raw)
        p.rtp_port, p.jitter_min_ms, p.jitter_max_ms = params.rtp_port, params.jitter_min_ms, params.jitter_max_ms
        p.ban_failures, p.ban_window_s, p.ban_s = params.ban_failures, params.ban_window_s, params.ban_s
        p.register_retry_s = params.register_retry_s
        p.session_expires_s, p.min_se_s, p.refresher = params.session_expires_s, params.min_se_s, params.refresher
        p.tls_only = int(params.tls_only)
        p.srtp, p.srtp_without_tls, p.dtmf = params.srtp, int(params.srtp_without_tls), params.dtmf
        p.transport, p.tls_verify = params.transport, int(params.tls_verify)
        p.t38, p.t38_gateway_cng = params.t38, int(params.t38_gateway_cng)
        p.symmetric_rtp, p.nat_keepalive_s = int(params.symmetric_rtp), params.nat_keepalive_s
        trusted = ffi.new("char[]", "".join(f"{net}\n" for net in params.trusted).encode("utf-8"))
        p.trusted = trusted if params.trusted else ffi.NULL
        for user, password in params.phones:
            if not user or any(c.isspace() for c in user) or "\n" in password or "\r" in password:
                raise EngineError(lib.ENG_EINVAL, f"sip span: phone {user!r}: a user without spaces, a password "
                                                  "on one line")
        phones = ffi.new("char[]", "".join(f"{u} {pw}\n" for u, pw in params.phones).encode("utf-8"))
        p.phones = phones if params.phones else ffi.NULL
        first = _check(lib.eng_sip_span(self._h, p, nchans, int(codec), self.zone_index(zone)), "sip span", self)
        return list(range(first, first + nchans))

    def rtp_stats(self, chan: int) -> RtpStats:
        st = ffi.new("eng_rtp_stats_t *")
        _check(lib.eng_sip_rtp_stats(self._h, chan, st), f"rtp stats of channel {chan}", self)
        remote = ffi.string(st.remote_addr).decode()
        return RtpStats(st.local_port, f"{remote}:{st.remote_port}" if remote else "", st.payload_type,
                        st.rx_packets, st.tx_packets, st.rx_lost, st.rx_late, st.rx_dtmf, st.tx_dtmf, st.jitter_ms,
                        st.buffer_ms, st.buffer_max_ms, st.remote_jitter_ms, st.remote_loss_pct, st.rtt_ms,
                        st.rtcp_rx, st.rtcp_tx, SRTP_SUITES.get(st.srtp, str(st.srtp)), st.rx_refused,
                        bool(st.t38), st.t38_rx_ifp, st.t38_tx_ifp, st.t38_recovered, bool(st.t38_gateway),
                        st.t38_gateway_pages, st.t38_gateway_bit_rate, bool(st.t38_gateway_ecm),
                        (f"{ffi.string(st.latched_addr).decode()}:{st.latched_port}" if st.latched else ""),
                        st.rx_foreign)

    def add_local_span(self, device: str = "default", zone: str = "cn") -> int:
        """The sound card as one channel (a phone on an FXS port); returns its channel id."""
        return _check(lib.eng_local_span(self._h, device.encode(), self.zone_index(zone)), "sound card", self)

    def local_hook(self, chan: int, offhook: bool) -> None:
        _check(lib.eng_local_hook(self._h, chan, int(offhook)), "local phone hook", self)

    def local_dtmf(self, chan: int, digits: str) -> None:
        _check(lib.eng_local_dtmf(self._h, chan, digits.encode()), "local phone keys", self)

    def add_dahdi_span(self, channos: list[int], codec: Codec = Codec.ALAW, zone: str = "cn",
                       blocksize: int = 0) -> list[int]:
        """DAHDI channels (by DAHDI channel number) as engine channels, in the same order.

        Each channel's kind follows its signalling in system.conf: fxs* -> FXO, fxo* -> FXS, else E1.
        blocksize: samples per DAHDI block, 0 = the engine frame."""
        arr = ffi.new("int[]", list(channos))
        first = _check(lib.eng_dahdi_span(self._h, arr, len(channos), int(codec), self.zone_index(zone),
                                          blocksize), "dahdi span", self)
        return list(range(first, first + len(channos)))

    def dahdi_pri(self, chan: int, dchan: int, side: str = "user", switch: str = "euroisdn", *,
                  overlap: bool = False, channel: str = "exclusive", inband_disconnect: bool = False) -> None:
        """ISDN PRI (libpri) on the dahdi span of engine channel chan (its E1 B-channels), with the D-channel on
        DAHDI channel dchan; side "network" or "user". Before start(). The B-channels then take and place
        calls by sigmsg() and SigMsg events, as a sim E1 does; while the D-channel is down the span's
        AlarmEvent carries "DCHAN". overlap: overlap dialling offered (SETUP complete=0, SETUP_ACK, INFO) and
        allowed on our SETUPs; channel: how our SETUPs name their B-channel, "exclusive" or "preferred";
        inband_disconnect: a DISCONNECT with in-band information before the answer comes as PROGRESS cause=N
        (the line listens to the announcement and clears when it will)."""
        _check(lib.eng_dahdi_pri(self._h, chan, dchan, side.encode(), switch.encode(),
                                 _pri_options(overlap, channel, inband_disconnect).encode()), "pri", self)

    def sim_pri(self, chan: int, side: str = "user", switch: str = "euroisdn", *, overlap: bool = False,
                channel: str = "exclusive", far_channel: str = "exclusive", far_unused: int = 0,
                inband_disconnect: bool = False, near_unused: int = 0) -> int:
        """ISDN PRI (libpri on both ends, over a D-channel of their own) on the sim E1 span of engine channel chan,
        its near channels on `side`, the far channels on the other (overlap allowed there, their SETUPs naming
        their channel as far_channel says; far_unused: a timeslot the far end does not serve, near_unused: one we do
        not). Before start().
        Returns the span number of its AlarmEvent ("DCHAN" while the D-channel is down, "OK")."""
        opts = (_pri_options(overlap, channel, inband_disconnect)
                + f" far_channel={far_channel} far_unused={int(far_unused)} near_unused={int(near_unused)}")
        return _check(lib.eng_sim_pri(self._h, chan, side.encode(), switch.encode(), opts.encode()), "sim pri", self)

    def dahdi_r2(self, chan: int, variant: str = "china", max_ani: int = 15, max_dnis: int = 4,
                 category: str = "subscriber", timers: dict[str, int] | None = None) -> None:
        """MFC-R2 (openr2) on the dahdi span of engine channel chan (its E1 CAS channels, A-law): variant "china"
        (China No.1), "itu" or another of openr2's; max_ani / max_dnis the caller's and dialled digits asked for;
        category our calls' calling party category unless a SETUP names one. Before start(). The channels then
        take and place calls by sigmsg() and SigMsg events, as a sim E1 does, and tell BLOCKED / IDLE when the
        far end blocks or frees a line (BLOCK / UNBLOCK do it from our side). timers: openr2's protocol timers in
        milliseconds by openr2's names ({"r2_answer": 30000, ...}; csrc/r2.c lists them), the others openr2's."""
        text = ",".join(f"{name}={ms}" for name, ms in (timers or {}).items())
        _check(lib.eng_dahdi_r2(self._h, chan, variant.encode(), max_ani, max_dnis, category.encode(), text.encode()),
               "r2", self)

    def dahdi_chan_info(self, chan: int) -> DahdiChanInfo:
        out = ffi.new("eng_dahdi_chan_t *")
        _check(lib.eng_dahdi_chan_info(self._h, chan, out), "dahdi channel info", self)
        return DahdiChanInfo(out.channo, out.spanno, out.sigtype, ffi.string(out.signalling).decode(),
                             out.rx_underruns, out.rx_dropped_bytes, out.tx_dropped_bytes, out.events)

    def dahdi_span_status(self, spanno: int) -> SpanStatus:
        st = ffi.new("eng_span_status_t *")
        _check(lib.eng_dahdi_span_status(self._h, spanno, st), f"dahdi span {spanno} status", self)

        def text(field: _CData) -> str:
            return ffi.string(field).decode("utf-8", "replace")

        return SpanStatus(st.spanno, st.alarms, text(st.alarm_text), text(st.name), text(st.desc),
                          st.numchans, st.totalchans, st.syncsrc, st.irqmisses, st.bpvcount, st.crc4count,
                          st.ebitcount, st.fascount, st.fecount, st.cvcount, st.becount, st.errsec,
                          text(st.spantype), text(st.lineconfig), text(st.lboname), text(st.location),
                          text(st.manufacturer), text(st.devicetype), st.lbo, st.irq, st.totalspans)

    def dahdi_params(self, channo: int) -> DahdiParams | None:
        """What the kernel says of DAHDI channel channo (free or in use); None if there is no such channel."""
        p = ffi.new("eng_dahdi_params_t *")
        rc = lib.eng_dahdi_params(self._h, channo, p)
        if rc == lib.ENG_ENOENT:
            return None
        _check(rc, f"dahdi channel {channo} parameters", self)
        caps = ffi.string(p.caps).decode()
        return DahdiParams(p.channo, p.spanno, p.chanpos, ffi.string(p.name).decode("utf-8", "replace"),
                           ffi.string(p.signalling).decode(), tuple(c for c in caps.split(",") if c),
                           p.sigtype, p.sigcap, bool(p.rxisoffhook), p.rxbits, p.txbits, bool(p.alaw),
                           p.chan_alarms)

    def dahdi_echocan(self, chan: int, taps: int, params: dict[str, int] | None = None) -> None:
        """Echo canceller of a DAHDI channel: taps 0 turns it off (8 taps a millisecond)."""
        text = ",".join(f"{k}={v}" for k, v in (params or {}).items())
        _check(lib.eng_dahdi_echocan(self._h, chan, taps, text.encode()), "dahdi echo canceller", self)

    def dahdi_gains(self, chan: int, rx_db: float, tx_db: float) -> None:
        """Gains applied by the DAHDI kernel (DAHDI_SETGAINS), in dB, rounded to 0.1 dB."""
        _check(lib.eng_dahdi_gains(self._h, chan, round(rx_db * 10), round(tx_db * 10)), "dahdi gains", self)

    def sim_far(self, chan: int) -> int:
        return _check(lib.eng_sim_far(self._h, chan), "sim far end", self)

    def sim_loopback(self, chan: int, on: bool = True) -> None:
        _check(lib.eng_sim_loopback(self._h, chan, int(on)), "loopback", self)

    def sim_impair(self, chan: int, noise_dbm0: int = 0, echo_db: int = 0, loss_db: int = 0) -> None:
        _check(lib.eng_sim_impair(self._h, chan, noise_dbm0, echo_db, loss_db), "impair", self)

    def chan_info(self, chan: int) -> tuple[Kind, int, Codec]:
        k, s, c = ffi.new("int *"), ffi.new("int *"), ffi.new("int *")
        _check(lib.eng_chan_info(self._h, chan, k, s, c), "channel info", self)
        return Kind(k[0]), s[0], Codec(c[0])

    # ---- line control ----------------------------------------------------------------
    def hook(self, chan: int, state: Hook) -> None:
        _check(lib.eng_hook(self._h, chan, int(state)), "hook", self)

    def cas(self, chan: int, bits: int) -> None:
        _check(lib.eng_cas(self._h, chan, bits), "cas", self)

    def sigmsg(self, chan: int, msg: str) -> None:
        _check(lib.eng_sigmsg(self._h, chan, msg.encode("utf-8")), "signalling message", self)

    def set_dsp(self, chan: int, features: Dsp) -> None:
        _check(lib.eng_set_dsp(self._h, chan, int(features)), "dsp", self)

    def set_zone(self, chan: int, zone: str) -> None:
        _check(lib.eng_set_zone(self._h, chan, self.zone_index(zone)), "zone", self)

    def set_line_tone(self, chan: int, name: str, segments: list[tuple[int, int, int, int]]) -> None:
        """A line's own tone, recognised beside its zone's while call progress detection is on and
        reported as a ToneEvent with this name; segments: (f1, f2, ms, tolerance_ms), f1 0 = silence.
        No segments: the line has none."""
        flat = ffi.new("int[]", [v for seg in segments for v in seg] or [0])
        _check(lib.eng_line_tone(self._h, chan, name.encode("utf-8"), flat, len(segments)), "line tone", self)

    def set_cid_standard(self, chan: int, standard: CidStandard) -> None:
        """The caller ID standard this line's reception expects (Bell 202 unless told)."""
        _check(lib.eng_set_cid_standard(self._h, chan, int(standard)), "caller ID standard", self)

    def set_gain(self, chan: int, rx_db: int, tx_db: int) -> None:
        _check(lib.eng_set_gain(self._h, chan, rx_db, tx_db), "gain", self)

    # ---- media --------------------------------------------------------------------------
    def play(self, chan: int, items: Iterable[str | os.PathLike[str] | tuple[Any, ...]], barge_in: bool = False,
             loop: bool = False, pid: int | None = None) -> int:
        """Queue a playback; items are file paths, ("tone", name, ms) or ("silence", ms).

        Returns the playback id; a PlayDone with that id follows its end. A file is opened by the
        engine's prompt loaders, never here: a name that cannot be played ends the playback with
        reason ERROR and the why in PlayDone.error.
        """
        items = list(items)
        if not items:
            raise EngineError(lib.ENG_EINVAL, "play: nothing to play")
        pid = pid or self.new_id()
        for i, item in enumerate(items):
            flags = (lib.ENG_PLAY_BARGE if barge_in else 0) | (lib.ENG_PLAY_LOOP if loop else 0)
            if i == len(items) - 1:
                flags |= lib.ENG_PLAY_LAST
            if isinstance(item, (str, os.PathLike)):
                rc = lib.eng_play_file(self._h, chan, pid, os.fsencode(item), flags)
            elif item[0] == "tone":
                rc = lib.eng_play_tone(self._h, chan, pid, item[1].encode(), int(item[2]) if len(item) > 2 else 0, flags)
            elif item[0] == "silence":
                rc = lib.eng_play_silence(self._h, chan, pid, int(item[1]), flags)
            else:
                raise EngineError(lib.ENG_EINVAL, f"play: unknown item {item!r}")
            _check(rc, "play", self)
        return pid

    def play_stop(self, chan: int, pid: int = 0) -> None:
        _check(lib.eng_play_stop(self._h, chan, pid), "stop playback", self)

    def send_dtmf(self, chan: int, digits: str, on_ms: int = 100, off_ms: int = 100) -> int:
        sid = self.new_id()
        _check(lib.eng_send_dtmf(self._h, chan, sid, digits.encode(), on_ms, off_ms), "send DTMF", self)
        return sid

    def send_cid(self, chan: int, standard: CidStandard, number: str | None = None, name: str | None = None,
                 datetime: str | None = None, mdmf: bool = True) -> int:
        sid = self.new_id()
        _check(lib.eng_send_cid(self._h, chan, sid, int(standard), int(mdmf), _b(number), _b(name), _b(datetime)),
               "send caller ID", self)
        return sid

    def send_mwi(self, chan: int, standard: CidStandard, messages: int, mdmf: bool = True) -> int:
        """Message waiting to a phone on hook as FSK: on with the count of new messages, off with 0."""
        sid = self.new_id()
        _check(lib.eng_send_mwi(self._h, chan, sid, int(standard), int(mdmf), messages), "send message waiting", self)
        return sid

    def set_vmwi(self, chan: int, how: Vmwi, messages: int) -> None:
        """The card's own message-waiting indicator on a phone port (an EV_ERROR if it has none)."""
        _check(lib.eng_set_vmwi(self._h, chan, int(how), messages), "message-waiting indicator", self)

    def record(self, chan: int, path: str, mode: RecMode = RecMode.RX, codec: Codec = Codec.ALAW,
               max_ms: int = 0, silence_ms: int = 0, stop_digits: str = "") -> int:
        """A recording of chan beside any it already runs (up to MAX_RECORDINGS; one more is refused with
        ENG_EBUSY); each ends on its own (RecDone with its id)."""
        rid = self.new_id()
        _check(lib.eng_record(self._h, chan, rid, os.fsencode(path), int(mode), int(codec), max_ms, silence_ms,
                              stop_digits.encode()), "record", self)
        return rid

    def record_stop(self, chan: int, rid: int = 0) -> None:
        """The recording rid ends (0: every recording of chan)."""
        _check(lib.eng_record_stop(self._h, chan, rid), "stop recording", self)

    def conf_join(self, conf: int, chan: int, role: ConfRole = ConfRole.SPEAK, whisper_to: int = -1) -> None:
        _check(lib.eng_conf_join(self._h, conf, chan, int(role), whisper_to), "conference join", self)

    def conf_leave(self, chan: int) -> None:
        _check(lib.eng_conf_leave(self._h, chan), "conference leave", self)

    def fax(self, chan: int, path: str, send: bool, calling: bool, ecm: bool = True, ident: str = "",
            header: str = "") -> int:
        fid = self.new_id()
        _check(lib.eng_fax(self._h, chan, fid, int(send), os.fsencode(path), int(calling), int(ecm),
                           ident.encode(), header.encode()), "fax", self)
        return fid

    def fax_stop(self, chan: int) -> None:
        _check(lib.eng_fax_stop(self._h, chan), "stop fax", self)

    def amd(self, chan: int, **settings: int) -> int:
        """Start answering-machine detection on what ``chan`` hears (settings: AMD_DEFAULTS' names); its
        decision comes as an AmdEvent with the returned id."""
        unknown = set(settings) - set(AMD_DEFAULTS)
        if unknown:
            raise EngineError(lib.ENG_EINVAL, f"amd: unknown setting(s) {', '.join(sorted(unknown))}")
        p = ffi.new("eng_amd_params_t *")
        for name, value in {**AMD_DEFAULTS, **settings}.items():
            setattr(p, name, value)
        aid = self.new_id()
        _check(lib.eng_amd(self._h, chan, aid, p), "amd", self)
        return aid

    def amd_stop(self, chan: int) -> None:
        _check(lib.eng_amd_stop(self._h, chan), "amd", self)

    def timer(self, ms: int, tid: int | None = None) -> int:
        tid = tid or self.new_id()
        _check(lib.eng_timer(self._h, tid, ms), "timer", self)
        return tid

    def timer_cancel(self, tid: int) -> None:
        _check(lib.eng_timer_cancel(self._h, tid), "cancel timer", self)

    @staticmethod
    def bench_bare_fax(tx_path: str, rx_dir: str, pairs: int, frames: int, stagger: int = 0) -> tuple[float, int]:
        """Two spandsp fax terminals back to back (sender + receiver) per pair, in a C loop on this thread:
        (nanoseconds per pair-frame, transfers completed). Pair p starts at frame p * stagger and starts
        again when its transfer ends."""
        done = ffi.new("int *")
        ns = lib.eng_bench_bare_fax(os.fsencode(tx_path), os.fsencode(rx_dir), pairs, frames, stagger, done)
        return ns, done[0]

    # ---- micro-benchmarks of the per-frame hot paths (bench/test_hot_paths.py) ----------------
    @staticmethod
    def g711_check(codec: Codec) -> int:
        """How many of the 65,536 samples the engine's G.711 encoder (tables) codes otherwise than
        spandsp's coders (0 when right)."""
        wrong = lib.eng_g711_check(int(codec))
        if wrong < 0:
            raise EngineError(lib.ENG_EINVAL, f"g711 check: {codec!r} is not A-law or mu-law")
        return wrong

    @staticmethod
    def bench_g711(codec: Codec, encode: bool, frames: int) -> float:
        """Nanoseconds per 160-sample frame of the engine's G.711 decode (table) or encode, in a C loop."""
        return _bench(lib.eng_bench_g711(int(codec), int(encode), frames), "G.711 benchmark")

    @staticmethod
    def bench_dtmf(frames: int) -> tuple[float, int]:
        """(nanoseconds per frame, digits heard) of the engine's DTMF detection over frames of a line
        carrying ten digits every 2 s, in a C loop."""
        digits = ffi.new("int *")
        return _bench(lib.eng_bench_dtmf(frames, digits), "DTMF benchmark"), digits[0]

    @staticmethod
    def bench_conf_mix(members: int, frames: int) -> float:
        """Nanoseconds per frame of mixing one conference of `members` speakers, in a C loop."""
        return _bench(lib.eng_bench_conf_mix(members, frames), "mixing benchmark")

    @staticmethod
    def bench_bare_dsp(frames: int, nchans: int) -> float:
        """Nanoseconds per channel-frame of the bare spandsp IVR DSP (decode, dtmf_rx, encode)."""
        return lib.eng_bench_bare_dsp(frames, nchans)

    @staticmethod
    def bench_bare_rtp(frames: int, nchans: int) -> tuple[float, int]:
        """(nanoseconds of CPU per channel-frame, packets received) of bare RTP over loopback UDP in a C loop:
        channels in pairs, each A-law encodes, sends its peer one RTP packet and receives, parses and decodes
        one a frame (no jitter buffer, no RTCP)."""
        got = ffi.new("int64_t *")
        ns = lib.eng_bench_bare_rtp(frames, nchans, got)
        return _bench(ns, "bare RTP benchmark"), got[0]
