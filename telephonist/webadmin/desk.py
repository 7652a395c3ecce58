"""The agent desktop (``/agent``): an agent's seat, state, screen pop and call controls.

Everything an agent does is an ACD request (docs/acd.md, "On a call: requests") through the chand feed;
the console controls no call itself. The agent is always the user's own agent ID (``wa_users.agent_id``):
a request naming another agent is refused (403) before it reaches the ACD, whatever the user's role.
Live updates come from ``GET /agent/events``, admitted here and streamed on the console server's event
loop (deskfeed.py), like the live board's.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, jsonify, render_template, request

from telephonist.client import ApiCallError
from telephonist.crm import store as crm_store
from telephonist.crm.store import CustomerError, CustomerInput
from telephonist.webadmin import audio, db, deskpop, security
from telephonist.webadmin.deskfeed import DeskFeed
from telephonist.webadmin.deskqueues import desk_settings
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.livefeed import FeedUnavailable
from telephonist.webadmin.livestream import TICKET_HEADER
from telephonist.webadmin.security import requires

bp = Blueprint("desk", __name__, url_prefix="/agent", template_folder="templates")

# action -> the form fields it passes on (and their longest length); the agent is added by the view
ACTIONS: dict[str, dict[str, int]] = {
    "login": {"extension": 32, "persistent_line": 5}, "logout": {}, "ready": {}, "not_ready": {"reason": 32},
    "wrapup_end": {"code": 64, "note": 2000}, "disposition": {"code": 64, "note": 2000},
    "hold": {}, "unhold": {}, "hangup": {}, "transfer": {"to": 80}, "consult": {"to": 80}, "ivr_step": {"to": 80},
    "complete_transfer": {}, "conference": {}, "cancel_consult": {}, "pickup": {"colleague": 32},
    "wrapup_extend": {"seconds": 4}, "answer": {}, "dial": {"number": 32, "queue": 32}, "take": {"call_id": 64}, "dtmf": {"digits": 32},
    "conf_take": {"room": 32}, "conf_mute": {"chan": 64, "muted": 5}, "conf_kick": {"chan": 64},
}
AUDITED = ("login", "logout", "transfer", "pickup", "dial", "take", "conf_take", "conf_mute", "conf_kick")
STATUS_OF = {"not_found": 404, "wrong_state": 409, "bad_request": 400, "forbidden": 403, "unavailable": 503,
             "conference_full": 409, "conference_locked": 409,
             "timeout": 504}
CALL_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,64}$")


def desk() -> DeskFeed:
    return current_app.extensions["desk_feed"]


def own_agent() -> str:
    """The user's agent number; 403 for a user without one (the page explains it instead)."""
    agent = g.user.agent_id
    if not agent:
        abort(403, description="this user has no agent ID")
    return agent


@bp.route("/")
@requires("desk.use")
def page():
    if not g.user.agent_id:
        return render_template("agent/no_agent.html")
    agent, problem, error = None, "", ""
    try:
        desk().refresh()
        agent = desk().agent(g.user.agent_id)
        if agent is None:
            problem = "The ACD has no agent {agent}: ask an administrator (Configuration › Queues and agents)."
    except (ApiCallError, FeedUnavailable) as exc:
        problem, error = "The ACD cannot be reached now ({error}); the page connects by itself when it can.", str(exc)
    settings = desk_settings()
    reasons = {r: _(r) for r in [*settings["reasons"], "missed"]}
    mine = {"reasons": settings["reasons"],                # what the page needs, not the CRM addresses or colleagues
            "queues": {q: {"dispositions": v["dispositions"], "wrapup_s": v["wrapup_s"], "agent_pick": v["agent_pick"]}
                       for q, v in settings["queues"].items()},
            "agents": {a: v for a, v in settings["agents"].items() if a == g.user.agent_id}}
    return render_template("agent/desk.html", agent_id=g.user.agent_id, agent=agent, problem=problem,
                           problem_error=error, snapshot=desk().snapshot(g.user.agent_id), settings=mine,
                           seat=_seat(agent, settings), reason_labels=reasons,
                           softphone=bool(current_app.config["WEB"].softphone_ws))


def _seat(agent: dict[str, Any] | None, settings: dict[str, Any]) -> str:
    """The extension the agent logs in at: where it sat last (the ACD keeps it), else its configured one."""
    if agent and agent.get("extension"):
        return str(agent["extension"])
    with db.reading() as conn:
        last = deskpop.last_seat(conn, g.user.agent_id)
    return last or settings["agents"].get(g.user.agent_id, {}).get("extension", "")


@bp.route("/events")
@requires("desk.use")
def events():
    """Admission to the desktop's event stream (served by server.py on its event loop, like /live/events)."""
    agent = own_agent()
    streams = current_app.extensions.get("desk_streams")
    if streams is None:
        abort(503, description="live events are served by `telephonist webadmin` (its ASGI server)")
    return Response(status=200, mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no", TICKET_HEADER: streams.admit(agent)})


@bp.route("/act/<action>", methods=["POST"])
@requires("desk.use")
def act(action: str):
    agent = own_agent()
    fields = ACTIONS.get(action)
    if fields is None:
        return _refused(404, "not_found", f"no action {action!r}")
    f = request.form
    if f.get("agent", agent) != agent:
        security.audit("desk_refused", f.get("agent", "")[:32], asked=action, own=agent)
        return _refused(403, "forbidden", "an agent acts for itself only")
    args: dict[str, Any] = {}
    for name, limit in fields.items():
        value = f.get(name, "").strip()
        if len(value) > limit:
            return _refused(400, "bad_request", f"'{name}' is at most {limit} characters")
        if name == "persistent_line":                  # a checkbox: the ACD rings the phone once, keeps it open
            if value:
                args[name] = value in ("1", "on", "true")
        elif name == "muted":                          # a room's party: mute (default) or unmute
            args[name] = value in ("", "1", "on", "true")
        elif name == "seconds":
            if not value.isascii() or not value.isdigit():
                return _refused(400, "bad_request", "'seconds' is a whole number")
            args[name] = int(value)
        elif value or name == "code":
            args[name] = value
    return acd_reply(action, {"agent": agent, **args},
                     audit=(f"desk_{action}", agent, args) if action in AUDITED else None)


@bp.route("/room")
@requires("desk.use")
def room():
    """The conference room the agent took its call into, as chand last said (its parties), or none."""
    current = desk().agent(own_agent()) or {}
    name = current.get("room")
    found = next((r for r in current_app.extensions["chand_feed"].conference_rooms() if r.get("name") == name),
                 None) if name else None
    if found is None:
        return jsonify(room=None)
    return jsonify(room={"name": name, "locked": found.get("locked"), "max_parties": found.get("max_parties"),
                         "parties": [{k: p.get(k) for k in ("chan", "caller", "muted", "leader", "joined_at")}
                                     for p in found.get("parties", [])]})


@bp.route("/room/invite", methods=["POST"])
@requires("desk.use")
def room_invite():
    """The agent invites a number to its room: the ACD says whether it may (its own room) and on which trunk group;
    then the console dials it and hands the answered call to conf:ROOM, as the Conferences page's invitation."""
    agent = own_agent()
    number = request.form.get("number", "").strip()
    if len(number) > 32:
        return _refused(400, "bad_request", "'number' is at most 32 characters")
    try:
        ok = desk().ask("conf_invite", agent=agent, number=number)
        r = current_app.extensions["chand_feed"].originate(ok["trunk_group"], number, handoff=f"conf:{ok['room']}")
    except ApiCallError as exc:
        return _refused(STATUS_OF.get(exc.code, 502), exc.code, exc.message)
    except FeedUnavailable as exc:
        return _refused(503, "unavailable", str(exc))
    security.audit("desk_conf_invite", agent, room=ok["room"], number=number, chan=r["chan"])
    return jsonify(ok=True, reply={"room": ok["room"], "chan": r["chan"]})


@bp.route("/message", methods=["POST"])
@requires("desk.use")
def message():
    """A short message from the agent to a colleague (the ACD publishes it; the colleague's desktop shows it)."""
    agent = own_agent()
    to, text = request.form.get("to", "").strip(), request.form.get("text", "")
    if not to.startswith("agent:") or len(to) > 40 or len(text) > 500:
        return _refused(400, "bad_request", "a message goes to agent:N, in at most 500 characters")
    return acd_reply("message", {"from": agent, "to": to, "text": text}, audit=("desk_message", agent, {"to": to}))


def acd_reply(action: str, body: dict[str, Any], audit: tuple[str, str, dict[str, Any]] | None = None):
    """One ACD request for a browser: the reply as JSON (written to the audit log first when ``audit`` gives
    the event, its subject and details), or the ACD's refusal with the HTTP status its code stands for."""
    try:
        reply = desk().ask(action, **body)
    except ApiCallError as exc:
        return _refused(STATUS_OF.get(exc.code, 502), exc.code, exc.message)
    except FeedUnavailable as exc:
        return _refused(503, "unavailable", str(exc))
    if audit is not None:
        security.audit(audit[0], audit[1], **audit[2])
    return jsonify(ok=True, reply=reply)


def _refused(status: int, code: str, message: str):
    resp = jsonify(error={"code": code, "message": message})
    resp.status_code = status
    return resp


@bp.route("/colleagues")
@requires("desk.use")
def colleagues():
    """Who may take a transfer or a consultation (every agent and its state) and the queues."""
    own_agent()
    return jsonify(agents=desk().agents(), queues=sorted(desk_settings()["queues"]))


def _call_of_mine(call_id: str) -> dict[str, Any]:
    """The agent's current call, the one its wrap-up is for (the ACD's ``last_call``), or one it took (its
    acd_calls row, without the handoff data): 404 for any other."""
    agent = own_agent()
    if not CALL_ID.match(call_id):
        abort(404)
    current = desk().agent(agent) or {}
    if current.get("call_id") == call_id:
        return {"call_id": call_id, "caller": current.get("caller", ""), "queue": current.get("call_queue") or "",
                "data": current.get("data") or {}, "wait_ms": current.get("wait_ms", 0)}
    last = current.get("last_call") or {}
    if last.get("call_id") == call_id:                  # in wrap-up: the ACD still has the call's handoff data
        return {"call_id": call_id, "caller": last.get("caller", ""), "queue": last.get("queue") or "",
                "data": last.get("data") or {}, "wait_ms": last.get("wait_ms", 0)}
    with db.reading() as conn:
        row = deskpop.taken_call(conn, call_id, agent)
    if row is None:
        abort(404)
    return row


@bp.route("/pop/<call_id>")
@requires("desk.use")
def pop(call_id: str):
    call = _call_of_mine(call_id)
    data = deskpop.handoff(call["data"])
    with db.reading() as conn:
        path = deskpop.menu_path(conn, call_id)
        history = deskpop.earlier_calls(conn, call["caller"], call_id)
        voicemails = deskpop.voicemails(conn, call["caller"])
        faxes = deskpop.fax_list(conn, call["caller"])
        customer = deskpop.customer(conn, call["caller"], data.account) if g.user.can("customers.view") else None
    queue = desk_settings()["queues"].get(call["queue"], {})
    crm = deskpop.crm_link(queue.get("crm_url", ""), call["caller"], data.account, call["queue"], call_id)
    return render_template("agent/_pop.html", call=call, data=data, path=path, history=history,
                           voicemails=voicemails, faxes=faxes, crm=crm, customer=customer)


@bp.route("/pop/<call_id>/register", methods=["POST"])
@requires("desk.use", "customers.view", "customers.edit")
def register(call_id: str):
    """Open a customer for the caller of the agent's call, with the caller's number (the pop's register form)."""
    call = _call_of_mine(call_id)
    try:
        with db.writing() as conn:
            c = crm_store.open_customer(conn, CustomerInput(name=request.form.get("name", ""),
                                                            phones=[call["caller"]] if call["caller"] else []))
    except CustomerError as exc:
        return _refused(400, "bad_request", str(exc))
    security.audit("customer_open", c["number"], customer_id=c["id"], name=c["name"], phones=c["phones"], via="desk")
    return jsonify(customer={"id": c["id"], "number": c["number"]})


@bp.route("/pop/<call_id>/recording/<int:leg_id>")
@requires("desk.use", "recordings.listen")
def history_recording(call_id: str, leg_id: int):
    """The recording of an earlier call of the caller the agent talks to (or talked to)."""
    call = _call_of_mine(call_id)
    with db.reading() as conn:
        leg = deskpop.recording_leg(conn, leg_id, call["caller"])
    path = audio.resolve(current_app.config["WEB"].recordings_dir, leg["recording_path"]) if leg else None
    if path is None:
        abort(404)
    return audio.wav_response(path)
