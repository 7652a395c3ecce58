"""The sound-card phone (driver local): lift, keys, hang up — what `telephonist phone` sends."""
from __future__ import annotations

import re

from telephonist.chand.api.commands.registry import Commands, arg, engine_safe
from telephonist.chand.api.errors import BadRequest

COMMANDS = Commands()
command = COMMANDS


def _local_line(board, msg):
    line = board.line(arg(msg, "chan", str))
    if not line.local:
        raise BadRequest(f"{line.name} is not the sound-card phone")
    return line


@command("local.lift")
def local_lift(board, sess, msg):
    line = _local_line(board, msg)
    engine_safe(lambda: board.engine.local_hook(line.chan, True))
    return None


@command("local.hangup")
def local_hangup(board, sess, msg):
    line = _local_line(board, msg)
    engine_safe(lambda: board.engine.local_hook(line.chan, False))
    return None


@command("local.keys")
def local_keys(board, sess, msg):
    line = _local_line(board, msg)
    digits = arg(msg, "digits", str, check=lambda d: bool(re.fullmatch(r"[0-9*#A-Da-d]{1,32}", d)))
    engine_safe(lambda: board.engine.local_dtmf(line.chan, digits))
    return None
