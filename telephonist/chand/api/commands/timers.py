"""Applications' timers on the engine clock: what they wait for (a wrap-up, a caller's longest wait, the
next announcement) runs on the same time as the calls, simulated time included."""
from __future__ import annotations

from telephonist.chand.api.commands.registry import APP, Commands, arg, ms_arg
from telephonist.chand.api.errors import Unavailable

COMMANDS = Commands()
command = COMMANDS
MAX_TIMERS = 100_000


@command("timer", APP)
def timer(board, sess, msg):
    """A `timer` event (`timer`, `key`) to this session after `ms` of engine time."""
    ms = ms_arg(msg, "ms", low=1)
    key = arg(msg, "key", str, "", check=lambda k: len(k) <= 128)
    if len(sess.timers) >= MAX_TIMERS:
        raise Unavailable(f"timer: this session has {MAX_TIMERS:,} timers running")

    def fire() -> None:
        if sess.timers.pop(handle, None) is not None and not sess.closed:
            sess.send_event("timer", timer=handle, key=key, time_ms=board.now())
    handle = board.timers.call_later(ms, fire)
    sess.timers[handle] = key
    now = board.now()
    return {"timer": handle, "time_ms": now, "due_ms": now + ms}


@command("timer_cancel", APP)
def timer_cancel(board, sess, msg):
    handle = arg(msg, "timer", int, check=lambda t: t > 0)
    if sess.timers.pop(handle, None) is not None:
        board.timers.cancel(handle)
        return {"cancelled": True}
    return {"cancelled": False}          # fired already (its event may be on its way), or never this session's

