"""The work orders' REST API (bearer token, the token's user's rights; described in /api/openapi.json):
search, read, create, move and comment on orders, and the configured types and units. A CRM, an ERP or
a mail gateway creates orders here; the checks are the console's (telephonist/workorders/store.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, g, jsonify, request

from telephonist.webadmin import db, numbers, security
from telephonist.webadmin.calls import site_tz
from telephonist.webadmin.security import requires
from telephonist.webadmin.workorders import new_order_from, now, search_from, viewer, wo_config
from telephonist.workorders import attachments, store, workflow
from telephonist.workorders.config import PRIORITIES
from telephonist.workorders.store import OrderError

bp = Blueprint("workorders_api", __name__, url_prefix="/api/workorders")


def _error(status: int, code: str, message: str):
    resp = jsonify(error={"code": code, "message": message})
    resp.status_code = status
    return resp


def _json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items() if k != "path"}


def _body() -> dict[str, Any] | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


@bp.route("")
@requires("workorders.view")
def search():
    try:
        s = search_from(request.args, site_tz())
    except ValueError as exc:
        return _error(400, "bad_request", str(exc))
    limit = numbers.arg(request.args, "limit", 100, 1, 1000)
    offset = numbers.arg(request.args, "offset", 0, 0, 10**12)
    with db.reading() as conn:
        total, rows = store.search(conn, viewer(wo_config()), s, now(), limit, offset)
    return jsonify(total=total, limit=limit, offset=offset, workorders=[_json(r) for r in rows])


@bp.route("", methods=["POST"])
@requires("workorders.view", "workorders.create")
def create():
    body = _body()
    if body is None:
        return _error(400, "bad_request", "a JSON object body is needed")
    if body.get("customer_id") is not None and not isinstance(body.get("customer_id"), int):
        return _error(400, "bad_request", "customer_id: a whole number")
    try:
        with db.writing() as conn:
            oid = store.create(conn, wo_config(), new_order_from(body, "api"), g.user.username, now())
            order = store.get(conn, oid)
    except OrderError as exc:
        return _error(400, "bad_request", str(exc))
    security.audit("workorder_create", f"workorder:{oid}", type=body.get("type"), source="api", via="api")
    resp = jsonify(workorder=_json(order))
    resp.status_code = 201
    return resp


@bp.route("/<int:order_id>")
@requires("workorders.view")
def one(order_id: int):
    cfg = wo_config()
    v = viewer(cfg)
    with db.reading() as conn:
        order = store.get(conn, order_id)
        if order is None or not v.may_see(order):
            return _error(404, "not_found", "no such work order, or not visible to this token")
        hist, files = store.history_of(conn, order_id), attachments.of_order(conn, order_id)
    moves = [m.name for m in workflow.allowed(workflow.State(order["state"]), v.roles(order))]
    return jsonify(workorder=_json(order), history=[_json(h) for h in hist],
                   attachments=[_json(a) for a in files], moves=moves)


@bp.route("/<int:order_id>/move", methods=["POST"])
@requires("workorders.view")
def move(order_id: int):
    body = _body()
    if body is None or not isinstance(body.get("move"), str):
        return _error(400, "bad_request", "a JSON object with move (a string) is needed")
    cfg = wo_config()
    try:
        with db.writing() as conn:
            store.move(conn, cfg, order_id, body["move"], viewer(cfg), str(body.get("note", "")), now(),
                       unit=str(body.get("unit", "")), assignee=str(body.get("assignee", "")))
            order = store.get(conn, order_id)
    except OrderError as exc:
        return _error(404 if str(exc).startswith("no work order") else 409, "refused", str(exc))
    security.audit("workorder_move", f"workorder:{order_id}", move=body["move"], via="api")
    return jsonify(workorder=_json(order))


@bp.route("/<int:order_id>/comments", methods=["POST"])
@requires("workorders.view")
def comment(order_id: int):
    body = _body()
    if body is None or not isinstance(body.get("text"), str):
        return _error(400, "bad_request", "a JSON object with text (a string) is needed")
    cfg = wo_config()
    try:
        with db.writing() as conn:
            store.comment(conn, order_id, viewer(cfg), body["text"][:4000], now())
    except OrderError as exc:
        return _error(404 if str(exc).startswith("no work order") else 400, "refused", str(exc))
    security.audit("workorder_comment", f"workorder:{order_id}", via="api")
    return jsonify(ok=True), 201


@bp.route("/types")
@requires("workorders.view")
def types():
    cfg = wo_config()
    return jsonify(priorities=list(PRIORITIES), types=[
        {"id": t.id, "name": t.name, "department": t.department, "deadline_h": t.deadline_h, "complaint": t.complaint,
         "fields": [{"name": f.name, "label": f.label, "kind": f.kind, "required": f.required,
                     "choices": list(f.choices)} for f in t.fields]} for t in cfg.types.values()],
        units=[{"id": u.id, "name": u.name, "kind": u.kind, "parent": u.parent} for u in cfg.units.values()])
