"""Applications talking through chand: `request`/`respond` between applications, `publish` to subscribers."""
from __future__ import annotations

import re

from telephonist.chand.api.commands.registry import ANY, APP, Commands, arg, ms_arg
from telephonist.chand.api.errors import Forbidden

COMMANDS = Commands()
command = COMMANDS
APP_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


@command("request", ANY)
def request(board, sess, msg):
    """Ask another application (body: an object); the reply is its answer (`body`), or its refusal."""
    app = arg(msg, "app", str, check=lambda a: bool(APP_NAME.fullmatch(a)), what="must be an application name")
    body = arg(msg, "body", dict, {})
    timeout = ms_arg(msg, "timeout_ms", 5000, low=100, high=60000)

    pending = board.bus.request(sess, app, body, timeout / 1000.0)     # sent now, inside the command

    async def answer():
        return {"body": await pending}
    return answer()


@command("respond", APP)
def respond(board, sess, msg):
    rid = arg(msg, "request", int, check=lambda r: r > 0)
    ok = arg(msg, "ok", bool, True)
    board.bus.respond(sess, rid, ok, arg(msg, "body", dict, None), arg(msg, "error", dict, None))
    return None


@command("publish", APP)
def publish(board, sess, msg):
    """News of this application to the sessions subscribed to its topic ("acd" or "acd.something")."""
    topic = arg(msg, "topic", str, check=lambda t: 0 < len(t) <= 64)
    if topic != sess.app and not topic.startswith(f"{sess.app}."):
        raise Forbidden(f"publish: {sess.app} publishes under its own name ({sess.app!r} or '{sess.app}.*')")
    return {"subscribers": board.bus.publish(sess, topic, arg(msg, "event", dict))}
