"""Bridges (calls that hear each other) and named conferences (speak, listen only, or whisper)."""
from __future__ import annotations

from telephonist.chand.api.commands.registry import Commands, arg, engine_safe, media_line, play_items
from telephonist.chand.api.errors import BadRequest, NotFound, NotOwner, WrongState
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
        early = ln.state == LineState.PROCEEDING and ln.call is not None and bool(ln.call.vars.get("early_media"))
        if ln.state != LineState.UP and not early:
            raise WrongState(f"{ln.name} is {ln.state.value}; only connected calls (or calls whose far end sends "
                             "in-band tones before answering: early media) can be bridged")
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
    if conf in board.conferences.rooms:
        raise WrongState(f"{conf} is a conference room: a caller enters it with conf_enter (its PIN, limit and lock)")
    role = arg(msg, "role", str, "speak", check=lambda r: r in ROLES, what="must be speak, listen or whisper")
    target = board.line(arg(msg, "whisper_to", str)) if role == "whisper" else None
    engine_safe(lambda: board.bridges.conference(line, conf, ROLES[role], target))
    return None


@command("bridge_join")
def bridge_join(board, sess, msg):
    """Join a bridge or conference already running: a supervisor listens (`listen`), coaches one member
    (`whisper`, with `whisper_to`) or barges in (`speak`). The bridge is named (`bridge`) or found
    through one of its lines (`with`); the session must own the joining line and a call in the bridge."""
    line = media_line(board, sess, msg)
    if line.state != LineState.UP:
        raise WrongState(f"{line.name} is {line.state.value}; only a connected call can join a bridge")
    if "bridge" in msg:
        b = board.bridges.by_name.get(arg(msg, "bridge", str, check=lambda n: 0 < len(n) <= 70))
    else:
        b = board.line(arg(msg, "with", str)).bridge
    if b is None:
        raise NotFound("bridge_join: no such bridge (or the call named by 'with' is in none)")
    if sess.role != "admin" and not any(m.owner == sess.name for m in b.members):
        raise NotOwner(f"bridge_join: none of the calls in {b.name} belongs to {sess.name}")
    role = arg(msg, "role", str, "listen", check=lambda r: r in ROLES, what="must be speak, listen or whisper")
    target = None
    if role == "whisper":
        target = board.line(arg(msg, "whisper_to", str))
        if target not in b.members:
            raise BadRequest(f"bridge_join: {target.name} is not in {b.name}")
    engine_safe(lambda: board.bridges.join(line, b, ROLES[role], target))
    return {"bridge": b.name}


@command("hold")
def hold(board, sess, msg):
    """The call leaves its bridge's mix (staying a member) and hears music until `unhold`."""
    line = media_line(board, sess, msg)
    if line.state != LineState.UP:
        raise WrongState(f"{line.name} is {line.state.value}; only a connected call can be held")
    music = play_items(board, msg, "music") if msg.get("music") else board.media.music_on_hold()
    engine_safe(lambda: board.media.hold(line, music))
    return None


@command("unhold")
def unhold(board, sess, msg):
    line = media_line(board, sess, msg)
    engine_safe(lambda: board.media.unhold(line))
    return None


@command("conf_leave")
def conf_leave(board, sess, msg):
    line = board.owned_line(sess, msg.get("chan"))
    engine_safe(lambda: board.leave_bridge(line))
    return None
