"""From the configuration to a switchboard, and what a reload may change while calls go on."""
from __future__ import annotations

import logging
import os

from telephonist.chand.api.tokens import grants_from
from telephonist.chand.busy_tones import apply_busy_tones
from telephonist.chand.assembly import SimPri, SpanSpec, TrunkGroupSpec, assemble, expand_lines
from telephonist.chand.media import MediaFolders
from telephonist.chand.dahdi_span import DahdiSpanSettings, PortSettings
from telephonist.chand.routing import Route, Router
from telephonist.chand.signalling import LineOptions
from telephonist.chand.switchboard import Fallback, Switchboard
from telephonist.chand.trunk_group import TrunkGroup
from telephonist.config import Config
from telephonist.config.busy_tones import line_tones
from telephonist.config.model import (R2_DEFAULT_MAX_ANI, R2_DEFAULT_MAX_DNIS, SpanConfig, dahdi_signalling,
                                      parse_ranges)
from telephonist.drivers.sim.far_end import NumberBehaviour
from telephonist.engine import Clock, Engine

log = logging.getLogger(__name__)
CLOCKS = {"realtime": Clock.REALTIME, "fast": Clock.FAST, "lockstep": Clock.LOCKSTEP}


def clock_of(cfg: Config) -> tuple[Clock, float]:
    return CLOCKS[cfg.engine.clock], cfg.engine.speed


def span_specs(cfg: Config) -> list[SpanSpec]:
    out = []
    for s in cfg.spans:
        opts = LineOptions(cid=s.cid, busy_tone_disconnect=s.busy_tone_disconnect,
                           open_loop_disconnect=s.open_loop_disconnect, polarity_disconnect=s.polarity_disconnect,
                           answer_on_polarity=s.answer_on_polarity, answer_on_voice=s.answer_on_voice,
                           ring_timeout_ms=s.ring_timeout_ms, no_answer_ms=s.no_answer_ms,
                           mwi=s.mwi, stutter_dial_tone=s.stutter_dial_tone, ring_on_ms=s.ring_on_ms,
                           ring_off_ms=s.ring_off_ms, first_digit_ms=s.first_digit_ms,
                           interdigit_ms=s.interdigit_ms, max_digits=s.max_digits,
                           dialtone_wait_ms=s.dialtone_wait_ms, restart_on_up=s.pri_restart_on_up,
                           overlap=s.pri_overlap, overlap_timeout_ms=s.pri_overlap_timeout_ms or 15000,
                           overlap_setup_digits=s.pri_overlap_setup_digits,
                           inband_disconnect=s.pri_inband_disconnect,
                           inband_disconnect_ms=s.pri_inband_disconnect_ms or 10000,
                           restart_interval_ms=s.pri_restart_interval * 1000)
        out.append(SpanSpec(s.name, s.type, s.channel_count, driver=s.driver, codec=s.codec or cfg.system.codec,
                            zone=s.tone_zone or cfg.system.tone_zone, options=opts, extensions=list(s.extensions),
                            far_disconnect=s.far_disconnect, far_cid=s.far_cid, far_busy_tone=s.far_busy_tone,
                            device=s.device,
                            rx_gain_db=s.rx_gain_db, tx_gain_db=s.tx_gain_db, dahdi=dahdi_settings(s), sip=s.sip,
                            sim_pri=sim_pri_settings(s)))
    return out


def sim_pri_settings(s: SpanConfig) -> SimPri | None:
    if s.driver != "sim" or s.type != "e1" or s.signalling != "pri":
        return None
    return SimPri(side=s.pri_side or "user", switch=s.pri_switch or "euroisdn", overlap=s.pri_overlap,
                  channel=s.pri_channel or "exclusive", inband_disconnect=s.pri_inband_disconnect)


def dahdi_settings(s: SpanConfig) -> DahdiSpanSettings | None:
    if s.driver != "dahdi":
        return None
    return DahdiSpanSettings(
        channels=parse_ranges(str(s.channels)), signalling=dahdi_signalling(s.type, s.signalling),
        echocancel=s.echocancel, echocancel_params=dict(s.echocancel_params),
        pri_side=s.pri_side or "user", pri_switch=s.pri_switch or "euroisdn", pri_dchan=s.pri_dchan,
        pri_overlap=s.pri_overlap, pri_channel=s.pri_channel or "exclusive", pri_inband_disconnect=s.pri_inband_disconnect,
        r2_variant=s.r2_variant or "china", r2_max_ani=s.r2_max_ani or R2_DEFAULT_MAX_ANI,
        r2_max_dnis=s.r2_max_dnis or R2_DEFAULT_MAX_DNIS, r2_category=s.r2_category or "subscriber",
        r2_timers=dict(s.r2_timers),
        ports={p.channel: PortSettings(p.rx_gain_db, p.tx_gain_db, p.echocancel) for p in s.ports})


def fallback_of(cfg: Config) -> Fallback:
    fb = cfg.control.fallback
    return Fallback(fb.prompt or None, fb.then, fb.return_s, fb.return_for)


def routes_of(cfg: Config) -> list[Route]:
    return [Route(r.application, r.dialled, tuple(r.lines), r.caller, r.record) for r in cfg.routes]


def numbers_of(cfg: Config) -> list[NumberBehaviour]:
    return [NumberBehaviour(n.pattern, n.behaviour, n.after_rings, n.audio or None, n.hangup_after_ms, n.busy_first)
            for n in cfg.sim.numbers]


def play_dirs_of(cfg: Config) -> tuple[str, ...]:
    """Folders applications may play from besides the prompts: voicemail, text-to-speech, and the operator's own."""
    tts = cfg.ivrd.tts_cache_dir or os.path.join(cfg.system.state_dir, "tts")
    return (cfg.ivrd.voicemail.dir, tts, *cfg.control.media_dirs)


def build_board(cfg: Config, engine: Engine, recorder) -> Switchboard:
    board = assemble(
        engine, span_specs(cfg), node=cfg.system.node,
        trunk_groups=[TrunkGroupSpec(g.name, list(g.lines), g.hunting, g.caller_id, g.max_calls, g.record)
                      for g in cfg.trunk_groups],
        routes=routes_of(cfg), default_route=cfg.routing.default or None, record_calls=cfg.routing.record,
        numbers=numbers_of(cfg), fallback=fallback_of(cfg),
        recordings_dir=cfg.system.recordings_dir, prompts_dir=cfg.system.prompts_dir, play_dirs=play_dirs_of(cfg),
        fax_dirs=(cfg.faxd.spool_dir,), recorder=recorder,
        app_timeout_ms=cfg.control.app_timeout_ms)
    board.tokens = grants_from(cfg.control.tokens)
    board.fax_route = cfg.routing.fax or None
    board.media.moh = cfg.control.music_on_hold or None
    board.conferences.configure(cfg.conferences)
    apply_busy_tones(board, line_tones(cfg))
    configure_busy_learning(board, cfg)
    return board


def configure_busy_learning(board: Switchboard, cfg: Config) -> None:
    """The spans that learn their disconnect tone by themselves, keeping it where `learn-busy --write` does
    (none: lines learn only while `learn-busy --listen` listens to them). Recordings in flight and lines
    listened to stay the board's across a reload."""
    from telephonist.busytone.conf_file import write_tone
    spans = {s.name for s in cfg.spans if s.learn_busy}
    board.busy_learning.spans = spans
    board.busy_learning.keep = (lambda span, tone: write_tone(cfg.path, span, tone)) if cfg.path and spans else None


def apply_live_settings(board: Switchboard, old: Config, new: Config) -> list[str]:
    """Apply what can change under running calls; return what needs a restart."""
    restart = []
    if span_specs(old) != span_specs(new):
        restart.append("spans")
    for section in ("database", "control.socket", "control.tcp", "engine", "system.frame_ms"):
        a, b = old, new
        for part in section.split("."):
            a, b = getattr(a, part), getattr(b, part)
        if a != b:
            restart.append(section)
    board.router = Router(routes_of(new), new.routing.default or None, new.routing.record)
    board.fallback = fallback_of(new)
    board.set_tokens(grants_from(new.control.tokens))
    board.fax_route = new.routing.fax or None
    board.media.moh = new.control.music_on_hold or None
    board.media.folders = MediaFolders(new.system.prompts_dir, new.system.recordings_dir, play_dirs_of(new),
                                       (new.faxd.spool_dir,))
    board.app_timeout_s = new.control.app_timeout_ms / 1000.0
    board.conferences.configure(new.conferences)        # rooms in session keep their parties and lock
    apply_busy_tones(board, line_tones(new))
    configure_busy_learning(board, new)
    if board.sim is not None:
        board.sim.numbers = numbers_of(new)
    # trunk groups: rebuild from the lines we have (lines of spans added by the new file wait for a restart)
    groups = {}
    for g in new.trunk_groups:
        lines = expand_lines(board, list(g.lines))
        if lines:
            old_group = board.trunk_groups.get(g.name)
            tg = TrunkGroup(g.name, lines, g.hunting, g.caller_id, g.max_calls, record=g.record)
            if old_group is not None:
                tg.last_index = old_group.last_index
            groups[g.name] = tg
    for line in board.lines.values():
        line.trunk_groups = [n for n, tg in groups.items() if line in tg.lines]
    board.trunk_groups = groups
    return restart
