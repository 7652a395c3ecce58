"""The dialer's REST API (bearer token, the token's user's rights, as the console's Campaigns pages; described
in /api/openapi.json by openapi_dialer.py): campaigns (list, create, start / pause / stop, results), their
records (add, list, one with its attempts) and the do-not-call list (search, add, delete). The checks are the
console's (telephonist/dialer/store.py, lists.py); every change is audited and pokes the dialer."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, g, jsonify, request

from telephonist.dialer import results
from telephonist.dialer import schema as T
from telephonist.dialer.lists import import_rows
from telephonist.dialer.store import DialerError
from telephonist.dialer.strategy import StrategyError
from telephonist.webadmin import db, numbers, security
from telephonist.webadmin.calls import site_tz
from telephonist.webadmin.campaigns import STATE_ACTIONS, _poke, _store
from telephonist.webadmin.security import requires

bp = Blueprint("campaigns_api", __name__, url_prefix="/api")
MAX_RECORDS = 10_000                       # records one POST may add
RECORD_STATES = ("pending", "dialing", "done", "exhausted", "dnc")


def _error(status: int, code: str, message: str):
    resp = jsonify(error={"code": code, "message": message})
    resp.status_code = status
    return resp


def _json(row: Any) -> dict[str, Any]:
    out = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in dict(row._mapping).items()}
    for key in ("strategy", "phones", "fields"):
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    out.pop("dedup_key", None)
    return out


def _body() -> dict[str, Any] | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def _campaign(conn, campaign_id: int):
    return conn.execute(T.campaigns.select().where(T.campaigns.c.id == campaign_id)).first()


@bp.route("/campaigns")
@requires("campaigns.view")
def campaigns():
    with db.reading() as conn:
        rows = conn.execute(T.campaigns.select().order_by(T.campaigns.c.id)).all()
        return jsonify(campaigns=[{**_json(r), "figures": results.figures(conn, r.id)} for r in rows])


@bp.route("/campaigns", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def create():
    b = _body()
    if b is None:
        return _error(400, "bad_request", "a JSON object body is needed")
    try:
        if not isinstance(b.get("strategy"), dict) or not isinstance(b.get("priority", 0), int):
            raise DialerError("strategy must be an object and priority a whole number")
        cid = _store().create_campaign(str(b.get("name", "")).strip(), str(b.get("kind", "")), str(b.get("mode", "")),
                                       str(b.get("target", "")).strip(), str(b.get("trunk_group", "")).strip(),
                                       b["strategy"], caller_id=str(b.get("caller_id", "")).strip(),
                                       priority=b.get("priority", 0))
    except (DialerError, StrategyError) as exc:
        return _error(400, "bad_request", str(exc))
    security.audit("campaign_create", str(b.get("name", "")).strip(), campaign_id=cid, via="api")
    with db.reading() as conn:
        resp = jsonify(campaign=_json(_campaign(conn, cid)))
    resp.status_code = 201
    return resp


@bp.route("/campaigns/<int:campaign_id>")
@requires("campaigns.view")
def one(campaign_id: int):
    with db.reading() as conn:
        row = _campaign(conn, campaign_id)
        if row is None:
            return _error(404, "not_found", f"no campaign {campaign_id}")
        return jsonify(campaign={**_json(row), "figures": results.figures(conn, campaign_id)})


@bp.route("/campaigns/<int:campaign_id>/state", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def change_state(campaign_id: int):
    b = _body() or {}
    action = b.get("action")
    if action not in STATE_ACTIONS:
        return _error(400, "bad_request", f"action must be one of {', '.join(STATE_ACTIONS)}")
    try:
        _store().set_state(campaign_id, STATE_ACTIONS[action])
    except DialerError as exc:
        return _error(404, "not_found", str(exc))
    security.audit(f"campaign_{action}", str(campaign_id), via="api")
    _poke()
    return jsonify(campaign_id=campaign_id, state=STATE_ACTIONS[action])


@bp.route("/campaigns/<int:campaign_id>/results")
@requires("campaigns.view")
def campaign_results(campaign_id: int):
    with db.reading() as conn:
        if _campaign(conn, campaign_id) is None:
            return _error(404, "not_found", f"no campaign {campaign_id}")
        labels, series = results.over_time(conn, campaign_id, site_tz())
        days = [{"day": day, **{k: series[k][i] for k in series}} for i, day in enumerate(labels)]
        return jsonify(campaign_id=campaign_id, figures=results.figures(conn, campaign_id), days=days)


@bp.route("/campaigns/<int:campaign_id>/records")
@requires("campaigns.view")
def records(campaign_id: int):
    state = request.args.get("state", "")
    if state and state not in RECORD_STATES:
        return _error(400, "bad_request", f"state must be one of {', '.join(RECORD_STATES)}")
    limit = numbers.arg(request.args, "limit", 100, 1, 1000)
    offset = numbers.arg(request.args, "offset", 0, 0, 10**12)
    r = T.records
    where = [r.c.campaign_id == campaign_id] + ([r.c.state == state] if state else [])
    with db.reading() as conn:
        if _campaign(conn, campaign_id) is None:
            return _error(404, "not_found", f"no campaign {campaign_id}")
        total = conn.execute(sa.select(sa.func.count()).select_from(r).where(*where)).scalar_one()
        rows = conn.execute(sa.select(r).where(*where).order_by(r.c.id).limit(limit).offset(offset)).all()
    return jsonify(total=total, limit=limit, offset=offset, records=[_json(x) for x in rows])


@bp.route("/campaigns/<int:campaign_id>/records", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def add_records(campaign_id: int):
    """{"records": [{"name", "phones": [...], "customer_type", "id_card", "fields": {...}}]}: checked and
    de-duplicated as an imported list is."""
    b = _body() or {}
    given = b.get("records")
    if not isinstance(given, list) or not given or len(given) > MAX_RECORDS or \
            not all(isinstance(x, dict) for x in given):
        return _error(400, "bad_request", f"records: a list of 1 to {MAX_RECORDS} objects")
    phones_n = max(len(x.get("phones") or []) if isinstance(x.get("phones"), list) else 1 for x in given)
    phone_cols = [f"phone {i + 1}" for i in range(phones_n)]
    custom = sorted({str(k) for x in given if isinstance(x.get("fields"), dict) for k in x["fields"]})
    header = ["name", "customer type", "id card", *phone_cols, *custom]
    if len(set(header)) != len(header):
        return _error(400, "bad_request", "a field may not be named like the record's own columns")
    rows = []
    for x in given:
        phones = x.get("phones") if isinstance(x.get("phones"), list) else [x.get("phones") or ""]
        fields = x.get("fields") if isinstance(x.get("fields"), dict) else {}
        rows.append([str(x.get("name") or ""), str(x.get("customer_type") or ""), str(x.get("id_card") or ""),
                     *[str(p) for p in phones] + [""] * (phones_n - len(phones)),
                     *[str(fields.get(k, "")) for k in custom]])
    mapping = {"name": "name", "customer_type": "customer type", "id_card": "id card", "phones": phone_cols}
    try:
        report = import_rows(db.engine(), campaign_id, header, rows, mapping)
    except DialerError as exc:
        return _error(404 if "no campaign" in str(exc) else 400, "bad_request", str(exc))
    security.audit("campaign_import", str(campaign_id), file="api", added=report.added,
                   duplicates=len(report.duplicates), rejected=len(report.rejected), via="api")
    _poke()
    resp = jsonify(added=report.added,                     # "index": the record's place in the request, from 0
                   duplicates=[{"index": line - 2, "key": k} for line, k in report.duplicates],
                   rejected=[{"index": line - 2, "why": why} for line, why in report.rejected])
    resp.status_code = 201 if report.added else 200
    return resp


@bp.route("/campaigns/<int:campaign_id>/records/<int:record_id>")
@requires("campaigns.view")
def record(campaign_id: int, record_id: int):
    with db.reading() as conn:
        row = conn.execute(T.records.select().where(T.records.c.id == record_id,
                                                    T.records.c.campaign_id == campaign_id)).first()
        if row is None:
            return _error(404, "not_found", f"no record {record_id} in campaign {campaign_id}")
        attempts = conn.execute(T.attempts.select().where(T.attempts.c.record_id == record_id)
                                .order_by(T.attempts.c.id)).all()
    return jsonify(record=_json(row), attempts=[_json(a) for a in attempts])


# ---- do-not-call -----------------------------------------------------------------------------------------
@bp.route("/dnc")
@requires("campaigns.view")
def dnc():
    limit = numbers.arg(request.args, "limit", 100, 1, 1000)
    entries = _store().dnc_search(request.args.get("q", "").strip(), limit=limit)
    return jsonify(entries=[{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in e.items()}
                            for e in entries])


@bp.route("/dnc", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def dnc_add():
    b = _body() or {}
    try:
        added = _store().dnc_add(str(b.get("kind", "")), str(b.get("value", "")), "manual", f"api {g.user.username}")
    except DialerError as exc:
        return _error(400, "bad_request", str(exc))
    security.audit("dnc_add", str(b.get("value", "")).strip(), kind=b.get("kind", ""), new=added, via="api")
    resp = jsonify(added=added)
    resp.status_code = 201 if added else 200
    return resp


@bp.route("/dnc", methods=["DELETE"])
@requires("campaigns.view", "campaigns.manage")
def dnc_delete():
    kind, value = request.args.get("kind", ""), request.args.get("value", "")
    if not _store().dnc_delete(kind, value):
        return _error(404, "not_found", "no such entry on the do-not-call list")
    security.audit("dnc_delete", value, kind=kind, via="api")
    return jsonify(deleted=True)
