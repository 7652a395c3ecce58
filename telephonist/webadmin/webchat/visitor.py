"""The website's chat (``/chat/``): a page a visitor opens (or the website frames, ``static/chat-embed.js``) to
write to the call center, without an account.

Nothing here uses the console's session: the guard (security.py) lets the blueprint's routes through, and each
route does its own checks instead. Starting a chat gives the page a random token (only its SHA-256 is kept, in
acd_chats); every later request names the chat by that token in the ``X-Chat-Token`` header, so a visitor reaches
its own chat only, and since no cookie carries it another site cannot make a browser act on a chat (no CSRF).
Writes take JSON only (a cross-site form cannot send it without the browser asking first). Each client address
may open ``[webadmin] chat_starts_per_hour`` chats, each chat send ``chat_lines_per_minute`` lines; names,
addresses and lines have upper lengths. The chat page is off (404) unless ``[webadmin] chat_queues`` names a chat
queue; ``chat_origins`` lists the websites that may frame it.

handler (this module: reads and checks the request) -> the ACD (chatdesk.py: the rule and the one write)
"""
from __future__ import annotations

import re
import secrets
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from telephonist.client import ApiCallError
from telephonist.crm import contacts
from telephonist.crm.store import CustomerError
from telephonist.webadmin import db
from telephonist.webadmin.livefeed import FeedUnavailable
from telephonist.webadmin.public_json import ask_acd, body_refusal, refused
from telephonist.webadmin.webchat import store
from telephonist.webadmin.webchat.limits import WindowLimit

bp = Blueprint("webchat", __name__, url_prefix="/chat")

TOKEN_HEADER = "X-Chat-Token"
MAX_NAME, MAX_EMAIL, MAX_PHONE, MAX_TEXT = 100, 254, 32, 2000
EMAIL = re.compile(r"^[^@\s,;<>]{1,64}@[^@\s,;<>]+\.[^@\s,;<>]+$")
PHONE = re.compile(r"^\+?[0-9 ()-]{3,32}$")
STATUS_OF = {"not_found": 404, "wrong_state": 409, "bad_request": 400, "forbidden": 403, "unavailable": 503,
             "timeout": 504}


def _cfg():
    return current_app.config["WEB"]


def _limits() -> tuple[WindowLimit, WindowLimit]:
    ext = current_app.extensions
    if "chat_limits" not in ext:
        cfg = _cfg()
        ext["chat_limits"] = (WindowLimit(cfg.chat_starts_per_hour, 3600.0), WindowLimit(cfg.chat_lines_per_minute, 60.0))
    return ext["chat_limits"]


@bp.before_request
def _visitor_guard():
    if not _cfg().chat_queues:
        abort(404)
    return body_refusal(16 * 1024)


@bp.after_request
def _framing(resp):
    """The chat page may be framed by the console and the listed websites (chat-embed.js)."""
    ancestors = " ".join(("'self'", *_cfg().chat_origins))
    resp.headers["Content-Security-Policy"] = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                               "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                                               f"base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}")
    if _cfg().chat_origins:
        resp.headers.pop("X-Frame-Options", None)
    else:
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/")
def page():
    queue = request.args.get("queue") or _cfg().chat_queues[0]
    if queue not in _cfg().chat_queues:
        abort(404)
    return render_template("webchat/visitor.html", queue=queue)


def _field(data: dict[str, Any], key: str, limit: int) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or len(value) > limit or any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise ValueError(f"'{key}' is text of at most {limit} characters")
    return value.strip()


@bp.route("/start", methods=["POST"])
def start():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return refused(400, "bad_request", "a JSON object")
    try:
        queue = _field(data, "queue", 32) or _cfg().chat_queues[0]
        name, email = _field(data, "name", MAX_NAME), _field(data, "email", MAX_EMAIL)
        phone, text = _field(data, "phone", MAX_PHONE), _field(data, "text", MAX_TEXT)
    except ValueError as exc:
        return refused(400, "bad_request", str(exc))
    if queue not in _cfg().chat_queues:
        return refused(404, "not_found", "no such chat")
    if not name or (email and not EMAIL.match(email)) or (phone and not PHONE.match(phone)) or not (email or phone):
        return refused(400, "bad_request", "your name and an e-mail address or a phone number, please")
    wait = _limits()[0].take(request.remote_addr or "")
    if wait:
        return refused(429, "too_many", "too many chats from this address; try again later",
                        **{"Retry-After": str(int(wait) + 1)})
    try:
        with db.writing() as conn:
            customer = contacts.find_or_open(conn, name, email, phone)
    except CustomerError as exc:
        return refused(400, "bad_request", str(exc))
    token = secrets.token_urlsafe(32)
    try:
        chat = ask_acd("chat_new", queue=queue, token_hash=store.token_hash(token), visitor=name, email=email,
                    phone=phone, customer_id=customer["id"])
        if text:
            ask_acd("chat_post", chat=chat["chat"], text=text)
    except ApiCallError as exc:
        return refused(STATUS_OF.get(exc.code, 502), exc.code, exc.message)
    except FeedUnavailable as exc:
        return refused(503, "unavailable", str(exc))
    return jsonify(token=token, chat=_public(chat))


def _mine() -> dict[str, Any]:
    with db.reading() as conn:
        chat = store.by_token(conn, request.headers.get(TOKEN_HEADER, ""))
    if chat is None:
        abort(refused(404, "not_found", "no such chat"))
    return chat


def _public(status: dict[str, Any]) -> dict[str, Any]:
    """What the visitor sees of its chat: its state, its place in line, the agent's name (not number)."""
    return {"state": status.get("state"), "position": status.get("position", 0),
            "agent_name": status.get("agent_name", "")}


@bp.route("/lines")
def lines():
    chat = _mine()
    after = request.args.get("after", "0")
    if not after.isascii() or not after.isdigit() or len(after) > 18:
        return refused(400, "bad_request", "'after' is a line's number")
    with db.reading() as conn:
        got = store.lines(conn, chat["id"], int(after))
    status = {"state": chat["state"], "position": 0}
    if chat["state"] != "ended":
        try:
            status = ask_acd("chat_status", chat=chat["id"])
        except (ApiCallError, FeedUnavailable):
            pass                                   # the lines still show; the state comes back with the ACD
    return jsonify(chat=_public(status), lines=[{**ln, "sender": _who(ln["sender"])} for ln in got])


def _who(sender: str) -> str:
    return "visitor" if sender == "visitor" else "agent"


@bp.route("/send", methods=["POST"])
def send():
    chat = _mine()
    data = request.get_json(silent=True)
    try:
        text = _field(data if isinstance(data, dict) else {}, "text", MAX_TEXT)
    except ValueError as exc:
        return refused(400, "bad_request", str(exc))
    if not text:
        return refused(400, "bad_request", "write something")
    wait = _limits()[1].take(f"chat:{chat['id']}")
    if wait:
        return refused(429, "too_many", "slow down a little", **{"Retry-After": str(int(wait) + 1)})
    try:
        reply = ask_acd("chat_post", chat=chat["id"], text=text)
    except ApiCallError as exc:
        return refused(STATUS_OF.get(exc.code, 502), exc.code, exc.message)
    except FeedUnavailable as exc:
        return refused(503, "unavailable", str(exc))
    return jsonify(ok=True, id=reply.get("id"))


@bp.route("/end", methods=["POST"])
def end():
    chat = _mine()
    if chat["state"] == "ended":
        return jsonify(ok=True)
    try:
        ask_acd("chat_end", chat=chat["id"])
    except ApiCallError as exc:
        if exc.code != "not_found":
            return refused(STATUS_OF.get(exc.code, 502), exc.code, exc.message)
    except FeedUnavailable as exc:
        return refused(503, "unavailable", str(exc))
    return jsonify(ok=True)
