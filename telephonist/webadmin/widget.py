"""The website's click-to-call widget: a public page (``GET /call``, no login) from which a visitor calls the
hotline in the browser.

The page carries only what a visitor may know: Kamailio's widget WebSocket (``[webadmin] widget_ws``) and the
hotline number (``[webadmin] widget_number``). The browser (JsSIP, no registration, no password) sends its INVITE
to ``sip:NUMBER@HOST`` over that WebSocket; Kamailio lets anonymous INVITEs on it go to that number only, to a sip
trunk span, where chand's routes send the call to an ivrd flow like any inbound call (docs/webrtc.md). The page's
keypad sends digits as RFC 4733 events. Its Content-Security-Policy adds exactly that WebSocket to
``connect-src``. With ``[webadmin] callback_queues`` the page also has the "call me back" form (webcallback.py), with
or without the call. A console with neither: 404.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, render_template

from telephonist.webadmin.headers import csp

bp = Blueprint("widget", __name__, url_prefix="/call")


def widget_uri(ws: str, number: str) -> str:
    """The SIP URI the widget calls: the hotline at the WebSocket's host."""
    return f"sip:{number}@{urlsplit(ws).hostname or ''}"


@bp.route("")
def page():
    web = current_app.config["WEB"]
    calls = bool(web.widget_ws and web.widget_number)
    if not calls and not web.callback_queues:
        abort(404)
    resp = current_app.make_response(render_template(
        "widget/call.html", ws=web.widget_ws if calls else "",
        uri=widget_uri(web.widget_ws, web.widget_number) if calls else "", number=web.widget_number,
        callback_queues=web.callback_queues))
    resp.headers["Content-Security-Policy"] = csp(web.widget_ws if calls else "")
    resp.headers["Cache-Control"] = "no-store"
    return resp
