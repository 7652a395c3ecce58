"""The live board: every channel's state, caller and time in state, and the calls in progress,
updated by server-sent events from the chand feed (livefeed.py)."""
from __future__ import annotations

import json
import queue

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, url_for

from telephonist.client import ApiCallError
from telephonist.webadmin import security
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.livefeed import ChandFeed, FeedUnavailable
from telephonist.webadmin.livefilter import message_for
from telephonist.webadmin.security import requires

bp = Blueprint("live", __name__, url_prefix="/live", template_folder="templates")
KEEPALIVE_S = 15.0


def feed() -> ChandFeed:
    return current_app.extensions["chand_feed"]


@bp.route("/")
@requires("live.view")
def board():
    snap = message_for(g.user, {"type": "snapshot", **feed().snapshot()})
    return render_template("live/board.html", snap=snap)


@bp.route("/events")
@requires("live.view")
def events():
    user = g.user
    source = feed()              # the generator runs after the request context is gone
    q = source.subscribe()

    def stream():
        try:
            yield "retry: 2000\n\n"
            while True:
                try:
                    msg = q.get(timeout=KEEPALIVE_S)
                except queue.Empty:
                    yield ": keepalive\n\n"
                    continue
                yield f"event: {msg['type']}\ndata: {json.dumps(message_for(user, msg), ensure_ascii=False)}\n\n"
        finally:
            source.unsubscribe(q)

    return Response(stream(), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@bp.route("/originate", methods=["POST"])
@requires("calls.originate")
def originate():
    f = request.form
    try:
        r = feed().originate(f.get("trunk_group", "").strip(), f.get("number", "").strip(),
                             caller_id=f.get("caller_id", "").strip(), handoff=f.get("handoff", "").strip())
        security.audit("originate", r["chan"], number=f.get("number"), trunk_group=f.get("trunk_group"))
        flash(f"{_('Call placed on')} {r['chan']}", "ok")
    except (ApiCallError, FeedUnavailable) as exc:
        flash(str(exc), "error")
    return redirect(url_for("live.board"))
