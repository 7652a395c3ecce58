"""The agent desktop's campaign side (``/agent/preview``, ``/agent/script``): a preview campaign's records given to
the agent, one shown with its fields and history (and the customer's timeline when the record's number is a
customer's), the agent's Dial, its outcome code and appointment; and the campaign's call script beside the call:
answer, go back, pause and resume, flag a question to the supervisors.

The Dial is the desk's click to dial (the ACD's ``dial``: the agent's phone, then the customer) with the
campaign's trunk group, caller ID and the attempt's call id ``dl-<attempt>``, claimed first in dl_attempts like
the dialer's own dials. Everything is for the user's own agent only (right ``desk.use``); a script is shown to
the agent whose attempt it is, or who has the attempt's call now (a progressive call, or one transferred to it).
Times (windows, appointments) are the dialer's engine clock when the dialer answers, else the wall clock.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request

from telephonist.client import ApiCallError
from telephonist.dialer import appointments, preview, script_progress, scripts
from telephonist.dialer.preview import PreviewError
from telephonist.dialer.store import DialerError, DialerStore, attempt_of
from telephonist.webadmin import db, security
from telephonist.webadmin.desk import STATUS_OF, _refused, desk, own_agent
from telephonist.webadmin.livefeed import FeedUnavailable
from telephonist.webadmin.security import requires

log = logging.getLogger("telephonist.webadmin")
bp = Blueprint("deskpreview", __name__, url_prefix="/agent")
TIMELINE = 10


def _now() -> datetime:
    """The time the dialer's engine clock stands for (its windows and appointments run on it), else the wall's."""
    feed = current_app.extensions.get("chand_feed")
    try:
        if feed is not None:
            return datetime.fromisoformat(feed.request("dialer", {"action": "status"}, wait_s=2.0)["now"])
    except (FeedUnavailable, ApiCallError, KeyError, ValueError) as exc:
        log.debug("event=desk_dialer_clock_unavailable error=%s", exc)
    return datetime.now(UTC)


def _store() -> DialerStore:
    return DialerStore(engine=db.engine())


def _bad(exc: Exception, status: int = 400):
    return _refused(status, "bad_request" if status == 400 else "forbidden", str(exc))


@bp.route("/preview")
@requires("desk.use")
def records():
    agent = own_agent()
    mine = preview.agent_list(db.engine(), agent, _now())
    return jsonify(records=[{"record": a.record_id, "campaign": a.campaign, "name": a.name, "phones": a.phones,
                             "state": a.state, "callback_at": a.callback_at.isoformat() if a.callback_at else None,
                             "due": a.due, "open_attempt": a.open_attempt} for a in mine])


@bp.route("/preview/<int:record_id>")
@requires("desk.use")
def record(record_id: int):
    agent = own_agent()
    try:
        view = preview.record_view(db.engine(), record_id, agent)
    except PreviewError as exc:
        return _bad(exc, 404)
    view["customer"] = _customer(view["phones"]) if g.user.can("customers.view") else None
    if view["script_id"]:
        s = scripts.get(db.engine(), view["script_id"])
        view["script"] = {"name": s["name"], "version": s["version"], "questions": s["body"]["questions"]} if s else None
    return jsonify(view)


def _customer(phones: list[str]) -> dict[str, Any] | None:
    """The customer whose number the record has, with its latest timeline entries."""
    from telephonist.crm import store as crm_store
    from telephonist.crm import timeline as crm_timeline
    with db.reading() as conn:
        for number in phones:
            found = crm_store.by_phone(conn, number)
            if found:
                shown = crm_store.get(conn, found[0]["id"])
                return {"id": shown["id"], "number": shown["number"], "name": shown["name"],
                        "timeline": [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in e.items()}
                                     for e in crm_timeline.whole(conn, shown, TIMELINE)]}
    return None


@bp.route("/preview/<int:record_id>/dial", methods=["POST"])
@requires("desk.use")
def dial(record_id: int):
    """The agent dials its record (a chosen number, else the next one): the attempt is claimed, then the ACD rings
    the agent's phone and dials the customer through the campaign's trunk group."""
    agent = own_agent()
    number = request.form.get("number", "").strip() or None
    store = _store()
    try:
        view = preview.record_view(db.engine(), record_id, agent)
        s = scripts.get(db.engine(), view["script_id"]) if view["script_id"] else None
        claim, camp = preview.claim(db.engine(), record_id, agent, _now(), number,
                                    script=script_progress.start(s) if s else None)
    except PreviewError as exc:
        return _bad(exc, 404 if "not on agent" in str(exc) else 409)
    try:
        reply = desk().ask("dial", agent=agent, number=claim.number, trunk_group=camp.trunk_group,
                           caller_id=camp.caller_id, call_id=claim.call_id, data=claim.handoff_data(camp.name))
    except (ApiCallError, FeedUnavailable) as exc:
        store.finish(claim.attempt_id, "unplaced", _now())            # never went out: not an attempt
        code = exc.code if isinstance(exc, ApiCallError) else "unavailable"
        return _refused(STATUS_OF.get(code, 502), code, getattr(exc, "message", str(exc)))
    store.dialing(claim.attempt_id, str(reply.get("chan", "")))
    security.audit("desk_preview_dial", agent, record=record_id, attempt=claim.attempt_id, number=claim.number,
                   campaign=camp.name)
    return jsonify(ok=True, attempt=claim.attempt_id, number=claim.number, call_id=claim.call_id)


@bp.route("/preview/attempt/<int:attempt_id>/outcome", methods=["POST"])
@requires("desk.use")
def outcome(attempt_id: int):
    """The outcome code of an attempt, and maybe an appointment (callback_at, the campaign's local time unless it
    carries an offset): given by the attempt's agent, or by the agent the call was transferred to (who has it, or
    just had it: the appointment is then that agent's)."""
    agent = own_agent()
    code = request.form.get("code", "").strip()
    when = request.form.get("callback_at", "").strip()
    store = _store()
    try:
        att = _attempt_for_script(attempt_id)
        at = appointments.parse_time(when, appointments.campaign_time_zone(store, att["record_id"])) if when else None
        state = appointments.finish_by_agent(store, attempt_id, agent, code, _now(), callback_at=at,
                                             has_call=att["agent"] != agent)
    except PreviewError as exc:
        return _bad(exc, 404 if "is not agent" in str(exc) or "not a call of" in str(exc)
                    or "no attempt" in str(exc) else 400)
    security.audit("desk_preview_outcome", agent, attempt=attempt_id, code=code,
                   callback_at=at.isoformat() if at else None)
    return jsonify(ok=True, record_state=state)


# ---- the script beside the call ----------------------------------------------------------------------------------
def _attempt_for_script(attempt_id: int) -> dict[str, Any]:
    """The attempt, when the agent may work its script: its own (preview) or the call it has (or just had)."""
    agent = own_agent()
    from telephonist.dialer.schema import attempts
    with db.reading() as conn:
        att = conn.execute(attempts.select().where(attempts.c.id == attempt_id)).first()
    if att is None:
        raise PreviewError(f"no attempt {attempt_id}")
    if att.agent == agent:
        return dict(att._mapping)
    me = desk().agent(agent) or {}
    calls = {me.get("call_id"), (me.get("last_call") or {}).get("call_id")}
    if any(attempt_of(c) == attempt_id for c in calls if c):
        return dict(att._mapping)
    raise PreviewError(f"attempt {attempt_id} is not a call of agent {agent}")


def _state(att: dict[str, Any]) -> dict[str, Any] | None:
    """The attempt's script state; a progressive call's starts on the campaign's script at its first view."""
    state = script_progress.load(db.engine(), att["id"])
    if state is None:
        from telephonist.dialer.schema import campaigns
        with db.reading() as conn:
            sid = conn.execute(campaigns.select().with_only_columns(campaigns.c.script_id)
                               .where(campaigns.c.id == att["campaign_id"])).scalar()
        s = scripts.get(db.engine(), sid) if sid else None
        if s is None:
            return None
        state = script_progress.start(s)
        script_progress.save(db.engine(), att["id"], state)
    return state


@bp.route("/script/<int:attempt_id>")
@requires("desk.use")
def script(attempt_id: int):
    """The script of a call the agent has (or just had), with its record when the call was transferred to the agent
    (the record is not on its list), and whether the agent may still give the outcome (a preview attempt's)."""
    try:
        att = _attempt_for_script(attempt_id)
        state = _state(att)
    except PreviewError as exc:
        return _bad(exc, 404)
    shown = preview.record_of_attempt(db.engine(), attempt_id) if att["agent"] != own_agent() else None
    open_ = att["state"] != "done" and att["agent"] is not None      # an agent's (preview) attempt, no outcome yet
    return jsonify(script=script_progress.view(state) if state else None, attempt=attempt_id, record=shown,
                   outcome_open=open_)


@bp.route("/script/<int:attempt_id>/<action>", methods=["POST"])
@requires("desk.use")
def script_step(attempt_id: int, action: str):
    """answer (question, value), pause, resume, flag (question, note: to the supervisors)."""
    if action not in ("answer", "pause", "resume", "flag"):
        return _refused(404, "not_found", f"no action {action!r}")
    agent, f = own_agent(), request.form
    try:
        att = _attempt_for_script(attempt_id)
        state = _state(att)
        if state is None:
            raise PreviewError("the campaign has no call script")
        if action == "answer":
            state = script_progress.answer(state, f.get("question", ""), f.get("value", ""))
        elif action in ("pause", "resume"):
            state = {**state, "paused": action == "pause"}
        else:
            q = script_progress.question(state, f.get("question", ""))
            if q is None:
                raise PreviewError(f"no question {f.get('question', '')!r} in the script")
            note = " ".join(f.get("note", "").split())[:500]
            state = {**state, "flags": [*state["flags"], {"question": q["id"], "by": agent, "note": note}]}
            reached = _tell_supervisors(agent, att, q, note)
            security.audit("script_flag", agent, attempt=attempt_id, question=q["id"], note=note, reached=reached)
    except DialerError as exc:                        # PreviewError, ScriptError
        return _bad(exc, 404 if "not a call of" in str(exc) or "no attempt" in str(exc) else 400)
    script_progress.save(db.engine(), attempt_id, state)
    return jsonify(script=script_progress.view(state), attempt=attempt_id)


def _tell_supervisors(agent: str, att: dict[str, Any], q: dict[str, Any], note: str) -> int:
    """A notice to the supervisors (role supervisor, those with an agent ID see it on their desktop); how many it
    reached (0: none has a desktop; the flag stays on the attempt and the campaign's page lists it)."""
    from telephonist.notices import store as notices
    from telephonist.notices.store import NoticeError
    text = f"Agent {agent} flags question {q['id']} ({q['text'][:200]}) of campaign call dl-{att['id']}: {note}"
    try:
        with db.writing() as conn:
            to = notices.audience_agents(conn, "role:supervisor", {})
            notice = notices.send(conn, f"agent {agent}", "role:supervisor", text[:notices.MAX_TEXT], 24 * 60, False, to)
    except NoticeError as exc:
        log.info("event=script_flag_no_supervisor error=%s", exc)
        return 0
    current_app.extensions["desk_feed"].listeners.call({**notice, "type": "notice", "agents": [r.agent_id for r in to]})
    return len(to)
