"""The website's click-to-call widget: a public page (``GET /call``, no login) from which a visitor calls the
hotline in the browser.

The page carries only what a visitor may know: Kamailio's widget WebSocket (``[webadmin] widget_ws``) and the
hotline number (``[webadmin] widget_number``). The browser (JsSIP, no registration, no password) sends its INVITE
to ``sip:NUMBER@HOST`` over that WebSocket; Kamailio lets anonymous INVITEs on it go to that number only, to a sip
trunk span, where chand's routes send the call to an ivrd flow like any inbound call (docs/webrtc.md). The page's
keypad sends digits as RFC 4733 events. Its Content-Security-Policy adds exactly that WebSocket to
``connect-src``. A console without a widget: 404.
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
    if not web.widget_ws or not web.widget_number:
        abort(404)
    resp = current_app.make_response(render_template(
        "widget/call.html", ws=web.widget_ws, uri=widget_uri(web.widget_ws, web.widget_number),
        number=web.widget_number))
    resp.headers["Content-Security-Policy"] = csp(web.widget_ws)
    resp.headers["Cache-Control"] = "no-store"
    return resp
