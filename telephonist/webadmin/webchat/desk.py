"""The agent's chats on the desktop (``/agent/chat/...``): the chats the ACD offered the agent or it holds, accept,
write, end, and the lines of each; and a chat's transcript page (the customer timeline links it).

As everywhere on the desktop the agent is the user's own agent ID (desk.own_agent) and every action is an ACD
request (chatdesk.py) that the ACD refuses for a chat the agent does not hold. Live lines and offers come through
the desktop's event stream (deskfeed.py: the chat_* events that name the agent).
"""
from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, render_template, request

from telephonist.webadmin import db
from telephonist.webadmin.desk import _refused, acd_reply, own_agent
from telephonist.webadmin.security import requires, requires_any
from telephonist.webadmin.webchat import store
from telephonist.webadmin.webchat.visitor import MAX_TEXT

bp = Blueprint("deskchat", __name__, url_prefix="/agent/chat")


@bp.route("/mine")
@requires("desk.use")
def mine():
    return acd_reply("chats", {"agent": own_agent()})


@bp.route("/<int:chat_id>/accept", methods=["POST"])
@requires("desk.use")
def accept(chat_id: int):
    agent = own_agent()
    return acd_reply("chat_accept", {"agent": agent, "chat": chat_id},
                     audit=("desk_chat_accept", agent, {"chat": chat_id}))


@bp.route("/<int:chat_id>/send", methods=["POST"])
@requires("desk.use")
def send(chat_id: int):
    text = request.form.get("text", "").strip()
    if not text or len(text) > MAX_TEXT:
        return _refused(400, "bad_request", f"a line is 1 to {MAX_TEXT} characters")
    return acd_reply("chat_post", {"agent": own_agent(), "chat": chat_id, "text": text})


@bp.route("/<int:chat_id>/end", methods=["POST"])
@requires("desk.use")
def end(chat_id: int):
    agent = own_agent()
    return acd_reply("chat_end", {"agent": agent, "chat": chat_id}, audit=("desk_chat_end", agent, {"chat": chat_id}))


def _chat_for_user(chat_id: int) -> dict:
    """The chat, if the user may read it: the agent it went to, or anyone who may open the customer file."""
    with db.reading() as conn:
        chat = store.chat(conn, chat_id)
    if chat is None:
        abort(404)
    if not g.user.can("customers.view") and not (g.user.can("desk.use") and g.user.agent_id
                                                   and chat["agent"] == g.user.agent_id):
        abort(403)
    return chat


@bp.route("/<int:chat_id>/lines")
@requires("desk.use")
def lines(chat_id: int):
    chat = _chat_for_user(chat_id)
    if chat["agent"] != own_agent():
        abort(403)
    after = request.args.get("after", "0")
    if not after.isascii() or not after.isdigit() or len(after) > 18:
        return _refused(400, "bad_request", "'after' is a line's number")
    with db.reading() as conn:
        return jsonify(chat={k: chat[k] for k in ("id", "queue", "state", "visitor", "email", "phone", "customer_id")},
                       lines=store.lines(conn, chat_id, int(after)))


@bp.route("/<int:chat_id>/transcript")
@requires_any("customers.view", "desk.use")
def transcript(chat_id: int):
    chat = _chat_for_user(chat_id)
    with db.reading() as conn:
        got = store.lines(conn, chat_id, 0, limit=5000)
    return render_template("webchat/transcript.html", chat=chat, lines=got)
