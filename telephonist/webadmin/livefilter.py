"""What of the live line table a user may see: every channel's state, but callers' and dialled numbers
only with ``calls.all`` or on the user's own calls (the line's application is the user's agent ID).
Used by the live board, its event stream and the API's /api/status alike."""
from __future__ import annotations

from typing import Any

from telephonist.webadmin.accounts import User

HIDDEN = "***"


def line_for(user: User, line: dict[str, Any]) -> dict[str, Any]:
    if user.can("calls.all") or not (line.get("caller") or line.get("dialled")):
        return line
    mine = user.agent_id and line.get("application") in (user.agent_id, f"agent:{user.agent_id}")
    return line if mine else {**line, "caller": HIDDEN, "dialled": HIDDEN}


def message_for(user: User, msg: dict[str, Any]) -> dict[str, Any]:
    """A feed message (snapshot, line, span, connection) as ``user`` may see it."""
    if msg.get("type") == "snapshot" or "lines" in msg:
        return {**msg, "lines": [line_for(user, ln) for ln in msg["lines"]]}
    if msg.get("type") == "line":
        return {**msg, "line": line_for(user, msg["line"])}
    return msg
