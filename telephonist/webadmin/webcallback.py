"""The website's "call me back" (``/call/back/...``): a visitor of the public /call page (widget.py), or the company's
website posting JSON itself, leaves a phone number (a name and a short note if it likes) to be called back from a
queue, keeping a place in line; the page then shows its place ("number 2 in line", "we are calling you") and may
cancel.

Public like the website chat (webchat/visitor.py), and guarded the same way: no session and no cookie (the guard,
security.py, lets the blueprint through), writes take JSON only (a cross-site form cannot send it without the
browser asking first), and a request is reached only with the random token its start gave (``X-Callback-Token``;
only its SHA-256 is kept, in acd_web_callbacks), so no other site can act for a visitor (no CSRF). Abuse is braked
without a captcha: each client address may start ``[webadmin] callback_starts_per_hour`` requests, each number
``callback_per_number_per_day`` (whatever the address); the queue's ``web_callback`` says which numbers may be
called (its ``numbers`` pattern, e.g. mainland mobiles and landlines) and how many requests one number may have open
(``max_open``): the ACD checks those, where the open requests are. Off (404) unless ``[webadmin] callback_queues``
names a queue.

handler (this module: reads and checks the request) -> the ACD (acd/webcallback.py: the rules, the one write)
"""
from __future__ import annotations

import re
import secrets
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy import select

from telephonist.acd.schema import web_callbacks
from telephonist.client import ApiCallError
from telephonist.crm import contacts
from telephonist.crm.store import CustomerError
from telephonist.webadmin import db
from telephonist.webadmin.livefeed import FeedUnavailable
from telephonist.webadmin.public_json import ask_acd, body_refusal, refused
from telephonist.webadmin.webchat.limits import WindowLimit
from telephonist.webadmin.webchat.store import token_hash

bp = Blueprint("webcallback", __name__, url_prefix="/call/back")

TOKEN_HEADER = "X-Callback-Token"
MAX_NAME, MAX_NOTE, MAX_NUMBER = 100, 500, 32
NUMBER = re.compile(r"^\+?[0-9][0-9 ()-]{2,31}$")       # what a visitor types; the ACD checks the queue's pattern
STATUS_OF = {"not_found": 404, "wrong_state": 409, "bad_request": 400, "forbidden": 403, "too_many": 429,
             "unavailable": 503, "timeout": 504}
OPEN_STATES = ("waiting", "calling", "retry")


def _cfg():
    return current_app.config["WEB"]


def _limits() -> tuple[WindowLimit, WindowLimit]:
    ext = current_app.extensions
    if "callback_limits" not in ext:
        cfg = _cfg()
        ext["callback_limits"] = (WindowLimit(cfg.callback_starts_per_hour, 3600.0),
                                  WindowLimit(cfg.callback_per_number_per_day, 86400.0))
    return ext["callback_limits"]


@bp.before_request
def _visitor_guard():
    if not _cfg().callback_queues:
        abort(404)
    return body_refusal(8 * 1024)


@bp.after_request
def _no_store(resp):
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _field(data: dict[str, Any], key: str, limit: int) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or len(value) > limit or any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise ValueError(f"'{key}' is text of at most {limit} characters")
    return value.strip()


@bp.route("/request", methods=["POST"])
def start():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return refused(400, "bad_request", "a JSON object")
    try:
        queue = _field(data, "queue", 32) or _cfg().callback_queues[0]
        typed, name = _field(data, "number", MAX_NUMBER), _field(data, "name", MAX_NAME)
        note = _field(data, "note", MAX_NOTE)
    except ValueError as exc:
        return refused(400, "bad_request", str(exc))
    if queue not in _cfg().callback_queues:
        return refused(404, "not_found", "no such queue")
    if not NUMBER.match(typed):
        return refused(400, "bad_request", "your phone number, please")
    number = re.sub(r"[^0-9]", "", typed)
    by_address, by_number = _limits()
    for limit, key, why in ((by_address, request.remote_addr or "", "this address"),
                            (by_number, number, "this number")):
        wait = limit.take(key)
        if wait:
            return refused(429, "too_many", f"too many call-back requests from {why}; try again later",
                            **{"Retry-After": str(int(wait) + 1)})
    try:
        with db.writing() as conn:
            customer = contacts.find_or_open(conn, name, "", number)
    except CustomerError as exc:
        return refused(400, "bad_request", str(exc))
    token = secrets.token_urlsafe(32)
    try:
        status = ask_acd("web_callback_new", queue=queue, number=number, visitor=name, note=note,
                      customer_id=customer["id"], token_hash=token_hash(token))
    except ApiCallError as exc:
        return refused(STATUS_OF.get(exc.code, 502), exc.code, exc.message)
    except FeedUnavailable as exc:
        return refused(503, "unavailable", str(exc))
    return jsonify(token=token, request=_public(status))


def _mine() -> dict[str, Any]:
    token = request.headers.get(TOKEN_HEADER, "")
    row = None
    if token and len(token) <= 100:
        with db.reading() as conn:
            found = conn.execute(select(web_callbacks).where(web_callbacks.c.token_hash == token_hash(token))).first()
        row = dict(found._mapping) if found else None
    if row is None:
        abort(refused(404, "not_found", "no such request"))
    return row


def _public(status: dict[str, Any]) -> dict[str, Any]:
    """What the visitor sees: the state, its place in line, the tries so far (no agent, no queue internals)."""
    return {"state": status.get("state"), "position": status.get("position", 0),
            "attempts": status.get("attempts", 0)}


@bp.route("/status")
def status():
    row = _mine()
    if row["state"] in OPEN_STATES:
        try:
            return jsonify(request=_public(ask_acd("web_callback_status", request=row["id"])))
        except ApiCallError as exc:
            if exc.code != "not_found":
                return refused(STATUS_OF.get(exc.code, 502), exc.code, exc.message)
            row = _mine()                           # it ended meanwhile: the row says how
        except FeedUnavailable:
            pass                                    # the ACD is away: what the row says
    return jsonify(request=_public(row))


@bp.route("/cancel", methods=["POST"])
def cancel():
    row = _mine()
    if row["state"] not in OPEN_STATES:
        return jsonify(request=_public(row))
    try:
        return jsonify(request=_public(ask_acd("web_callback_cancel", request=row["id"])))
    except ApiCallError as exc:
        if exc.code != "not_found":
            return refused(STATUS_OF.get(exc.code, 502), exc.code, exc.message)
    except FeedUnavailable as exc:
        return refused(503, "unavailable", str(exc))
    return jsonify(request=_public(_mine()))          # it ended meanwhile
