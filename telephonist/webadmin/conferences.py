"""The Conferences page (``/conferences/``): the rooms of chand ([[conferences]]), who is in each (number,
joined at, muted), and a supervisor's actions on them: mute, unmute, kick, lock, unlock, and inviting a
party (the console dials the number and hands the answered call to ``conf:NAME``; the party keys the PIN).

Every action needs the ``conference.manage`` right, checked here whatever the page showed, goes to chand
as one control-API command (admin role, through the feed) and is written to the audit log. The page is
kept current by ``GET /conferences/events`` (confstream.py), held on the console server's event loop.
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for

from telephonist.client import ApiCallError
from telephonist.webadmin import security
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.livefeed import ChandFeed, FeedUnavailable
from telephonist.webadmin.livestream import TICKET_HEADER
from telephonist.webadmin.security import requires

bp = Blueprint("conferences", __name__, url_prefix="/conferences", template_folder="templates")
ROOM = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
CHAN = re.compile(r"^[A-Za-z0-9_./~-]{1,64}$")
NUMBER = re.compile(r"^[0-9*#]{1,32}$")
# action -> (chand command, its arguments beyond the room's, from the form)
ACTIONS = {"mute": ("conf_mute", {"muted": True}), "unmute": ("conf_mute", {"muted": False}),
           "kick": ("conf_kick", {}), "lock": ("conf_lock", {"locked": True}),
           "unlock": ("conf_lock", {"locked": False})}


def feed() -> ChandFeed:
    return current_app.extensions["chand_feed"]


@bp.route("/")
@requires("conference.manage")
def page():
    f = feed()
    return render_template("conferences/page.html", rooms=f.conference_rooms(), connected=f.connected)


@bp.route("/events")
@requires("conference.manage")
def events():
    """Admission to the page's live channel; the console server streams it on its event loop."""
    streams = current_app.extensions.get("conference_streams")
    if streams is None:
        abort(503, description="live events are served by `telephonist webadmin` (its ASGI server)")
    return Response(status=200, mimetype="text/event-stream", headers={
        "Cache-Control": "no-cache", "X-Accel-Buffering": "no", TICKET_HEADER: streams.admit(g.user)})


@bp.route("/<room>/<action>", methods=["POST"])
@requires("conference.manage")
def act(room: str, action: str):
    if not ROOM.match(room) or action not in ACTIONS:
        abort(404)
    cmd, args = ACTIONS[action]
    chan = ""
    if cmd != "conf_lock":
        chan = request.form.get("chan", "").strip()
        if not CHAN.match(chan):
            abort(400, description="'chan' names a party's channel")
        args = {**args, "chan": chan}
    try:
        feed().admin_request(cmd, wait_s=10.0, conf=room, **args)
    except (ApiCallError, FeedUnavailable) as exc:
        flash(str(exc), "error")
        return redirect(url_for("conferences.page"))
    security.audit(f"conference_{action}", room, chan=chan)
    return redirect(url_for("conferences.page"))


@bp.route("/<room>/invite", methods=["POST"])
@requires("conference.manage", "calls.originate")
def invite(room: str):
    number = request.form.get("number", "").strip()
    group = request.form.get("trunk_group", "").strip()
    if not ROOM.match(room) or not NUMBER.match(number) or not group:
        abort(400, description="an invitation needs a room, a number and a trunk group")
    try:
        r = feed().originate(group, number, handoff=f"conf:{room}")
    except (ApiCallError, FeedUnavailable) as exc:
        flash(str(exc), "error")
        return redirect(url_for("conferences.page"))
    security.audit("conference_invite", room, number=number, trunk_group=group, chan=r["chan"])
    flash(f"{_('Inviting')} {number}", "ok")
    return redirect(url_for("conferences.page"))
