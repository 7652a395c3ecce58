"""What every answer tells the browser, and who the client is behind a reverse proxy.

* Content-Security-Policy: scripts, styles, fonts, images and media come from the console itself
  only (pages may connect to the console and, with ``[webadmin] softphone_ws``, to that one WebSocket:
  the agent desktop's softphone; no inline script, no inline style attribute, no ``eval``), nothing may frame its pages
  (``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for older browsers) and only its own
  pages may frame its files (a fax's PDF), forms post only to it (the website chat's page sets its own
  frame-ancestors: ``[webadmin] chat_origins``); ``X-Content-Type-Options: nosniff`` on everything, so an uploaded text or TIFF is never
  read as HTML or script.
* The session cookie is ``Secure`` whenever the request came over HTTPS (directly or, with
  ``[webadmin] proxy_hops``, as the proxy says), ``HttpOnly`` and ``SameSite=Lax`` always; HTTPS
  answers carry Strict-Transport-Security.
* ``proxy_hops = N``: the last N X-Forwarded-For/-Proto/-Host/-Port/-Prefix values are believed
  (werkzeug's ProxyFix), so the audit log, the login brake and the cookie see the real client and
  scheme. With 0 (the default) those headers are ignored: a client cannot claim another address.
"""
from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "media-src 'self' blob:", "connect-src 'self'", "font-src 'self'", "object-src 'none'",
    "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"))
FILES_CSP = "frame-ancestors 'self'"      # files (PDF, audio, exports): only the console may frame them
HSTS = "max-age=31536000"


class SessionOverTls(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure on requests that came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def csp(softphone_ws: str = "") -> str:
    """The pages' policy; a softphone's WebSocket (a URL the configuration checked) is added to connect-src."""
    return CSP.replace("connect-src 'self'", f"connect-src 'self' {softphone_ws}") if softphone_ws else CSP


def init_app(app: Flask, proxy_hops: int, softphone_ws: str = "") -> None:
    app.session_interface = SessionOverTls()
    policy = csp(softphone_ws)
    app.after_request(lambda resp: _headers(resp, policy))
    if proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxy_hops, x_proto=proxy_hops, x_host=proxy_hops,  # type: ignore[method-assign]
                                x_port=proxy_hops, x_prefix=proxy_hops)


def _headers(resp: Response, policy: str = CSP) -> Response:
    h = resp.headers
    own = "Content-Security-Policy" in h   # a page that set its own framing (the website's chat, webchat/visitor.py)
    if resp.mimetype == "text/html":
        h.setdefault("Content-Security-Policy", policy)
        if not own:
            h.setdefault("X-Frame-Options", "DENY")
    else:                          # a fax's PDF is shown in a frame of the console's own page
        h.setdefault("Content-Security-Policy", FILES_CSP)
        if not own:
            h.setdefault("X-Frame-Options", "SAMEORIGIN")
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        h.setdefault("Strict-Transport-Security", HSTS)
    return resp
