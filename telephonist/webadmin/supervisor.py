"""The supervisor page (``/supervisor``) and the wallboard (``/wallboard``): every queue and agent live, and a
supervisor's actions on them, each one of the ACD's requests (docs/acd.md) through the chand feed.

Actions (right ``supervise.use``, checked here whatever the page showed; each written to the audit log):
listen / whisper / barge (the ACD's ``supervise``: the supervisor's phone rings — the user's agent ID, whose
extension the ACD knows, or an extension the supervisor typed) and force ready / not ready / logout (the ACD's
``force``). The wallboard (right ``wallboard.view``) has no controls. Both pages' live channel is
``GET /supervisor/events`` and ``/wallboard/events`` (supfeed.py), held on the console server's event loop.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, render_template, request

from telephonist.client import ApiCallError
from telephonist.webadmin.desk import _refused, acd_reply, desk
from telephonist.webadmin.deskqueues import current_config
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.livefeed import FeedUnavailable
from telephonist.webadmin.livestream import TICKET_HEADER
from telephonist.webadmin.security import requires

bp = Blueprint("supervisor", __name__, template_folder="templates")

SUPERVISE_MODES = ("listen", "whisper", "barge")
FORCE_STATES = {"force_ready": "ready", "force_not_ready": "not_ready", "force_logout": "logout"}
AGENT = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
PHONE = re.compile(r"^[0-9]{1,32}$")
MESSAGE_TO = re.compile(r"^(queue|agent):[0-9A-Za-z_-]{1,32}$")


class ActionRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _problem() -> str:
    """Why the live part may be stale now ("" when the ACD answered)."""
    try:
        desk().refresh()
        return ""
    except (ApiCallError, FeedUnavailable) as exc:
        return str(exc)


@bp.route("/supervisor/")
@requires("supervise.use")
def page():
    cfg = current_config()
    return render_template("supervisor/board.html", problem=_problem(),
                           reasons=[r for r in cfg.acd.not_ready_reasons if r != cfg.acd.missed_reason],
                           reason_labels={r: _(r) for r in (*cfg.acd.not_ready_reasons, cfg.acd.missed_reason)},
                           own_agent=g.user.agent_id or "", queue_names=[q.name for q in cfg.queues])


@bp.route("/wallboard")
@requires("wallboard.view")
def wallboard():
    return render_template("supervisor/wallboard.html", problem=_problem())


@bp.route("/supervisor/events")
@requires("supervise.use")
def events():
    """Admission to the supervisor page's live channel (held on the console server's loop: supfeed.py)."""
    return _admit("supervisor")


@bp.route("/wallboard/events")
@requires("wallboard.view")
def wallboard_events():
    """Admission to a wallboard's: the same stream, the queues only."""
    return _admit("wallboard")


def _admit(viewer: str) -> Response:
    streams = current_app.extensions.get("supervisor_streams")
    if streams is None:
        abort(503, description="live events are served by `telephonist webadmin` (its ASGI server)")
    return Response(status=200, mimetype="text/event-stream", headers={
        "Cache-Control": "no-cache", "X-Accel-Buffering": "no", TICKET_HEADER: streams.admit(viewer)})


@bp.route("/supervisor/act/<action>", methods=["POST"])
@requires("supervise.use")
def act(action: str):
    try:
        name, request_body = _request_for(action, request.form)
    except ActionRefused as exc:
        return _refused(exc.status, exc.code, exc.message)
    return acd_reply(name, request_body, audit=(f"supervisor_{action}", request_body["agent"],
                                                {k: v for k, v in request_body.items() if k != "agent"}))


@bp.route("/supervisor/message", methods=["POST"])
@requires("supervise.use")
def message():
    """A short message to a queue's agents, to every agent, or to one (their desktops show it at once)."""
    to, text = request.form.get("to", "").strip(), request.form.get("text", "")
    if not (to == "all" or MESSAGE_TO.match(to)) or len(text) > 500:
        return _refused(400, "bad_request", "a message goes to queue:NAME, agent:N or all, in at most 500 characters")
    return acd_reply("message", {"from": f"supervisor {g.user.username}"[:64], "to": to, "text": text},
                     audit=("supervisor_message", to, {}))


def _request_for(action: str, form: Any) -> tuple[str, dict[str, Any]]:
    """The ACD request an action is: (action, body); ActionRefused for anything else."""
    agent = form.get("agent", "").strip()
    if not AGENT.match(agent):
        raise ActionRefused(400, "bad_request", "'agent' is an agent's number")
    if action in SUPERVISE_MODES:
        phone = form.get("phone", "").strip() or (g.user.agent_id or "")
        if not phone:
            raise ActionRefused(400, "bad_request", "type the extension of your phone")
        if not (PHONE.match(phone) or phone == g.user.agent_id):
            raise ActionRefused(400, "bad_request", "an extension is 1-32 digits")
        return "supervise", {"agent": agent, "supervisor": phone, "mode": action}
    if action in FORCE_STATES:
        body = {"agent": agent, "state": FORCE_STATES[action]}
        reason = form.get("reason", "").strip()
        if action == "force_not_ready":
            if len(reason) > 32:
                raise ActionRefused(400, "bad_request", "'reason' is at most 32 characters")
            if reason:
                body["reason"] = reason
        return "force", body
    raise ActionRefused(404, "not_found", f"no action {action!r}")

