"""Conference rooms: a caller enters with a PIN; a supervisor lists, mutes, kicks and locks (conferences.py)."""
from __future__ import annotations

from telephonist.chand.api.commands.registry import ADMIN, ANY, Commands, arg, engine_safe, media_line
from telephonist.chand.api.errors import ApiError, Forbidden, NotFound, WrongState
from telephonist.chand.conferences import Refusal, RoomRefused
from telephonist.chand.line import LineState

COMMANDS = Commands()
command = COMMANDS
ROOM = {"check": lambda c: 0 < len(c) <= 32, "what": "must name a conference room"}
VOUCHERS = ("queue",)       # applications that answer for their callers: the ACD puts an agent in as a leader


class ConferenceRefused(ApiError):
    """A room turned a caller away; the code says why (wrong_pin, conference_locked, conference_full ...)."""

    def __init__(self, exc: RoomRefused) -> None:
        super().__init__(str(exc))
        self.code = exc.why.value


def _refusal(fn):
    try:
        return fn()
    except RoomRefused as exc:
        if exc.why is Refusal.NO_ROOM:
            raise NotFound(str(exc)) from None
        raise ConferenceRefused(exc) from None
    except KeyError as exc:
        raise NotFound(exc.args[0]) from None


@command("conf_enter")
def conf_enter(board, sess, msg):
    """The caller on `chan` enters room `conf` with `pin` (refused: wrong_pin, conference_locked,
    conference_full, not_found); the reply says whether it is the room's leader and how many are in it."""
    line = media_line(board, sess, msg)
    if line.state != LineState.UP:
        raise WrongState(f"{line.name} is {line.state.value}; only a connected call can enter a conference")
    name = arg(msg, "conf", str, **ROOM)
    pin = arg(msg, "pin", str, "", check=lambda p: len(p) <= 32)
    party = _refusal(lambda: engine_safe(lambda: board.conferences.enter(line, name, pin)))
    return {"leader": party.leader, "parties": len(board.conferences.rooms[name].parties)}


@command("conf_enter_vouched")
def conf_enter_vouched(board, sess, msg):
    """The ACD (VOUCHERS) takes an agent's call into room `conf`: the agent's line `chan` enters without a PIN as
    the room's leader (a locked room too), and its customer `with` (optional) beside it, both or neither
    (conference_full)."""
    if sess.app not in VOUCHERS:
        raise Forbidden(f"conf_enter_vouched: only {', '.join(VOUCHERS)} may put a caller in a room without its PIN")
    lines = [media_line(board, sess, msg)]
    if "with" in msg:
        lines.append(media_line(board, sess, {"chan": msg["with"]}))
    for line in lines:
        if line.state != LineState.UP:
            raise WrongState(f"{line.name} is {line.state.value}; only a connected call can enter a conference")
    name = arg(msg, "conf", str, **ROOM)
    _refusal(lambda: engine_safe(lambda: board.conferences.enter_vouched(lines[0], name, *lines[1:])))
    return {"leader": True, "parties": len(board.conferences.rooms[name].parties)}


def _may_manage(board, sess, name: str) -> None:
    """An admin session (the web console), or the session that holds a leader's line in the room (the ACD for an
    agent that took its call in; the ACD checks which agent asks)."""
    if sess.role == "admin":
        return
    leaders = _refusal(lambda: board.conferences.leader_lines(name))
    if not any(line.owner == sess.name for line in leaders):
        raise Forbidden(f"{sess.name} holds no leader of conference {name}")


@command("conf_check_pin")
def conf_check_pin(board, sess, msg):
    """Whether `pin` opens room `conf` (wrong_pin otherwise), before the caller is put in: a flow says
    "wrong PIN" and asks again without touching the room. Without `pin`: whether the room asks for one."""
    room = _refusal(lambda: board.conferences.room(arg(msg, "conf", str, **ROOM)))
    if "pin" not in msg:                # only whether the room asks for one
        return {"leader": False, "pin_needed": bool(room.cfg.pin)}
    leader = _refusal(lambda: board.conferences.check_pin(room, arg(msg, "pin", str, "", check=lambda p: len(p) <= 32)))
    return {"leader": leader, "pin_needed": bool(room.cfg.pin)}


@command("conf_rooms", ANY)
def conf_rooms(board, sess, msg):
    """Every room: locked, limit, session, recording, and its parties (chan, caller, joined, muted, leader)."""
    return {"rooms": board.conferences.describe_all()}


@command("conf_mute")
def conf_mute(board, sess, msg):
    name = arg(msg, "conf", str, **ROOM)
    _may_manage(board, sess, name)
    chan = arg(msg, "chan", str)
    muted = arg(msg, "muted", bool, True)
    _refusal(lambda: engine_safe(lambda: board.conferences.mute(name, chan, muted)))
    return None


@command("conf_kick")
def conf_kick(board, sess, msg):
    name = arg(msg, "conf", str, **ROOM)
    _may_manage(board, sess, name)
    chan = arg(msg, "chan", str)
    _refusal(lambda: engine_safe(lambda: board.conferences.kick(name, chan)))
    return None


@command("conf_lock", ADMIN)
def conf_lock(board, sess, msg):
    name = arg(msg, "conf", str, **ROOM)
    locked = arg(msg, "locked", bool, True)
    _refusal(lambda: board.conferences.lock(name, locked))
    return None
