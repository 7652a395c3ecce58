"""The customer file in the REST API (bearer token, acting with its user's rights): search, get, create, update,
close customers; list and append timeline entries. Every change is audited (via "api"). Described in
/api/openapi.json (openapi_customers.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request

from telephonist.crm import store, timeline
from telephonist.crm.store import CustomerError, CustomerInput, CustomerSearch, NoSuchCustomer
from telephonist.webadmin import api, db, numbers, security
from telephonist.webadmin.api import MAX_LIMIT, MAX_OFFSET, _error
from telephonist.webadmin.calllog import for_json, parse_when
from telephonist.webadmin.calls import site_tz
from telephonist.webadmin.security import requires

bp = Blueprint("api_customers", __name__, url_prefix="/api/customers")


bp.register_error_handler(404, api.not_found)          # the same JSON errors as the rest of the API
bp.register_error_handler(400, api.bad_request)


@bp.errorhandler(CustomerError)
def _refused(exc: CustomerError):
    if isinstance(exc, NoSuchCustomer):
        return _error(404, "not_found", str(exc))
    return _error(400, "bad_request", str(exc))


def customer_json(c: dict[str, Any]) -> dict[str, Any]:
    out = for_json({k: v for k, v in c.items() if k not in ("klass", "class_label")})
    out["class"] = c["klass"]
    return out


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise CustomerError("a JSON object body is needed")
    return body


@bp.route("")
@requires("customers.view")
def search():
    s = CustomerSearch.from_args(request.args)
    limit = numbers.arg(request.args, "limit", 100, 1, MAX_LIMIT)
    offset = numbers.arg(request.args, "offset", 0, 0, MAX_OFFSET)
    with db.reading() as conn:
        total = store.count(conn, s)
        rows = store.search(conn, s, limit, offset, with_addresses=True)
    return jsonify(total=total, limit=limit, offset=offset, customers=[customer_json(c) for c in rows])


@bp.route("/<int:customer_id>")
@requires("customers.view")
def one(customer_id: int):
    with db.reading() as conn:
        return jsonify(customer=customer_json(store.get(conn, customer_id)))


@bp.route("", methods=["POST"])
@requires("customers.edit")
def create():
    data = CustomerInput.from_mapping(_body())
    with db.writing() as conn:
        c = store.open_customer(conn, data)
    security.audit("customer_open", c["number"], customer_id=c["id"], name=c["name"], phones=c["phones"], via="api")
    resp = jsonify(customer=customer_json(c))
    resp.status_code = 201
    return resp


@bp.route("/<int:customer_id>", methods=["PATCH"])
@requires("customers.edit")
def update(customer_id: int):
    data = CustomerInput.from_mapping(_body())
    with db.writing() as conn:
        c = store.update_customer(conn, customer_id, data)
    security.audit("customer_edit", c["number"], customer_id=customer_id, fields=sorted(_body()), via="api")
    return jsonify(customer=customer_json(c))


@bp.route("/<int:customer_id>/close", methods=["POST"])
@requires("customers.edit")
def close(customer_id: int):
    with db.writing() as conn:
        c = store.close_customer(conn, customer_id)
    security.audit("customer_close", c["number"], customer_id=customer_id, via="api")
    return jsonify(customer=customer_json(c))


@bp.route("/<int:customer_id>/timeline")
@requires("customers.view")
def timeline_list(customer_id: int):
    limit = numbers.arg(request.args, "limit", timeline.LATEST, 1, MAX_LIMIT)
    before = _when(request.args.get("before", ""))
    kind = request.args.get("kind") or None
    merged = request.args.get("all", "") in ("1", "true")
    if merged and before is not None:
        raise CustomerError("before: the whole timeline (all=1) gives the latest entries only")
    with db.reading() as conn:
        customer = store.get(conn, customer_id)
        if merged:        # what the customer page and the screen pop show: calls, IVR, surveys, SMS, campaigns ...
            rows = [r for r in timeline.whole(conn, customer, limit) if kind is None or r["kind"] == kind]
        else:
            rows = timeline.entries(conn, customer_id, limit, before, kind)
    return jsonify(timeline=[for_json(r) for r in rows])


def _when(text: str) -> datetime | None:
    try:
        return parse_when(text, site_tz(), "before") if text.strip() else None
    except ValueError as exc:
        raise CustomerError(str(exc)) from None


@bp.route("/<int:customer_id>/timeline", methods=["POST"])
@requires("customers.edit")
def timeline_append(customer_id: int):
    body = _body()
    fields = {k: body.get(k, "") for k in ("kind", "summary", "ref", "link")}
    if not all(isinstance(v, str) for v in fields.values()):
        raise CustomerError("kind, summary, ref and link are texts")
    at = _when(body["at"]) if isinstance(body.get("at"), str) else None
    with db.writing() as conn:
        entry_id = timeline.append(conn, customer_id, fields["kind"], fields["summary"], ref=fields["ref"],
                                   link=fields["link"], at=at)
        entry = timeline.entry(conn, entry_id)
    security.audit("customer_timeline_add", str(customer_id), entry_id=entry_id, kind=fields["kind"], via="api")
    resp = jsonify(entry=for_json(entry))
    resp.status_code = 201
    return resp
