"""The live board: every channel's state, caller and time in state, and the calls in progress,
updated by server-sent events from the chand feed (livefeed.py, streamed by livestream.py)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for

from telephonist.client import ApiCallError
from telephonist.webadmin import security
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.livefeed import ChandFeed, FeedUnavailable
from telephonist.webadmin.livefilter import message_for
from telephonist.webadmin.livestream import TICKET_HEADER
from telephonist.webadmin.security import requires

bp = Blueprint("live", __name__, url_prefix="/live", template_folder="templates")


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
    """Admission to the live board's event stream: the guard and the right were checked on the way
    here; the console's server (server.py) streams the events itself on its event loop, holding no
    worker thread (livestream.py). Under any other WSGI server there is no stream to give."""
    streams = current_app.extensions.get("live_streams")
    if streams is None:
        abort(503, description="live events are served by `telephonist webadmin` (its ASGI server)")
    return Response(status=200, mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no",
                             TICKET_HEADER: streams.admit(g.user)})


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
