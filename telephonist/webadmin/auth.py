"""Logging in and out, and the user's language."""
from __future__ import annotations

import math
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, g, make_response, redirect, render_template, request, session,
                   url_for)

from telephonist.webadmin import accounts, db, security
from telephonist.webadmin.i18n import LANGUAGES, gettext as _

bp = Blueprint("auth", __name__, template_folder="templates")

# One answer for a wrong password, an unknown user and a locked account, so that the login page
# tells nobody which user names exist or are locked (the audit log keeps the real reason).
REFUSED = "Wrong user name or password (after several failed attempts an account is locked for a while)."
REASONS = {"bad_password": REFUSED, "locked": REFUSED, "inactive": "This account is disabled."}
THROTTLED = "Too many failed logins from this address; try again in {minutes} minutes."


def _safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the start page. Browsers drop tabs and line
    breaks from a URL and read a backslash as a slash, so "/%09/evil.example" (a tab) is "//evil.example" to
    them, another site: a target with any control character, space or backslash is refused whole."""
    if (target and target.startswith("/") and not target.startswith("//")
            and not any(ch <= " " or ch in "\\\x7f" for ch in target)):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("auth/login.html", next=request.args.get("next", ""))
    cfg = current_app.config["WEB"]
    username = request.form.get("username", "")
    address = security.client_ip() or "-"
    throttle = current_app.extensions["login_throttle"]
    wait_s = throttle.retry_after(address)
    if wait_s:                                 # refused before the user name or password is looked at
        flash(_(THROTTLED).format(minutes=math.ceil(wait_s / 60)), "error")
        resp = make_response(render_template("auth/login.html", next=request.form.get("next", ""),
                                             username=username), 429)
        resp.headers["Retry-After"] = str(math.ceil(wait_s))
        return resp
    with db.writing() as conn:
        result = accounts.authenticate(conn, username, request.form.get("password", ""),
                                       max_failures=cfg.lockout_failures,
                                       lockout=timedelta(minutes=cfg.lockout_minutes),
                                       method=cfg.password_method)
        if result.user is None:
            accounts.audit(conn, None, f"login_{result.reason}", username[:64], address)
        else:
            secret = accounts.open_session(conn, result.user.id, address)
            accounts.audit(conn, result.user, "login", result.user.username, address)
    if result.user is None:
        throttle.failed(address)
        flash(_(REASONS[result.reason]), "error")
        return render_template("auth/login.html", next=request.form.get("next", ""), username=username), 401
    session.clear()
    session["sid"] = secret
    security.renew_csrf()
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
def logout():
    secret = session.get("sid")
    if secret:
        with db.writing() as conn:
            accounts.close_session(conn, secret)
            accounts.audit(conn, g.user, "logout", g.user.username if g.user else "", security.client_ip())
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def language():
    lang = request.form.get("language", "")
    if lang not in LANGUAGES:
        lang = ""
    with db.writing() as conn:
        accounts.update_user(conn, g.user.id, language=lang)
    return redirect(_safe_next(request.form.get("next")))
