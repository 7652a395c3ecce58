"""Notices in the console (``/notices``): a supervisor (right ``notices.send``) sends a notice to one agent, a
queue's agents, a role's or every agent, for a time, on the wallboards too if marked so; sees who read it and
when; may withdraw it. Agents (``desk.use``) get it on the desktop at once, through the desktop's live channel
(deskfeed.py: the console hands the notice to the desktops' listeners after it is stored), and mark it read;
wallboards (``wallboard.view``) show the marked ones big (supfeed.py). The store is telephonist/notices/store.py.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, g, jsonify, render_template, request

from telephonist.notices import store
from telephonist.notices.store import NoticeError
from telephonist.webadmin import accounts, db, forms, numbers, security
from telephonist.webadmin.desk import own_agent
from telephonist.webadmin.deskqueues import current_config
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.security import requires

bp = Blueprint("notices", __name__, url_prefix="/notices", template_folder="templates")
LIVE_KINDS = ("notice", "notice_withdrawn")          # what the desktops and wallboards are told


def _queue_agents() -> dict[str, list[str]]:
    cfg = current_config()
    return {q.name: [a.number for a in cfg.agents if q.name in a.queues] for q in cfg.queues}


def _tell(kind: str, notice: dict[str, Any], agents: list[str]) -> None:
    """Hand the notice to the open desktops (those of ``agents``) and, when it is one, to the wallboards."""
    current_app.extensions["desk_feed"].listeners.call({**notice, "type": kind, "agents": agents})


@bp.route("/")
@requires("notices.send")
def index():
    with db.reading() as conn:
        sent = store.sent(conn, None)
        roles = [r["name"] for r in accounts.list_roles(conn)]
    cfg = current_config()
    return render_template("notices/index.html", sent=sent, queues=sorted(_queue_agents()), roles=roles,
                           agents=[(a.number, a.name) for a in cfg.agents])


@bp.route("/", methods=["POST"])
@requires("notices.send")
def send():
    f = request.form
    audience = f.get("audience", "").strip()
    try:
        minutes = numbers.whole(f.get("minutes", "60"), "minutes", 1, store.MAX_MINUTES)
        with db.writing() as conn:
            to = store.audience_agents(conn, audience, _queue_agents())
            notice = store.send(conn, g.user.username, audience, f.get("text", ""), minutes,
                                f.get("wallboard") in ("1", "on"), to)
    except (NoticeError, numbers.BadNumber) as exc:
        return forms.refused("notices.index", f"{_('Not sent')}: {exc}")
    security.audit("notice_send", audience, notice_id=notice["id"], recipients=len(to), wallboard=notice["wallboard"])
    _tell("notice", notice, [r.agent_id for r in to])
    return forms.done("notices.index", _("Sent to {n} agents.").format(n=len(to)))


@bp.route("/<int:notice_id>")
@requires("notices.send")
def receipts(notice_id: int):
    with db.reading() as conn:
        notice = store.notice(conn, notice_id)
        rows = store.receipts(conn, notice_id)
    if notice is None:
        abort(404)
    return render_template("notices/receipts.html", n=notice, rows=rows)


@bp.route("/<int:notice_id>/withdraw", methods=["POST"])
@requires("notices.send")
def withdraw(notice_id: int):
    with db.writing() as conn:
        notice = store.withdraw(conn, notice_id)
        agents = [r["agent_id"] for r in store.receipts(conn, notice_id)]
    if notice is None:
        abort(404)
    security.audit("notice_withdraw", notice["audience"], notice_id=notice_id)
    _tell("notice_withdrawn", {"id": notice_id, "wallboard": bool(notice["wallboard"])}, agents)
    return forms.done("notices.index", _("Withdrawn."))


@bp.route("/mine")
@requires("desk.use")
def mine():
    """The user's unread notices (the desktop shows them at load; later ones come by its live channel); 403 for a
    user without an agent ID, whom no notice reaches."""
    own_agent()
    with db.reading() as conn:
        return jsonify(notices=store.unread(conn, g.user.id))


@bp.route("/<int:notice_id>/read", methods=["POST"])
@requires("desk.use")
def read(notice_id: int):
    with db.writing() as conn:
        mine_too = store.mark_read(conn, notice_id, g.user.id)
    if not mine_too:
        return jsonify(error={"code": "not_found", "message": "no such notice for this user"}), 404
    return jsonify(ok=True)


@bp.route("/wallboard")
@requires("wallboard.view")
def on_wallboard():
    """The big-screen notices showing now, as the wallboard's fragment (later ones come by its live channel)."""
    with db.reading() as conn:
        return render_template("notices/_wall.html", notices=store.on_wallboard(conn))
