"""What the console's public JSON routes share (the website chat's visitor routes, the web call-back request):
no login, so every request is checked here before it reaches the ACD: JSON only, a size cap, refusals as
``{"error": {"code", "message"}}`` with their status."""
from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request


def refused(status: int, code: str, message: str, **headers: str):
    resp = jsonify(error={"code": code, "message": message})
    resp.status_code = status
    resp.headers.update(headers)
    return resp


def body_refusal(max_bytes: int):
    """The refusal for a request body these routes never take (not JSON, or over max_bytes); None: go on."""
    if request.method == "POST" and not request.is_json:
        return refused(415, "bad_request", "send JSON (Content-Type: application/json)")
    if request.content_length is not None and request.content_length > max_bytes:
        return refused(413, "bad_request", f"at most {max_bytes // 1024} KiB")
    return None


def ask_acd(action: str, **body: Any) -> dict[str, Any]:
    """One request to the ACD through the console's desk feed (its reply, or ApiCallError/FeedUnavailable)."""
    return current_app.extensions["desk_feed"].ask(action, **body)
