"""Put a chand together: engine spans, lines with their signalling, trunk groups, routes, the sim network.

The daemon calls this with what the configuration says; tests call it with
a few spans of their own. Nothing here runs anything.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from telephonist.chand.api.commands import table_for
from telephonist.chand.dahdi_span import GUARD_MS, DahdiSpanSettings, open_dahdi_span
from telephonist.chand.engine_clock import EngineTimers
from telephonist.chand.line import Line
from telephonist.chand.media import MediaFolders
from telephonist.chand.routing import Route, Router
from telephonist.chand.sip_span import add_sip_span
from telephonist.chand.signalling import LineOptions, SigContext, make_signalling
from telephonist.chand.switchboard import Fallback, Switchboard
from telephonist.chand.trunk_group import TrunkGroup
from telephonist.busytone.synth import cycle_wav
from telephonist.config.busy_tones import BusyTone
from telephonist.config.conference import ConferenceConfig
from telephonist.config.sip import SipTrunkConfig
from telephonist.drivers.sim.far_end import FarEnd, NumberBehaviour, SimNetwork
from telephonist.engine import Codec, Engine, Kind

KINDS = {"fxo": Kind.FXO, "fxs": Kind.FXS, "e1": Kind.E1}
CODECS = {"alaw": Codec.ALAW, "ulaw": Codec.ULAW}
FAR_KINDS = {"fxo": "exchange", "fxs": "phone", "e1": "network"}


@dataclass(frozen=True)
class SimPri:
    """ISDN PRI on a sim E1 span: libpri at both ends of its lines (the far end on the other side)."""
    side: str = "user"                     # our side: user (we face the exchange) | network
    switch: str = "euroisdn"
    overlap: bool = False                  # overlap dialling offered (and allowed on our SETUPs)
    channel: str = "exclusive"             # how our SETUPs name their B-channel: exclusive | preferred
    far_channel: str = "exclusive"         # how the far end's SETUPs name theirs
    far_unused: int = 0                    # a timeslot the far end does not serve (0: none)
    inband_disconnect: bool = False        # libpri reports a DISCONNECT with in-band information as PROGRESS cause=
    near_unused: int = 0                   # a timeslot our end does not serve (0: none)


@dataclass
class SpanSpec:
    name: str
    kind: str                              # fxo | fxs | e1
    channels: int
    driver: str = "sim"
    codec: str = "alaw"
    zone: str = "cn"
    options: LineOptions = field(default_factory=LineOptions)
    extensions: list[str] = field(default_factory=list)   # FXS: extension number per port
    far_disconnect: str = "busy_tone"      # sim exchange: how the far end hangs up
    far_cid: str = "bell202"               # sim exchange: caller ID it sends
    far_busy_tone: BusyTone | None = None  # sim exchange: its own disconnect tone (else the zone's busy)
    device: str = "default"                # local: the sound card
    rx_gain_db: float = 0.0
    tx_gain_db: float = 0.0
    dahdi: DahdiSpanSettings | None = None  # dahdi: channels, signalling, echo cancellers
    sip: SipTrunkConfig | None = None      # sip: where SIP listens, RTP, the trunk's peer
    sim_pri: SimPri | None = None          # sim e1: ISDN PRI (libpri both ends) instead of the plain sim messages


@dataclass
class TrunkGroupSpec:
    name: str
    lines: list[str]                       # line names, "span/*" or "span/1-4"
    hunting: str = "ascending"
    caller_id: str = ""
    max_calls: int = 0
    record: bool = False                   # record its calls whole from the answer


def expand_lines(board: Switchboard, specs: list[str]) -> list[Line]:
    out: list[Line] = []
    for spec in specs:
        span, _, part = spec.partition("/")
        lines = [ln for ln in board.lines.values() if ln.span == span]
        if part in ("", "*"):
            chosen = lines
        else:
            wanted: set[int] = set()
            for piece in part.split(","):
                lo, _, hi = piece.partition("-")
                wanted.update(range(int(lo), int(hi or lo) + 1))
            chosen = [ln for ln in lines if ln.index in wanted]
        out.extend(ln for ln in chosen if ln not in out)
    return out


def assemble(engine: Engine, spans: list[SpanSpec], *, node: str = "chand",
             trunk_groups: list[TrunkGroupSpec] | None = None, routes: list[Route] | None = None,
             default_route: str | None = None, record_calls: bool = False, numbers: list[NumberBehaviour] | None = None,
             fallback: Fallback | None = None, recordings_dir: str = "/var/lib/telephonist/recordings",
             prompts_dir: str = "/var/lib/telephonist/prompts", play_dirs: tuple[str, ...] = (),
             fax_dirs: tuple[str, ...] = (), recorder=None, app_timeout_ms: int = 2000,
             conferences: tuple[ConferenceConfig, ...] = ()) -> Switchboard:
    timers = EngineTimers(engine)
    ctx = SigContext(engine, timers, lambda: engine.now_ms)
    sim = SimNetwork(engine, timers, lambda: engine.now_ms, numbers) if any(s.driver == "sim" for s in spans) else None
    board = Switchboard(engine, timers, node=node, recorder=recorder, router=Router(routes or [], default_route, record_calls),
                        sim=sim, fallback=fallback, app_timeout_ms=app_timeout_ms,
                        folders=MediaFolders(prompts_dir, recordings_dir, tuple(play_dirs), tuple(fax_dirs)))
    for spec in spans:
        if spec.driver == "local":
            _add_local_span(board, ctx, spec)
        elif spec.driver == "dahdi":
            _add_dahdi_span(board, ctx, spec)
        elif spec.driver == "sim":
            _add_sim_span(board, ctx, spec)
        elif spec.driver == "sip":
            add_sip_span(board, ctx, spec, _add_line)
        else:
            raise ValueError(f"span {spec.name}: driver {spec.driver!r} is not available in this build")
    for tg in trunk_groups or []:
        lines = expand_lines(board, tg.lines)
        if not lines:
            raise ValueError(f"trunk group {tg.name}: no lines match {tg.lines}")
        board.add_trunk_group(TrunkGroup(tg.name, lines, tg.hunting, tg.caller_id, tg.max_calls, record=tg.record))
    for spec in spans:
        if spec.options.restart_interval_ms and (spec.sim_pri or (spec.dahdi and spec.dahdi.signalling == "pri")):
            board.pri_restarts.add(spec.name, [ln for ln in board.lines.values() if ln.span == spec.name],
                                   spec.options.restart_interval_ms)
    board.conferences.configure(conferences)
    board.commands = table_for(board)
    return board


def _with_extension(spec: SpanSpec, i: int) -> LineOptions:
    opts = spec.options
    if spec.kind == "fxs" and i <= len(spec.extensions):
        opts = dataclasses.replace(opts, extension=spec.extensions[i - 1])
    return opts


def _add_line(board: Switchboard, line: Line, spec: SpanSpec) -> None:
    line.extension = line.sig.opt.extension or None
    board.add_line(line)
    if spec.driver != "dahdi" and (spec.rx_gain_db or spec.tx_gain_db):
        board.engine.set_gain(line.chan, round(spec.rx_gain_db), round(spec.tx_gain_db))


def _add_local_span(board: Switchboard, ctx: SigContext, spec: SpanSpec) -> None:
    chan = board.engine.add_local_span(spec.device, spec.zone)
    board.spans[spec.name] = {"driver": "local", "kind": "fxs", "channels": 1, "zone": spec.zone,
                              "codec": "linear", "alarms": "", "device": spec.device}
    opts = spec.options
    if spec.extensions:
        opts = dataclasses.replace(opts, extension=spec.extensions[0])
    line = Line(f"{spec.name}/1", spec.name, 1, chan, "fxs", make_signalling("fxs", ctx, opts), board)
    line.local = True
    _add_line(board, line, spec)


def _add_sim_span(board: Switchboard, ctx: SigContext, spec: SpanSpec) -> None:
    engine, sim = board.engine, board.sim
    assert sim is not None
    chans = engine.add_sim_span(KINDS[spec.kind], spec.channels, CODECS[spec.codec], spec.zone)
    board.spans[spec.name] = {"driver": spec.driver, "kind": spec.kind, "channels": spec.channels,
                              "zone": spec.zone, "codec": spec.codec, "alarms": ""}
    pri, alarm_span = spec.sim_pri, 0
    if pri is not None:
        alarm_span = engine.sim_pri(chans[0], pri.side, pri.switch, overlap=pri.overlap, channel=pri.channel,
                                    far_channel=pri.far_channel, far_unused=pri.far_unused,
                                    inband_disconnect=pri.inband_disconnect, near_unused=pri.near_unused)
        board.spans[spec.name]["signalling"] = "pri"
    for i, chan in enumerate(chans, start=1):
        name = f"{spec.name}/{i}"
        sig = make_signalling(spec.kind, ctx, _with_extension(spec, i), "pri" if pri else "")
        line = Line(name, spec.name, i, chan, spec.kind, sig, board)
        _add_line(board, line, spec)
        if pri is not None:
            board.alarms.add(line, alarm_span)      # blocked while the D-channel is down, as on a dahdi PRI span
        sim.add(FarEnd(engine.sim_far(chan), name, FAR_KINDS[spec.kind], disconnect=spec.far_disconnect,
                       cid=spec.far_cid, disconnect_wav=cycle_wav(spec.far_busy_tone) if spec.far_busy_tone else None))


def dahdi_line_options(spec: SpanSpec, opts: LineOptions) -> LineOptions:
    """What the span's DAHDI signalling means for its lines' state machines."""
    assert spec.dahdi is not None
    sig = spec.dahdi.signalling
    changes: dict[str, object] = {"guard_ms": max(opts.guard_ms, GUARD_MS)}
    if spec.kind == "fxo" and sig == "loopstart":
        changes["open_loop_disconnect"] = False     # loop start has no disconnect signal: busy tone only
    if spec.kind == "fxs" and sig == "kewlstart":
        changes["send_open_loop"] = True
    return dataclasses.replace(opts, **changes)


def _add_dahdi_span(board: Switchboard, ctx: SigContext, spec: SpanSpec) -> None:
    dahdi = spec.dahdi or DahdiSpanSettings(channels=list(range(1, spec.channels + 1)))
    spec = dataclasses.replace(spec, dahdi=dahdi)
    opened = open_dahdi_span(board.engine, spec.name, spec.kind, spec.codec, spec.zone, dahdi,
                             spec.rx_gain_db, spec.tx_gain_db)
    board.spans[spec.name] = {"driver": "dahdi", "kind": spec.kind, "channels": len(opened), "zone": spec.zone,
                              "codec": spec.codec, "alarms": "", "signalling": dahdi.signalling,
                              "dahdi_channels": [d.channo for d in opened],
                              "dahdi_spans": sorted({d.spanno for d in opened})}
    for i, d in enumerate(opened, start=1):
        opts = dahdi_line_options(spec, _with_extension(spec, i))
        line = Line(f"{spec.name}/{i}", spec.name, i, d.chan, spec.kind,
                    make_signalling(spec.kind, ctx, opts, dahdi.signalling), board)
        line.dahdi_channel = d.channo
        line.echo = d.echo
        _add_line(board, line, spec)
        board.alarms.add(line, d.spanno)
