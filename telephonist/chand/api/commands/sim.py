"""The simulated far ends (tests, the demo): call in, answer, hang up, press keys, play, record, fax.

Registered only where a chand has sim spans: on real cards these commands do not exist.
"""
from __future__ import annotations

from typing import Any

from telephonist.chand.api.commands.registry import Commands, arg, dtmf_arg, engine_safe, ms_arg, play_items
from telephonist.chand.api.errors import Unavailable, WrongState
from telephonist.chand.api.session import Session
from telephonist.chand.line import LineState
from telephonist.drivers.sim.far_end import FarState
from telephonist.engine import Codec, Hook, RecMode

COMMANDS = Commands()
command = COMMANDS


def _take(board, sess: Session, far) -> None:
    def observe(far, what: str, data: dict[str, Any]) -> None:
        if not sess.closed:
            sess.send_event("far", far=far.name, what=what, time_ms=board.now(), **data)
    board.sim.take(far, sess.name, observe)


@command("sim.call")
def sim_call(board, sess, msg):
    if "chan" in msg:
        far = board.far(msg["chan"])
    else:
        span = arg(msg, "span", str)
        idle = [f for f in board.sim.by_chan.values()
                if f.near_name.split("/")[0] == span and f.state == FarState.IDLE
                and board.lines[f.near_name].state == LineState.IDLE]
        if not idle:
            raise Unavailable(f"sim.call: no idle line on span {span!r}")
        far = idle[0]
    caller = arg(msg, "caller", str, "", check=lambda c: len(c) <= 32)
    dialled = arg(msg, "dialled", str, "", check=lambda d: len(d) <= 32)
    cid = arg(msg, "cid", str, None, check=lambda c: c in ("bell202", "v23", "dtmf", "none"))
    complete = arg(msg, "complete", bool, True)
    channel = arg(msg, "channel", int, None, check=lambda n: 1 <= n <= 31, what="is a timeslot from 1 to 31")
    redirecting = arg(msg, "redirecting", str, None, check=lambda d: 0 < len(d) <= 32 and d.isdigit(),
                      what="must be 1-32 digits")
    reason = arg(msg, "redirecting_reason", int, 0, check=lambda n: 0 <= n <= 15, what="is a Q.931 reason, 0-15")
    _take(board, sess, far)
    far.cid_name = arg(msg, "cid_name", str, None, check=lambda n: len(n) <= 64)
    far.cid_datetime = arg(msg, "cid_datetime", str, None, check=lambda d: len(d) == 8 and d.isdigit(),
                           what="must be MMDDHHMM")
    try:
        board.sim.call(far, caller, dialled, cid=cid, complete=complete, channel=channel, redirecting=redirecting,
                       redirecting_reason=reason)
    except RuntimeError as exc:
        raise WrongState(str(exc)) from exc
    return {"far": far.name, "chan": far.near_name}


@command("sim.info")
def sim_info(board, sess, msg):
    """A network far end calling in sends more digits (overlap sending, after sim.call with complete false)."""
    far = board.far(msg.get("far"))
    digits = arg(msg, "digits", str, check=lambda d: 0 < len(d) <= 32 and d.isdigit(), what="must be 1-32 digits")
    try:
        board.sim.info(far, digits)
    except RuntimeError as exc:
        raise WrongState(str(exc)) from exc
    return {"far": far.name}


@command("sim.take")
def sim_take(board, sess, msg):
    far = board.far(msg.get("far"))
    rings = arg(msg, "auto_answer_rings", int, None, check=lambda n: 0 <= n <= 100)
    _take(board, sess, far)
    if "auto_answer_rings" in msg:
        far.auto_answer_rings = rings
    return {"far": far.name}


@command("sim.hangup")
def sim_hangup(board, sess, msg):
    board.sim.hangup(board.far(msg.get("far")))
    return None


@command("sim.flash")
def sim_flash(board, sess, msg):
    """The far end flashes its hook (a phone's recall key; an exchange's flash is not simulated)."""
    far = board.far(msg.get("far"))
    engine_safe(lambda: board.engine.hook(far.chan, Hook.FLASH))
    return None


@command("sim.answer")
def sim_answer(board, sess, msg):
    board.sim.answer(board.far(msg.get("far")))
    return None


@command("sim.dtmf")
def sim_dtmf(board, sess, msg):
    far = board.far(msg.get("far"))
    digits = dtmf_arg(msg)
    on_ms = ms_arg(msg, "on_ms", 100, low=10, high=10000)
    off_ms = ms_arg(msg, "off_ms", 100, low=10, high=10000)
    return {"id": engine_safe(lambda: board.engine.send_dtmf(far.chan, digits, on_ms, off_ms))}


@command("sim.play")
def sim_play(board, sess, msg):
    far = board.far(msg.get("far"))
    items = play_items(board, msg)
    return {"playback": engine_safe(lambda: board.engine.play(far.chan, items))}


@command("sim.record")
def sim_record(board, sess, msg):
    far = board.far(msg.get("far"))
    path = arg(msg, "path", str, check=lambda p: 0 < len(p) <= 4096)
    codec = Codec.LINEAR if path.endswith(".wav") and arg(msg, "linear", bool, True) else Codec.ALAW
    max_ms = ms_arg(msg, "max_ms", 0)
    return {"recording": engine_safe(lambda: board.engine.record(far.chan, path, RecMode.RX, codec, max_ms=max_ms))}


@command("sim.stop_record")
def sim_stop_record(board, sess, msg):
    far = board.far(msg.get("far"))
    engine_safe(lambda: board.engine.record_stop(far.chan, 0))
    return None


@command("sim.fax")
def sim_fax(board, sess, msg):
    far = board.far(msg.get("far"))
    direction = arg(msg, "direction", str, check=lambda d: d in ("send", "receive"))
    path = arg(msg, "path", str, check=lambda p: 0 < len(p) <= 4096)
    calling = arg(msg, "calling", bool, True)
    ecm = arg(msg, "ecm", bool, True)
    return {"fax": engine_safe(lambda: board.engine.fax(far.chan, path, send=direction == "send", calling=calling,
                                                        ecm=ecm))}


@command("sim.heard")
def sim_heard(board, sess, msg):
    far = board.far(msg.get("far"))
    return {"digits": far.heard_digits, "state": far.state.value, "dialled": far.dialled}
