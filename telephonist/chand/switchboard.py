"""The switchboard: lines, the applications that own their calls, and what those applications are told.

Engine events arrive here (event_pump.py) and go to the line's signalling
and to the call's media (media.py); line state changes come back
(LineListener) and become call records and events to the owning
application. The control API's commands (api/commands/) read and check,
then change state through the methods here and through the parts this
class owns: `media` (play, record, collect, fax), `bridges` (bridges and
conferences), `transfers` (blind transfer), `sip_transfers` (REFER) and `alarms` (DAHDI span alarms).
"""
from __future__ import annotations

import itertools
import logging
import os
from typing import Any, Iterable

from telephonist.chand.api.errors import NotFound, NotOwner, Unavailable
from telephonist.chand.busy_learning import BusyLearning
from telephonist.chand.api.session import ROLE_RANK, Session
from telephonist.chand.api.tokens import TokenGrant
from telephonist.chand.bridges import Bridges
from telephonist.chand.bus import Bus
from telephonist.chand.call import Call, Disposition
from telephonist.chand.engine_clock import EngineTimers
from telephonist.chand.line import Line, LineListener, LineState, Signal
from telephonist.chand.media import CallMedia, MediaFolders
from telephonist.chand.pri_restarts import PriRestarts
from telephonist.chand.records import CallRecorder
from telephonist.chand.conferences import ConferenceRooms
from telephonist.chand.routing import Router, split_application
from telephonist.chand.signalling.cas import bits_text
from telephonist.chand.sip_transfers import SipTransfers
from telephonist.chand.span_alarms import SpanAlarms
from telephonist.chand.transfers import Transfers
from telephonist.chand.trunk_group import TrunkGroup
from telephonist.drivers.sim.far_end import FarEnd, SimNetwork
from telephonist.engine import AlarmEvent, Dsp, Engine, EngineError, ErrorEvent, Event, Overrun, Timer

log = logging.getLogger(__name__)


class Fallback:
    """What a call hears when its application is gone: a prompt, then hang-up, another application, or
    (then = "return") music until its application is back, return_s at most. The applications in return_for
    (the ACD) always get "return": they take their callers back at their places after a restart."""

    def __init__(self, prompt: str | None = None, then: str = "hangup", return_s: int = 120,
                 return_for: tuple[str, ...] = ()) -> None:
        self.prompt = prompt
        self.then = then
        self.return_s = return_s
        self.return_for = tuple(return_for)

    def then_for(self, app: str | None) -> str:
        return "return" if app and app in self.return_for else self.then


class Switchboard(LineListener):
    def __init__(self, engine: Engine, timers: EngineTimers, *, node: str = "chand",
                 recorder: CallRecorder | None = None, router: Router | None = None,
                 sim: SimNetwork | None = None, fallback: Fallback | None = None,
                 folders: MediaFolders | None = None, app_timeout_ms: int = 2000) -> None:
        self.engine = engine
        self.timers = timers
        self.node = node
        self.recorder = recorder
        self.router = router or Router([])
        self.sim = sim
        # lines learning their disconnect tone: spans with learn_busy (from_config sets them), lines listened to
        self.busy_learning = BusyLearning(self, set())
        self.fallback = fallback or Fallback()
        self.app_timeout_s = app_timeout_ms / 1000.0
        self.lines: dict[str, Line] = {}
        self.by_chan: dict[int, Line] = {}
        self.trunk_groups: dict[str, TrunkGroup] = {}
        self.sessions: dict[int, Session] = {}
        self.spans: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, TokenGrant] = {}      # TCP token -> what it allows
        self.reloader: Any = None                    # set by the daemon: () -> dict
        self.origin_ms: int | None = None            # the wall clock (Unix ms) engine time 0 stands for, set at start
        self.fax_route: str | None = None            # where a voice call that turns out to be a fax goes
        self.commands: Any = None                    # the control API's command table (api/commands)
        self.media = CallMedia(self, folders or MediaFolders("/var/lib/telephonist/prompts",
                                                             "/var/lib/telephonist/recordings"))
        self.bridges = Bridges(engine, self)          # bridges and conferences, each on its own engine conference
        self.conferences = ConferenceRooms(self)      # conference rooms ([[conferences]]) over named conferences
        self.transfers = Transfers(self)
        self.sip_transfers = SipTransfers(self)      # REFER from SIP peers, and transfers going out as REFER
        self.bus = Bus(self)                          # applications asking each other, publishing news
        self.alarms = SpanAlarms(self)                # DAHDI span alarms and the lines they block
        self.pri_restarts = PriRestarts(self)         # PRI spans' periodic RESTARTs of idle B-channels
        self._rr = itertools.count()
        if recorder is not None:
            recorder.on_written = self._record_written

    def command(self, sess: Session, msg: dict[str, Any]) -> dict[str, Any] | None:
        return self.commands.dispatch(self, sess, msg)

    # ---- set-up -------------------------------------------------------------------------
    def add_line(self, line: Line) -> None:
        self.lines[line.name] = line
        self.by_chan[line.chan] = line
        line.sig.attach(line)
        line.sig.reset()

    def add_trunk_group(self, group: TrunkGroup) -> None:
        self.trunk_groups[group.name] = group
        for ln in group.lines:
            ln.trunk_groups.append(group.name)

    def now(self) -> int:
        return self.engine.now_ms

    # ---- lookup ---------------------------------------------------------------------------
    def line(self, name: Any) -> Line:
        if not isinstance(name, str) or name not in self.lines:
            raise NotFound(f"no channel {name!r}")
        return self.lines[name]

    def owned_line(self, sess: Session, name: Any) -> Line:
        line = self.line(name)
        if line.owner != sess.name and sess.role != "admin":
            raise NotOwner(f"{line.name} belongs to {line.owner or 'nobody'}, not to {sess.name}")
        return line

    def far(self, name: Any) -> FarEnd:
        if self.sim is None:
            raise Unavailable("there are no simulated spans")
        if not isinstance(name, str) or name not in self.sim.by_name:
            raise NotFound(f"no simulated far end {name!r}")
        return self.sim.by_name[name]

    # ---- sessions ---------------------------------------------------------------------------
    def register(self, sess: Session) -> None:
        self.sessions[sess.id] = sess

    def sessions_of(self, app: str) -> list[Session]:
        return [s for s in self.sessions.values() if s.app == app and not s.closed and s.role in ("app", "admin")]

    def pick_session(self, app: str) -> Session | None:
        cands = self.sessions_of(app)
        if not cands:
            return None
        return cands[next(self._rr) % len(cands)]

    def session_by_name(self, name: str | None) -> Session | None:
        if not name:
            return None
        for s in self.sessions.values():
            if s.name == name:
                return s
        return None

    def acked(self, sess: Session) -> None:
        pass    # the event pump waits on Session.acked_event

    def session_gone(self, sess: Session, why: str) -> None:
        if self.sessions.pop(sess.id, None) is None:
            return
        sess.closed = True
        log.warning("event=application_gone app=%s why=%s", sess.name, why)
        self.bus.session_gone(sess)
        for handle in list(sess.timers):
            self.timers.cancel(handle)
        sess.timers.clear()
        for line in self.lines.values():
            call = line.call
            if call and call.owner == sess.name:
                call.owner = None
                if call.bridge is not None and len(call.bridge.talkers()) >= 2:
                    # talking to someone: the call goes on; the application may take it back (reclaim)
                    call.orphan_of = sess.app
                    self.record_event(line, "orphaned", app=sess.app, why=why)
                elif line.busy and line.state != LineState.CLEARING:
                    self.apply_fallback(line, why, app=sess.app)
        if self.sim:
            self.sim.owner_gone(sess.name)

    def set_tokens(self, tokens: dict[str, TokenGrant]) -> None:
        """New TCP tokens (a reload): sessions whose token is gone, or no longer allows what they said
        hello as, are closed; their calls get the fallback."""
        self.tokens = tokens
        for sess in list(self.sessions.values()):
            if sess.token is None:
                continue
            grant = tokens.get(sess.token)
            if grant is None or not grant.allows(sess.app or "") or \
                    ROLE_RANK[sess.role or "admin"] > ROLE_RANK[grant.role]:
                log.warning("event=session_closed session=%s why=token_revoked", sess.name)
                sess.send({"reply": None, "ok": False,
                           "error": {"code": "forbidden", "message": "the token this session used was revoked"}})
                sess.close()
                self.session_gone(sess, "token revoked")

    def check_sessions(self) -> None:
        """Applications that stopped answering lose their calls to the fallback."""
        for sess in list(self.sessions.values()):
            if sess.overdue(self.app_timeout_s):
                self.session_gone(sess, "not answering")
                try:
                    sess.writer.close()
                except Exception:
                    pass

    # ---- who has the call -------------------------------------------------------------------------
    def apply_fallback(self, line: Line, why: str, app: str | None = None) -> None:
        fb = self.fallback
        then = fb.then_for(app)
        self.record_event(line, "fallback", why=why)
        if line.call:
            line.call.vars["fallback"] = why
        if then.startswith("app:") or then.partition(":")[0] in ("ivr", "queue", "fax"):
            if self.hand_to(line, then, reason="fallback"):
                return
        if line.state in (LineState.RINGING, LineState.OFFERED):
            line.sig.answer()
        if line.state != LineState.UP:
            line.sig.hangup("fallback")
            return
        self.leave_bridge(line)
        items: list[Any] = [fb.prompt] if fb.prompt and os.path.exists(fb.prompt) else []
        if then == "return" and app and line.call is not None:
            self._await_return(line, app, items)
            return
        self.media.fallback_prompt(line, items or [("tone", "congestion", 3000)])

    def _await_return(self, line: Line, app: str, items: list[Any]) -> None:
        """The caller holds (the fallback prompt, then music) until its application is back (reclaim)."""
        call = line.call
        assert call is not None
        call.awaiting = app
        if items:
            self.engine.play(line.chan, items)
        call.media.hold_playback = self.engine.play(line.chan, self.media.music_on_hold(), loop=True)

        def give_up() -> None:
            if line.call is call and call.awaiting:
                log.warning("event=application_not_back line=%s app=%s", line.name, app)
                call.awaiting = None
                line.sig.hangup("fallback")
        call.return_timer = self.timers.call_later(self.fallback.return_s * 1000, give_up)

    def reclaim(self, sess: Session) -> list[dict[str, Any]]:
        """An application back after it went away takes its calls again: those waiting for it (offer, reason
        "returned", with the data of their last handoff) and those that talked on without it (reason "adopted",
        with their bridge). Returns what it was offered."""
        taken: list[dict[str, Any]] = []
        for line in self.lines.values():
            call = line.call
            if call is None or sess.app not in (call.awaiting, call.orphan_of):
                continue
            reason = "returned" if call.awaiting == sess.app else "adopted"
            if call.awaiting:
                self.timers.cancel(call.return_timer)
                self.engine.play_stop(line.chan, 0)
                call.media.hold_playback = None
            call.awaiting = call.orphan_of = None
            prev, call.owner = call.owner, sess.name
            self.record_event(line, "reclaimed", by=sess.name, reason=reason)
            offer = {**self.call_info(line), "target": call.target, "reason": reason, "previous": prev,
                     **({"data": call.handoff_data} if call.handoff_data else {})}
            sess.send_event("offer", **offer)
            taken.append(offer)
        return taken

    def bridge_left_alone(self, line: Line, bridge: str) -> None:
        """A line's bridge ended around it: its owner is told; a call nobody owns any more is hung up."""
        if line.owner:
            self.tell_owner(line, "unbridged", bridge=bridge)
        elif line.call is not None and line.call.orphan_of and line.busy and line.state != LineState.CLEARING:
            line.call.orphan_of = None
            line.sig.hangup("normal")

    def hand_to(self, line: Line, application: str, reason: str = "handoff", from_session: Session | None = None,
                data: dict[str, Any] | None = None) -> bool:
        app, target = split_application(application)
        sess = self.pick_session(app)
        call = line.call
        if sess is None or call is None:
            return False
        prev = call.owner
        call.owner = sess.name
        call.application = application
        call.target = target
        call.handoff_data = data
        self.record_event(line, "handoff", to=application, by=prev, reason=reason)
        extra = {"data": data} if data else {}
        sess.send_event("offer", **self.call_info(line), target=target, reason=reason, previous=prev, **extra)
        return True

    def start_dial(self, sess: Session, line: Line, number: str, caller_id: str, trunk_group: str,
                   call_id: str | None, no_answer_ms: int | None,
                   redirecting: tuple[str, str] | None = None) -> Call:
        """An outbound call for sess on line (picked free from its trunk group). redirecting: the call is one the
        application forwards (the number it was for, and why: PRI's redirecting number on our SETUP)."""
        group = self.trunk_groups.get(trunk_group)
        call = line.new_call("outbound", self.now(), caller=caller_id, dialled=number, trunk_group=trunk_group,
                             application=sess.app, call_id=call_id, owner=sess.name, no_answer_ms=no_answer_ms,
                             record_whole=bool(group and group.record))
        if redirecting:
            call.vars.update(redirecting=redirecting[0], redirecting_reason=redirecting[1])
        try:
            line.sig.dial(number, caller_id)
        except (RuntimeError, EngineError):
            line.call = None
            raise
        return call

    def annotate(self, line: Line, **fields: str) -> None:
        """Facts the call record keeps (agent, queue)."""
        assert line.call is not None
        line.call.vars.update(fields)
        if self.recorder:
            self.recorder.updated(line, **fields)
        self.record_event(line, "annotate", **fields)

    def handoff(self, line: Line, application: str, reason: str, data: dict[str, Any] | None) -> bool:
        self.leave_bridge(line)
        return self.hand_to(line, application, reason=reason, data=data)

    # ---- what applications are told --------------------------------------------------------------
    def call_info(self, line: Line) -> dict[str, Any]:
        c = line.call
        info: dict[str, Any] = {"chan": line.name, "state": line.state.value, "time_ms": self.now()}
        if c:
            info.update(call_id=c.call_id, direction=c.direction, caller=c.caller, dialled=c.dialled,
                        span=line.span, cid_name=c.vars.get("cid_name", ""))
            if c.bridge is not None:
                info["bridge"] = c.bridge.name
            info.update({k: c.vars[k] for k in ("agent", "queue", "category", "redirecting", "redirecting_reason")
                         if c.vars.get(k)})
        return info

    def tell_owner(self, line: Line, kind: str, **fields: Any) -> None:
        """An event to the application owning the line's call, naming the call (a line carries one call after
        another: an event of the last one may still be on its way when the next one starts)."""
        sess = self.session_by_name(line.owner)
        if sess:
            if line.call is not None:
                fields.setdefault("call_id", line.call.call_id)
            sess.send_event(kind, chan=line.name, time_ms=self.now(), **fields)

    def tell_subscribers(self, kind: str, **fields: Any) -> None:
        for s in self.sessions.values():
            if s.subscribed:
                s.send_event(kind, **fields)

    def record_event(self, line: Line, kind: str, **data: Any) -> None:
        """What happened on the call: into its record, and to the sessions following calls (a call_event
        with chan, call_id and what=kind; data's keys must not be those)."""
        if self.recorder and line.call:
            self.recorder.event(line, kind, **data)
        if line.call:
            self.tell_call_followers(line.name, line.call.call_id, kind, **{k.rstrip("_"): v for k, v in data.items()})

    def tell_call_followers(self, chan: str, call_id: str, what: str, **fields: Any) -> None:
        """A call_event to the sessions following calls (subscribe with calls: true)."""
        for s in self.sessions.values():
            if s.subscribed_calls:
                s.send_event("call_event", chan=chan, call_id=call_id, what=what, **fields)

    def _record_written(self, chan: str, call: Call, part: str) -> None:
        """A part of a call's record (opened, answered, closed) is in the database: it survives a kill -9."""
        self.tell_call_followers(chan, call.call_id, "record_written", part=part, leg_id=call.leg_id)

    # ---- line state changes -----------------------------------------------------------------------
    def line_changed(self, line: Line, prev: LineState, sig: Signal, info: dict[str, Any]) -> None:
        call = line.call
        now = self.now()
        self.tell_subscribers("line_state", chan=line.name, state=line.state.value, previous=prev.value,
                              signal=sig.value, caller=call.caller if call else "",
                              dialled=call.dialled if call else "", time_ms=now)
        if sig in (Signal.INCOMING, Signal.DIAL) and call and self.recorder:
            self.recorder.opened(line)
        self.record_event(line, "state", state=line.state.value, signal=sig.value, **info)

        if sig == Signal.OFFER:
            self._offer(line)
        elif sig in (Signal.ANSWER, Signal.REMOTE_ANSWER) and call:
            call.answered_ms = now
            call.answered_at = call.started_at + (now - call.started_ms) / 1000.0
            if self.recorder:
                self.recorder.updated(line, answered_at=call.answered_at, application=call.application)
            if self._listen_for_fax(line):
                self.engine.set_dsp(line.chan, line.sig.media_dsp() | Dsp.FAXTONE)
            self.echo(line, True)
            if call.record_whole:
                self.media.record_call(line)
            self.busy_learning.call_up(line)
            self.tell_owner(line, "answered", how=info.get("how", "local"))
        elif sig == Signal.REMOTE_FAIL:
            self._stop_media(line)
            self.tell_owner(line, "dial_failed", cause=info.get("cause"),
                            disposition=call.disposition.value if call and call.disposition else "failed")
        elif sig == Signal.REMOTE_HANGUP:
            self.busy_learning.remote_hangup(line)
            self.tell_owner(line, "hangup", cause=info.get("cause"), by="remote")
            self._stop_media(line)
        elif sig == Signal.HANGUP:
            self._stop_media(line)

        if sig in (Signal.REMOTE_ANSWER, Signal.REMOTE_FAIL, Signal.REMOTE_HANGUP):
            self.transfers.line_changed(line, sig, info)
        if line.state == LineState.IDLE and prev != LineState.IDLE:
            self._ended(line)
            self.alarms.line_idle(line)

    def _offer(self, line: Line) -> None:
        call = line.call
        assert call is not None
        application, call.record_whole = self.router.decide(line.name, call.dialled, call.caller)
        call.application = application
        if self.recorder:
            self.recorder.updated(line, caller=call.caller, dialled=call.dialled, application=application)
        if not application:
            log.warning("event=no_route line=%s dialled=%s caller=%s", line.name, call.dialled, call.caller)
            self.apply_fallback(line, "no route")
            return
        if not self.hand_to(line, application, reason="inbound"):
            log.warning("event=application_unavailable line=%s application=%s", line.name, application)
            self.apply_fallback(line, f"application {application} is not connected")

    def _listen_for_fax(self, line: Line) -> bool:
        """An inbound voice call may be a fax machine calling: listen for CNG when a fax route is set."""
        if not self.fax_route or not line.call or line.call.direction != "inbound":
            return False
        return split_application(line.call.application or "")[0] != split_application(self.fax_route)[0]

    def fax_heard(self, line: Line) -> None:
        """A fax machine's calling tone on a voice call: the call goes to the fax route."""
        if not self._listen_for_fax(line):
            return
        log.info("event=fax_tone_heard line=%s to=%s", line.name, self.fax_route)
        self.engine.set_dsp(line.chan, line.sig.media_dsp())
        self.leave_bridge(line)
        self.engine.play_stop(line.chan, 0)
        call = line.call
        if call and call.media.collect:
            call.media.collect.cancel("fax")
        self.hand_to(line, self.fax_route, reason="fax tone")

    def echo(self, line: Line, on: bool) -> None:
        """A DAHDI line's echo canceller: on while a call is up, off for fax and when it ends."""
        if line.echo is None:
            return
        try:
            line.echo.on() if on else line.echo.off()
        except EngineError as exc:
            log.error("event=echo_canceller_failed line=%s on=%s error=%s", line.name, on, exc)

    def _stop_media(self, line: Line) -> None:
        """The call is ending: whatever the line was playing, recording or faxing ends with it
        (an E1 channel has no hook to take its media down, so this is done here for every kind)."""
        self.echo(line, False)
        self.leave_bridge(line)
        self.media.stop_all(line)

    def _ended(self, line: Line) -> None:
        call = line.call
        if call is None:
            return
        self.leave_bridge(line)
        line.call = None
        call.ended_ms = self.now()
        if call.disposition is None:
            if call.answered_ms is not None:
                call.disposition = Disposition.ANSWERED
            elif call.direction == "inbound":
                call.disposition = Disposition.ABANDONED if call.cause in (None, "abandoned", "on_hook") \
                    or "normal" in (call.cause or "") else Disposition.FAILED
            else:
                call.disposition = Disposition.FAILED
        if self.recorder:
            self.recorder.closed(line, call)
        sess = self.session_by_name(call.owner)
        if sess:
            sess.send_event("ended", chan=line.name, call_id=call.call_id, disposition=call.disposition.value,
                            cause=call.cause, time_ms=self.now())

    def number_complete(self, line: Line, dialled: str, caller: str) -> bool:
        return self.router.number_complete(line.name, dialled, caller)

    def move_call(self, line: Line, chan: int) -> Line | None:
        """Our PRI call on `line` goes on on another B-channel, the far end's choice (engine channel chan): the call,
        its owner and its record move to that channel's line, which must be idle here; `line` is idle again. The
        owner is told `moved` (chan: the new line, previous: the old one); subscribers see both lines change."""
        dst, call = self.by_chan.get(chan), line.call
        if dst is None or dst is line or call is None or dst.state != LineState.IDLE or call.bridge is not None \
                or line.state not in (LineState.DIALING, LineState.PROCEEDING):
            log.warning("event=call_move_refused line=%s chan=%s", line.name, chan)
            return None
        state = line.state
        dst.take_over(line, self.now())
        dst.sig.took_call(line.sig)
        if call.transfer is not None:
            if call.transfer.caller is line:
                call.transfer.caller = dst
            if call.transfer.callee is line:
                call.transfer.callee = dst
        now = self.now()
        if self.recorder:
            self.recorder.updated(dst, channel=dst.index)
        self.record_event(dst, "moved", previous=line.name)
        for ln, prev in ((line, state), (dst, LineState.IDLE)):
            self.tell_subscribers("line_state", chan=ln.name, state=ln.state.value, previous=prev.value, signal="moved",
                                  caller=call.caller, dialled=call.dialled, time_ms=now)
        self.tell_owner(dst, "moved", previous=line.name)
        self.alarms.line_idle(line)
        return dst

    def progress(self, line: Line, what: str, inband: bool = False, cause: str | None = None,
                 sent: bool = False) -> None:
        """How our call goes before an answer (what: ringing, proceeding, progress, announcement), into its record and
        to its application. inband: the far end's tones or announcement come on the channel now (PRI's progress
        indicator 1 or 8): the call's audio is open before the answer (early media: it may be bridged, and a
        transfer's caller hears it instead of chand's ringback). sent: it is our side that told the far end so, for
        a call chand plays to before answering (only the record says it)."""
        extra: dict[str, Any] = {"inband": True} if inband else {}
        if cause:
            extra["cause"] = cause
        self.record_event(line, "progress", progress=what, **extra, **({"sent": True} if sent else {}))
        if sent:
            return
        self.tell_owner(line, "progress", what=what, **extra)
        call = line.call
        if inband and call is not None and not call.vars.get("early_media"):
            call.vars["early_media"] = what
            self.engine.set_dsp(line.chan, line.sig.media_dsp())
            self.transfers.early_media(line)

    def flash(self, line: Line) -> None:
        self.record_event(line, "flash")
        self.tell_owner(line, "flash")

    def restarted(self, line: Line, acknowledged: bool) -> None:
        """Our RESTART of a PRI B-channel is done: the far end acknowledged it, or did not answer in time."""
        log.info("event=line_restarted line=%s acknowledged=%s", line.name, acknowledged)
        self.tell_subscribers("line_restarted", chan=line.name, acknowledged=acknowledged, time_ms=self.now())
        self.pri_restarts.restarted(line)

    def cas_changed(self, line: Line, bits: int) -> None:
        """A CAS line received new ABCD bits: subscribers (and a register signalling, later) are told."""
        self.tell_subscribers("cas", chan=line.name, bits=bits_text(bits), time_ms=self.now())

    # ---- bridges ------------------------------------------------------------------------------------
    def make_bridge(self, lines: Iterable[Line]) -> str:
        return self.bridges.bridge(lines).name

    def leave_bridge(self, line: Line) -> None:
        """The line leaves its bridge or conference (a bridge left with one call dissolves)."""
        self.bridges.leave(line)

    # ---- engine events ----------------------------------------------------------------------------------
    def on_engine_event(self, ev: Event) -> None:
        if isinstance(ev, Timer):
            self.timers.fire(ev.id)
            return
        line = self.by_chan.get(ev.chan)
        if line is not None:
            try:
                if self.busy_learning.on_event(line, ev):
                    return
                line.sig.on_event(ev)
                self.media.on_event(line, ev)
            except Exception:
                log.exception("event=line_event_failed line=%s type=%s", line.name, type(ev).__name__)
            return
        if self.sim and ev.chan in self.sim.by_chan:
            try:
                self.sim.on_event(self.sim.by_chan[ev.chan], ev)
            except Exception:
                log.exception("event=far_event_failed chan=%s type=%s", ev.chan, type(ev).__name__)
            return
        if isinstance(ev, AlarmEvent) and self.alarms.knows(ev.span):
            self.alarms.on_alarm(ev.span, ev.bits, ev.text)
        elif isinstance(ev, AlarmEvent):
            self.tell_subscribers("span_alarm", span=ev.chan, alarms=ev.text, bits=ev.bits)
        elif isinstance(ev, Overrun):
            log.error("event=engine_events_lost count=%s", ev.count)
        elif isinstance(ev, ErrorEvent):
            log.error("event=engine_error chan=%s text=%s", ev.chan, ev.text)
