"""The JSON REST API for CRM/ERP integration (bearer token; the token acts as its user, with that
user's rights and data rights): call records, recordings, voicemail, faxes, placing calls.
Described by the OpenAPI document at /api/openapi.json."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, jsonify, request, send_file

from telephonist.client import ApiCallError
from telephonist.webadmin import audio, calllog, db, inbox, inboxdb, numbers, security
from telephonist.webadmin.calllog import CallSearch
from telephonist.webadmin.inboxdb import InboxSearch
from telephonist.webadmin.calls import site_tz
from telephonist.webadmin.livefeed import FeedUnavailable
from telephonist.webadmin.livefilter import message_for
from telephonist.webadmin.openapi import document
from telephonist.webadmin.security import requires

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_LIMIT = 1000
MAX_OFFSET = 10**12


def _error(status: int, code: str, message: str):
    resp = jsonify(error={"code": code, "message": message})
    resp.status_code = status
    return resp


@bp.errorhandler(404)
def not_found(exc):
    return _error(404, "not_found", "no such resource")


@bp.errorhandler(400)
def bad_request(exc):
    return _error(400, "bad_request", getattr(exc, "description", "bad request"))


@bp.route("/openapi.json")
def openapi():
    return jsonify(document())


@bp.route("/calls")
@requires("calls.view")
def calls():
    try:
        s = CallSearch.from_args(request.args, site_tz())
    except ValueError as exc:
        return _error(400, "bad_request", str(exc))
    limit, offset = _window()
    with db.reading() as conn:
        total = calllog.count(conn, g.user, s)
        legs = calllog.search(conn, g.user, s, limit, offset)
    return jsonify(total=total, limit=limit, offset=offset, calls=[_leg(leg) for leg in legs])


def _window() -> tuple[int, int]:
    """limit and offset of a list (400 for anything but a whole number in range)."""
    return (numbers.arg(request.args, "limit", 100, 1, MAX_LIMIT),
            numbers.arg(request.args, "offset", 0, 0, MAX_OFFSET))


def _leg(leg: dict) -> dict:
    out = calllog.for_json(leg)
    out["has_recording"] = bool(leg.get("recording_path"))
    out.pop("recording_path", None)
    return out


def _visible(leg_id: int) -> dict:
    with db.reading() as conn:
        leg = calllog.get(conn, leg_id)
    if leg is None or not calllog.may_see(leg, g.user):
        abort(404)
    return leg


@bp.route("/calls/<int:leg_id>")
@requires("calls.view")
def call(leg_id: int):
    leg = _visible(leg_id)
    with db.reading() as conn:
        events = calllog.events(conn, leg_id)
    return jsonify(call=_leg(leg), events=[calllog.for_json(e) for e in events])


@bp.route("/calls/<int:leg_id>/recording")
@requires("calls.view", "recordings.download")
def recording(leg_id: int):
    leg = _visible(leg_id)
    path = audio.resolve(current_app.config["WEB"].recordings_dir, leg["recording_path"])
    if path is None:
        abort(404)
    security.audit("recording_download", f"leg:{leg_id}", via="api")
    return send_file(path, mimetype="audio/wav", as_attachment=True, download_name=f"call-{leg_id}.wav")


@bp.route("/calls/originate", methods=["POST"])
@requires("calls.originate")
def originate():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "bad_request", "a JSON object body is needed")
    trunk_group, number = body.get("trunk_group"), body.get("number")
    if not isinstance(trunk_group, str) or not trunk_group or not isinstance(number, str) or not number:
        return _error(400, "bad_request", "trunk_group and number (strings) are needed")
    timeout_s = body.get("timeout_s", 45)
    if not isinstance(timeout_s, int) or not 1 <= timeout_s <= 600:
        return _error(400, "bad_request", "timeout_s: 1..600")
    feed = current_app.extensions["chand_feed"]
    try:
        r = feed.originate(trunk_group, number, caller_id=str(body.get("caller_id", "")),
                           timeout_ms=timeout_s * 1000, handoff=str(body.get("handoff", "")))
    except FeedUnavailable as exc:
        return _error(503, "unavailable", str(exc))
    except ApiCallError as exc:
        status = {"bad_request": 400, "not_found": 404, "unavailable": 503, "forbidden": 403}.get(exc.code, 502)
        return _error(status, exc.code, exc.message)
    security.audit("originate", r["chan"], number=number, trunk_group=trunk_group, via="api")
    resp = jsonify(r)
    resp.status_code = 202
    return resp


@bp.route("/status")
@requires("live.view")
def status():
    return jsonify(message_for(g.user, current_app.extensions["chand_feed"].snapshot()))


# ---- voicemail and faxes --------------------------------------------------------------------------
def _inbox_query():
    s = InboxSearch.from_args(request.args, site_tz())
    return (s, *_window())


def _voicemail(msg: dict) -> dict:
    out = inboxdb.for_json(msg, drop=("path",))
    out["has_audio"] = inbox.voicemail_file(msg) is not None
    return out


def _fax(fax: dict) -> dict:
    out = inboxdb.for_json(fax, drop=("tiff_path", "pdf_path"))
    out["has_pdf"] = inbox.fax_pdf(fax) is not None
    return out


@bp.route("/voicemail")
@requires("inbox.view")
def voicemail_list():
    try:
        s, limit, offset = _inbox_query()
    except ValueError as exc:
        return _error(400, "bad_request", str(exc))
    with db.reading() as conn:
        total = inboxdb.count_voicemail(conn, g.user, s)
        items = inboxdb.voicemail(conn, g.user, s, limit, offset)
    return jsonify(total=total, limit=limit, offset=offset, voicemail=[_voicemail(m) for m in items])


@bp.route("/voicemail/<int:msg_id>")
@requires("inbox.view")
def voicemail_one(msg_id: int):
    return jsonify(voicemail=_voicemail(inbox.visible_voicemail(msg_id)))


@bp.route("/voicemail/<int:msg_id>/audio")
@requires("inbox.view", "inbox.listen")
def voicemail_audio(msg_id: int):
    msg = inbox.visible_voicemail(msg_id)
    path = inbox.voicemail_file(msg)
    if path is None:
        abort(404)
    security.audit("voicemail_download", f"voicemail:{msg_id}", mailbox=msg["mailbox"], via="api")
    return send_file(path, mimetype="audio/wav", as_attachment=True, download_name=f"voicemail-{msg_id}.wav")


@bp.route("/faxes")
@requires("inbox.view")
def fax_list():
    try:
        s, limit, offset = _inbox_query()
    except ValueError as exc:
        return _error(400, "bad_request", str(exc))
    with db.reading() as conn:
        total = inboxdb.count_faxes(conn, g.user, s)
        items = inboxdb.fax_list(conn, g.user, s, limit, offset)
    return jsonify(total=total, limit=limit, offset=offset, faxes=[_fax(f) for f in items])


@bp.route("/faxes/<int:fax_id>")
@requires("inbox.view")
def fax_one(fax_id: int):
    return jsonify(fax=_fax(inbox.visible_fax(fax_id)))


@bp.route("/faxes/<int:fax_id>/pdf")
@requires("inbox.view", "inbox.listen")
def fax_pdf(fax_id: int):
    fax = inbox.visible_fax(fax_id)
    path = inbox.fax_pdf(fax)
    if path is None:
        abort(404)
    security.audit("fax_download", f"fax:{fax_id}", mailbox=fax["mailbox"], via="api")
    return send_file(path, mimetype="application/pdf", as_attachment=True, download_name=f"fax-{fax_id}.pdf")
