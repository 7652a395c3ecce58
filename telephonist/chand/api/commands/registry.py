"""What every command module uses: a registry with roles, and argument checks that give clear errors."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from telephonist.chand.api.errors import BadRequest, EngineFailure, WrongState
from telephonist.chand.line import Line, LineState
from telephonist.engine import EngineError

if TYPE_CHECKING:
    from telephonist.chand.api.session import Session
    from telephonist.chand.switchboard import Switchboard

Handler = Callable[["Switchboard", "Session", dict[str, Any]], dict[str, Any] | None]
ANY = ("app", "monitor", "admin")
APP = ("app", "admin")
ADMIN = ("admin",)

DIGITS = re.compile(r"[0-9*#]{1,32}")
DTMF = re.compile(r"[0-9*#A-Da-d]{1,64}")
MAX_MS = 24 * 3600 * 1000               # no duration an application gives may pass a day


class Commands:
    """One area's commands: name -> (handler, roles that may use it)."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[Handler, tuple[str, ...]]] = {}

    def __call__(self, name: str, roles: tuple[str, ...] = APP) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.entries[name] = (fn, roles)
            return fn
        return register


def arg(msg: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any = ..., *,
        check: Callable[[Any], bool] | None = None, what: str = "") -> Any:
    if key not in msg or msg[key] is None:
        if default is ...:
            raise BadRequest(f"{msg.get('cmd')}: missing '{key}'")
        return default
    value = msg[key]
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise BadRequest(f"{msg.get('cmd')}: '{key}' must be {names}")
    if check and not check(value):
        raise BadRequest(f"{msg.get('cmd')}: '{key}' {what or 'is out of range'}")
    return value


def ms_arg(msg: dict[str, Any], key: str, default: int = ..., low: int = 0, high: int = MAX_MS) -> int:
    """A duration in milliseconds, within low..high."""
    return arg(msg, key, int, default, check=lambda v: low <= v <= high,
               what=f"must be from {low} to {high} ms")


def digits_arg(msg: dict[str, Any], key: str = "number") -> str:
    return arg(msg, key, str, check=lambda n: bool(DIGITS.fullmatch(n)), what="must be 1-32 digits")


def dtmf_arg(msg: dict[str, Any], key: str = "digits") -> str:
    return arg(msg, key, str, check=lambda d: bool(DTMF.fullmatch(d)), what="must be 1-64 DTMF digits")


def engine_safe(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except EngineError as exc:
        raise EngineFailure(str(exc)) from exc


MEDIA_STATES = (LineState.UP, LineState.DIALING, LineState.PROCEEDING, LineState.RINGING, LineState.OFFERED)


def media_line(board: "Switchboard", sess: "Session", msg: dict[str, Any]) -> Line:
    """The session's line, with a call whose channel can play, record and listen now."""
    line = board.owned_line(sess, msg.get("chan"))
    if line.state not in MEDIA_STATES or line.call is None:
        raise WrongState(f"{line.name} is {line.state.value}")
    return line


def play_items(board: "Switchboard", msg: dict[str, Any], key: str = "items") -> list[Any]:
    """Prompt files, tones and silences, checked: names inside the prompt folders, durations within a day."""
    items = arg(msg, key, list, check=lambda v: 0 < len(v) <= 100, what="must list 1 to 100 items")
    out: list[Any] = []
    for it in items:
        if isinstance(it, str):
            out.append(board.media.prompt_path(it))
        elif isinstance(it, dict) and isinstance(it.get("tone"), str) and len(it["tone"]) <= 32:
            out.append(("tone", it["tone"], ms_arg({"cmd": msg.get("cmd"), **it}, "ms", 0)))
        elif isinstance(it, dict) and "silence" in it:
            out.append(("silence", ms_arg({"cmd": msg.get("cmd"), **it}, "silence", low=1)))
        else:
            raise BadRequest(f"{msg.get('cmd')}: item {str(it)[:80]!r} is not a file name, "
                             "{'tone': name, 'ms': n} or {'silence': ms}")
    return out
