"""The work orders' part of the OpenAPI document (merged by openapi.document())."""
from __future__ import annotations

from typing import Any

from telephonist.workorders.config import PRIORITIES
from telephonist.workorders.store import SOURCES
from telephonist.workorders.workflow import MOVES, State


def _err(desc: str) -> dict[str, Any]:
    return {"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ok(desc: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"description": desc, "content": {"application/json": {"schema": {"type": "object", "properties": props}}}}


def _q(name: str, desc: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": desc, "schema": schema or {"type": "string"}}


SCHEMAS: dict[str, Any] = {
    "WorkOrder": {"type": "object", "properties": {
        "id": {"type": "integer"}, "type": {"type": "string"}, "title": {"type": "string"},
        "description": {"type": "string"}, "fields": {"type": "object"}, "priority": {"enum": list(PRIORITIES)},
        "state": {"enum": [s.value for s in State]}, "unit": {"type": "string"}, "assignee": {"type": ["string", "null"]},
        "customer_id": {"type": ["integer", "null"]}, "caller_number": {"type": "string"},
        "caller_name": {"type": "string"}, "account": {"type": "string"}, "call_id": {"type": ["string", "null"]},
        "source": {"enum": list(SOURCES)}, "created_by": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"},
        "state_since": {"type": "string", "format": "date-time"}, "due_at": {"type": "string", "format": "date-time"},
        "closed_at": {"type": ["string", "null"], "format": "date-time"},
        "escalation": {"type": "integer", "description": "0 none, 1 the assignee reminded, 2 escalated to the head"}}},
    "WorkOrderNew": {"type": "object", "required": ["type"], "properties": {
        "type": {"type": "string", "description": "an order type id (GET /api/workorders/types)"},
        "priority": {"enum": list(PRIORITIES)}, "title": {"type": "string"}, "description": {"type": "string"},
        "fields": {"type": "object", "description": "the type's fields by name"},
        "caller_number": {"type": "string"}, "caller_name": {"type": "string"}, "account": {"type": "string"},
        "customer_id": {"type": "integer"}, "call_id": {"type": "string"},
        "unit": {"type": "string", "description": "default: the type's department"}}},
}


def extend(doc: dict[str, Any]) -> None:
    """Add the work-order operations and their schemas to ``doc``."""
    doc["paths"].update(paths({"401": _err("no or bad token"), "403": _err("the token's user lacks the right")}))
    doc["components"]["schemas"].update(SCHEMAS)


def paths(common: dict[str, Any]) -> dict[str, Any]:
    oid = {"name": "order_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ref = {"$ref": "#/components/schemas/WorkOrder"}
    body = lambda schema: {"required": True, "content": {"application/json": {"schema": schema}}}  # noqa: E731
    return {
        "/api/workorders": {
            "get": {"summary": "Search work orders (newest first; without workorders.all: the user's units', "
                               "assigned and created ones)",
                    "parameters": [_q("q", "number, name, account, title or text contains; or the order's id"),
                                   _q("type", "order type id"), _q("state", "a state, or open",
                                                                   {"enum": [s.value for s in State] + ["open"]}),
                                   _q("unit", "unit id"), _q("assignee", "username"),
                                   _q("overdue", "1: open past the deadline"), _q("escalated", "1: reminded or escalated"),
                                   _q("since", "created at or after (ISO date or date-time)"), _q("until", "created before"),
                                   _q("limit", "rows (1..1000, default 100)", {"type": "integer"}),
                                   _q("offset", "rows to skip", {"type": "integer"})],
                    "responses": {"200": _ok("matching orders", {"total": {"type": "integer"}, "limit": {"type": "integer"},
                                                                  "offset": {"type": "integer"},
                                                                  "workorders": {"type": "array", "items": ref}}),
                                  "400": _err("a bad search field"), **common}},
            "post": {"summary": "Create a work order (needs workorders.create)",
                     "requestBody": body({"$ref": "#/components/schemas/WorkOrderNew"}),
                     "responses": {"201": _ok("created", {"workorder": ref}),
                                   "400": _err("refused: unknown type, a missing or bad field ..."), **common}}},
        "/api/workorders/{order_id}": {"get": {
            "summary": "One order with its history, attachments and the moves this token may make",
            "parameters": [oid],
            "responses": {"200": _ok("the order", {"workorder": ref, "history": {"type": "array"},
                                                   "attachments": {"type": "array"},
                                                   "moves": {"type": "array", "items": {"enum": list(MOVES)}}}),
                          "404": _err("no such order, or not visible to this token"), **common}}},
        "/api/workorders/{order_id}/move": {"post": {
            "summary": "Move the order (dispatch, start, finish, close, reject, reopen)", "parameters": [oid],
            "requestBody": body({"type": "object", "required": ["move"], "properties": {
                "move": {"enum": list(MOVES)}, "note": {"type": "string", "description": "needed to finish, reject, reopen"},
                "unit": {"type": "string", "description": "dispatch: the unit"},
                "assignee": {"type": "string", "description": "dispatch: a member of the unit"}}}),
            "responses": {"200": _ok("moved", {"workorder": ref}), "400": _err("bad body"),
                          "404": _err("no such order, or not visible"),
                          "409": _err("the move is not allowed from this state or for this user"), **common}}},
        "/api/workorders/{order_id}/comments": {"post": {
            "summary": "Add a comment to the order's history", "parameters": [oid],
            "requestBody": body({"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}),
            "responses": {"201": _ok("added", {"ok": {"type": "boolean"}}), "400": _err("empty or bad body"),
                          "404": _err("no such order, or not visible"), **common}}},
        "/api/workorders/types": {"get": {
            "summary": "The configured order types (fields, deadlines) and units",
            "responses": {"200": _ok("types and units", {"priorities": {"type": "array"}, "types": {"type": "array"},
                                                         "units": {"type": "array"}}), **common}}},
    }
