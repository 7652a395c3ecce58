"""Bridges (calls that hear each other) and named conferences (speak, listen only, or whisper)."""
from __future__ import annotations

from telephonist.chand.api.commands.registry import Commands, arg, engine_safe, media_line
from telephonist.chand.api.errors import BadRequest, WrongState
from telephonist.chand.line import LineState
from telephonist.engine import ConfRole

COMMANDS = Commands()
command = COMMANDS
ROLES = {"speak": ConfRole.SPEAK, "listen": ConfRole.LISTEN, "whisper": ConfRole.WHISPER}


@command("bridge")
def bridge(board, sess, msg):
    names = arg(msg, "chans", list, check=lambda v: 2 <= len(v) <= 64, what="must name 2 to 64 channels")
    lines = [board.owned_line(sess, n) for n in names]
    if len({ln.name for ln in lines}) != len(lines):
        raise BadRequest("bridge: a channel is named twice")
    for ln in lines:
        if ln.state != LineState.UP:
            raise WrongState(f"{ln.name} is {ln.state.value}; only connected calls can be bridged")
    return {"bridge": engine_safe(lambda: board.bridges.bridge(lines)).name}


@command("unbridge")
def unbridge(board, sess, msg):
    line = board.owned_line(sess, msg.get("chan"))
    engine_safe(lambda: board.leave_bridge(line))
    return None


@command("conf_join")
def conf_join(board, sess, msg):
    line = media_line(board, sess, msg)
    conf = arg(msg, "conf", str, check=lambda c: 0 < len(c) <= 64)
    role = arg(msg, "role", str, "speak", check=lambda r: r in ROLES, what="must be speak, listen or whisper")
    target = board.line(arg(msg, "whisper_to", str)) if role == "whisper" else None
    engine_safe(lambda: board.bridges.conference(line, conf, ROLES[role], target))
    return None


@command("conf_leave")
def conf_leave(board, sess, msg):
    line = board.owned_line(sess, msg.get("chan"))
    engine_safe(lambda: board.leave_bridge(line))
    return None
