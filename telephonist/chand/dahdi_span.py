"""A dahdi span for chand: its DAHDI channels opened in the engine and checked against system.conf.

chand never configures DAHDI (dahdi_cfg does, from /etc/dahdi/system.conf); it opens the channels a
span names, refuses to start when their signalling is not what the span says (a phone port named as
a trunk would ring nobody), then sets what belongs to each call path: the kernel's gains and the
card's echo canceller.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from telephonist.engine import Codec, Engine, EngineError

CODECS = {"alaw": Codec.ALAW, "ulaw": Codec.ULAW}

# (span type, chand's signalling) -> DAHDI's name for what dahdi_cfg must have set on the channel
SYSTEM_CONF = {("fxo", "kewlstart"): "fxsks", ("fxo", "loopstart"): "fxsls",
               ("fxs", "kewlstart"): "fxoks", ("fxs", "loopstart"): "fxols", ("e1", "cas"): "cas",
               ("e1", "pri"): "clear",     # PRI: the B-channels are bchan= (clear); the D-channel dchan=
               ("e1", "r2"): "cas"}        # MFC-R2: cas=N:1101, openr2 sends and reads the bits
KIND_OF = {"fxsks": "fxo", "fxsls": "fxo", "fxsgs": "fxo", "fxoks": "fxs", "fxols": "fxs", "fxogs": "fxs"}
# After we hang up a trunk, the exchange must see the line on hook before we seize it again (or
# it may take the short break for a hook flash); DAHDI itself debounces hook changes for ~1.3 s.
GUARD_MS = 1500


class SpanSetupError(Exception):
    """A dahdi span chand cannot bring up; the message says what to change and where."""


@dataclass(frozen=True)
class PortSettings:
    rx_gain_db: float | None = None
    tx_gain_db: float | None = None
    echocancel: int | None = None


class EchoCanceller:
    """A channel's echo canceller, on only while a call is up (as chan_dahdi does): on an idle line
    it would stand between the exchange and the caller ID decoder (mg2 was seen to garble FSK
    caller ID), and fax modems want it off."""

    def __init__(self, engine: Engine, chan: int, channo: int, taps: int, params: dict[str, int]) -> None:
        self.engine = engine
        self.chan = chan
        self.channo = channo
        self.taps = taps
        self.params = params
        self.active = False

    def check(self, span: str) -> None:
        """At start-up: the canceller system.conf names can be switched on (then off again)."""
        try:
            self.engine.dahdi_echocan(self.chan, self.taps, self.params)
            self.engine.dahdi_echocan(self.chan, 0)
        except EngineError as exc:
            raise SpanSetupError(f"span {span}, DAHDI channel {self.channo}: {exc}") from None

    def on(self) -> None:
        if not self.active:
            self.engine.dahdi_echocan(self.chan, self.taps, self.params)
            self.active = True

    def off(self) -> None:
        if self.active:
            self.active = False
            self.engine.dahdi_echocan(self.chan, 0)


@dataclass(frozen=True)
class DahdiLine:
    channo: int          # DAHDI channel number
    chan: int            # engine channel id
    spanno: int          # DAHDI span number (alarms come per DAHDI span)
    echo: EchoCanceller | None = None


@dataclass
class DahdiSpanSettings:
    channels: list[int]
    signalling: str = "kewlstart"                    # kewlstart | loopstart | cas | pri | r2
    echocancel: int = 0
    echocancel_params: dict[str, int] = field(default_factory=dict)
    ports: dict[int, PortSettings] = field(default_factory=dict)
    pri_side: str = "user"                           # pri: network | user
    pri_switch: str = "euroisdn"
    pri_dchan: int = 0                               # pri: 0 = timeslot 16 of the B-channels' DAHDI span
    pri_overlap: bool = False                        # pri: overlap dialling offered and allowed
    pri_channel: str = "exclusive"                   # pri: our SETUPs name their B-channel exclusive | preferred
    pri_inband_disconnect: bool = False              # pri: a DISCONNECT with in-band information comes as PROGRESS
    r2_variant: str = "china"                        # r2: china | itu | openr2's others
    r2_max_ani: int = 15
    r2_max_dnis: int = 4
    r2_category: str = "subscriber"                  # r2: our calls' calling party category
    r2_timers: dict[str, int] = field(default_factory=dict)     # r2: openr2's timers (ms) by its names


def open_dahdi_span(engine: Engine, name: str, kind: str, codec: str, zone: str, dahdi: DahdiSpanSettings,
                    rx_gain_db: float = 0.0, tx_gain_db: float = 0.0) -> list[DahdiLine]:
    """Open the span's channels in the engine, check them, set gains and echo cancellers."""
    try:
        chans = engine.add_dahdi_span(dahdi.channels, CODECS[codec], zone)
    except EngineError as exc:
        raise SpanSetupError(f"span {name}: {exc}") from None
    want = SYSTEM_CONF[(kind, dahdi.signalling)]
    infos = []
    for channo, chan in zip(dahdi.channels, chans):
        info = engine.dahdi_chan_info(chan)
        if info.signalling != want:
            raise SpanSetupError(_mismatch(name, kind, dahdi.signalling, channo, info.signalling, want))
        infos.append(info)
    if dahdi.signalling == "r2":
        _start_r2(engine, name, dahdi, chans[0])     # before the gains: openr2 resets them when it takes a channel
    out = []
    for channo, chan, info in zip(dahdi.channels, chans, infos):
        echo = _set_port(engine, name, channo, chan, dahdi, rx_gain_db, tx_gain_db)
        out.append(DahdiLine(channo, chan, info.spanno, echo))
    if dahdi.signalling == "pri":
        _start_pri(engine, name, dahdi, out)
    return out


def _start_r2(engine: Engine, name: str, dahdi: DahdiSpanSettings, chan: int) -> None:
    """openr2 on the span's CAS channels."""
    try:
        engine.dahdi_r2(chan, dahdi.r2_variant, dahdi.r2_max_ani, dahdi.r2_max_dnis, dahdi.r2_category,
                        dict(dahdi.r2_timers))
    except EngineError as exc:
        raise SpanSetupError(f"span {name}: {exc}") from None


def _start_pri(engine: Engine, name: str, dahdi: DahdiSpanSettings, lines: list[DahdiLine]) -> None:
    """libpri on the span's D-channel: by default timeslot 16 of the DAHDI span the B-channels are on."""
    dchan = dahdi.pri_dchan
    if not dchan:
        first = engine.dahdi_params(lines[0].channo)
        assert first is not None
        dchan = first.channo - first.chanpos + 16
    try:
        engine.dahdi_pri(lines[0].chan, dchan, dahdi.pri_side, dahdi.pri_switch, overlap=dahdi.pri_overlap,
                         channel=dahdi.pri_channel, inband_disconnect=dahdi.pri_inband_disconnect)
    except EngineError as exc:
        raise SpanSetupError(f"span {name}: {exc}") from None


def _mismatch(name: str, kind: str, signalling: str, channo: int, have: str, want: str) -> str:
    said = f"span {name} (type = \"{kind}\", signalling = \"{signalling}\") needs '{want}' on DAHDI channel {channo}"
    other = KIND_OF.get(have)
    if other and other != kind:
        return (f"{said}, but system.conf makes it '{have}': a {'phone port' if other == 'fxs' else 'line from the exchange'}"
                f"; give the span type = \"{other}\" or change system.conf and run dahdi_cfg")
    return f"{said}, but system.conf makes it '{have}'; change one of them (and run dahdi_cfg)"


def _set_port(engine: Engine, name: str, channo: int, chan: int, dahdi: DahdiSpanSettings,
              span_rx: float, span_tx: float) -> EchoCanceller | None:
    """The channel's gains now; its echo canceller checked, for the line to switch on per call."""
    port = dahdi.ports.get(channo, PortSettings())
    rx = span_rx if port.rx_gain_db is None else port.rx_gain_db
    tx = span_tx if port.tx_gain_db is None else port.tx_gain_db
    taps = dahdi.echocancel if port.echocancel is None else port.echocancel
    if rx or tx:
        try:
            engine.dahdi_gains(chan, rx, tx)
        except EngineError as exc:
            raise SpanSetupError(f"span {name}, DAHDI channel {channo}: {exc}") from None
    if not taps:
        return None
    echo = EchoCanceller(engine, chan, channo, taps, dict(dahdi.echocancel_params))
    echo.check(name)
    return echo
