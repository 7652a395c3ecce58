"""Who is asking, and may they: the guard in front of every route, CSRF tokens, right checks.

* Every route needs a live session (else 302 to the login page), except the
  login page, static files, the call widget's page and the website's visitor routes (the chat's,
  webchat/visitor.py, and the call-back requests', webcallback.py: scoped by each chat's or request's token,
  JSON only, rate-limited); every ``/api/`` route needs a bearer token
  (else 401) and never looks at cookies, so it needs no CSRF token.
* Every state-changing browser request (POST, PUT, PATCH, DELETE) carries the
  session's CSRF token in the ``csrf_token`` form field or the ``X-CSRF-Token``
  header; without it the answer is 400. The token is an HMAC of a per-session
  seed kept in the signed cookie, renewed at login.
* Views say which right they need with ``@requires("calls.view")`` (403 without).
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any, Callable

from flask import Flask, abort, current_app, g, jsonify, redirect, request, session, url_for

from telephonist.webadmin import accounts, db

PUBLIC_ENDPOINTS = {"auth.login", "static", "widget.page"}
PUBLIC_BLUEPRINTS = {"webchat", "webcallback"}   # the website's visitors: no session; each route checks its token
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def init_app(app: Flask) -> None:
    app.before_request(_guard)
    app.jinja_env.globals["csrf_token"] = csrf_token


def _guard() -> Any:
    g.user = None
    if request.blueprint in PUBLIC_BLUEPRINTS:
        return None
    if request.path.startswith("/api/"):
        return _api_guard()
    cfg = current_app.config["WEB"]
    secret = session.get("sid")
    if secret:
        with db.reading() as conn:
            g.user, state = accounts.session_user(conn, secret, timedelta(minutes=cfg.session_idle_minutes),
                                                  timedelta(hours=cfg.session_max_hours))
        if state in ("touch", "expired"):
            with db.writing() as conn:
                (accounts.touch_session if state == "touch" else accounts.close_session)(conn, secret)
        if g.user is None:
            session.pop("sid", None)
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
    if request.method in UNSAFE_METHODS and not _csrf_ok():
        abort(400, description="CSRF token missing or wrong")
    return None


def _api_guard() -> Any:
    auth = request.headers.get("Authorization", "")
    scheme, _, secret = auth.partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        with db.reading() as conn:
            g.user, stale_token = accounts.token_user(conn, secret.strip())
        if stale_token is not None:
            with db.writing() as conn:
                accounts.touch_token(conn, stale_token)
    if g.user is None:
        resp = jsonify(error={"code": "unauthorized", "message": "a valid API token is needed "
                                                                 "(Authorization: Bearer TOKEN)"})
        resp.status_code = 401
        resp.headers["WWW-Authenticate"] = 'Bearer realm="telephonist"'
        return resp
    return None


# ---- CSRF -----------------------------------------------------------------------------------
def csrf_token() -> str:
    seed = session.get("csrf_seed")
    if not seed:
        seed = session["csrf_seed"] = secrets.token_hex(16)
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, seed.encode(), hashlib.sha256).hexdigest()


def renew_csrf() -> None:
    session["csrf_seed"] = secrets.token_hex(16)


def _csrf_ok() -> bool:
    given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    return bool(session.get("csrf_seed")) and hmac.compare_digest(given, csrf_token())


# ---- rights ---------------------------------------------------------------------------------
def requires(*rights: str) -> Callable:
    """The view needs every one of ``rights`` (403 otherwise; 401/302 came earlier from the guard)."""
    def deco(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*a: Any, **kw: Any) -> Any:
            user = g.get("user")
            if user is None or not all(user.can(r) for r in rights):
                if request.path.startswith("/api/"):
                    resp = jsonify(error={"code": "forbidden", "message": f"needs the right {', '.join(rights)}"})
                    resp.status_code = 403
                    return resp
                abort(403)
            return view(*a, **kw)
        wrapped.required_rights = rights          # type: ignore[attr-defined]
        return wrapped
    return deco


def requires_any(*rights: str) -> Callable:
    """The view needs at least one of ``rights`` (it checks the finer rules itself); 403 otherwise."""
    def deco(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*a: Any, **kw: Any) -> Any:
            user = g.get("user")
            if user is None or not any(user.can(r) for r in rights):
                abort(403)
            return view(*a, **kw)
        wrapped.required_rights = rights          # type: ignore[attr-defined]
        return wrapped
    return deco


def client_ip() -> str | None:
    return request.remote_addr


def audit(action: str, target: str = "", **detail: Any) -> None:
    """Write an audit entry for the current user (in its own transaction)."""
    with db.writing() as conn:
        accounts.audit(conn, g.get("user"), action, target, client_ip(), **detail)
