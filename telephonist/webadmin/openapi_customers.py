"""The customer file's part of the OpenAPI document (the operations of api_customers.py)."""
from __future__ import annotations

from typing import Any

from telephonist.crm.store import CLASSES, STATUSES

TS = {"type": ["string", "null"], "format": "date-time"}
CUSTOMER = {"type": "object", "properties": {
    "id": {"type": "integer"}, "number": {"type": "string", "description": "the customer number"},
    "name": {"type": "string"}, "id_card": {"type": ["string", "null"]}, "class": {"enum": sorted(CLASSES)},
    "priority": {"type": "integer", "description": "the queue priority the class implies"},
    "region": {"type": "string"}, "status": {"enum": list(STATUSES)}, "opened_at": TS, "closed_at": TS,
    "updated_at": TS, "merged_into": {"type": ["integer", "null"]},
    "custom": {"type": "object", "additionalProperties": {"type": "string"}},
    "phones": {"type": "array", "items": {"type": "string"}}, "addresses": {"type": "array", "items": {"type": "string"}},
}}
CUSTOMER_INPUT = {"type": "object", "properties": {
    "name": {"type": "string"}, "number": {"type": "string", "description": "the site's own customer number "
                                           "(default: allocated)"},
    "id_card": {"type": "string"}, "class": {"enum": sorted(CLASSES)}, "region": {"type": "string"},
    "phones": {"type": "array", "items": {"type": "string"}, "description": "replaces the phone numbers"},
    "addresses": {"type": "array", "items": {"type": "string"}, "description": "replaces the addresses"},
    "custom": {"type": "object", "additionalProperties": {"type": "string"},
               "description": "the site's custom fields (an empty text clears one)"},
    "pin": {"type": "string", "description": "a new phone PIN (digits), checked by ivrd's authenticate "
                                             "node with realm \"customer\""},
}}
ENTRY = {"type": "object", "properties": {
    "id": {"type": "integer"}, "customer_id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"},
    "kind": {"type": "string", "description": "call, ivr, voicemail, fax, sms, email, work_order, survey, "
                                              "campaign, note ... (any short lower-case name)"},
    "ref": {"type": "string"}, "summary": {"type": "string"}, "link": {"type": "string"}}}


def _json(schema: dict[str, Any], desc: str) -> dict[str, Any]:
    return {"description": desc, "content": {"application/json": {"schema": schema}}}


def extend(doc: dict[str, Any]) -> None:
    """Add the customer operations and their schemas to ``doc``."""
    err = {"$ref": "#/components/schemas/Error"}
    common = {"401": _json(err, "no or bad token"), "403": _json(err, "the token's user lacks the right")}
    bad, missing = _json(err, "refused: the message says why"), _json(err, "no such customer")
    cid = {"name": "customer_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    one = _json({"type": "object", "properties": {"customer": {"$ref": "#/components/schemas/Customer"}}},
                "the customer")
    body = {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CustomerInput"}}}}

    def q(name: str, desc: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "description": desc,
                "schema": schema or {"type": "string"}}
    doc["components"]["schemas"].update(Customer=CUSTOMER, CustomerInput=CUSTOMER_INPUT, TimelineEntry=ENTRY)
    doc["info"]["description"] += (" The customer file (needs customers.view; changes need customers.edit): "
                                   "customers and their timeline.")
    doc["paths"].update({
        "/api/customers": {
            "get": {"summary": "Search customers (by name, customer number, ID number, phone or address)",
                    "parameters": [q("q", "the text searched"), q("status", "open (default), closed, merged or empty",
                                                                  {"enum": list(STATUSES) + [""]}),
                                   q("class", "the class", {"enum": sorted(CLASSES)}), q("region", "the region"),
                                   q("limit", "rows (1..1000, default 100)", {"type": "integer"}),
                                   q("offset", "rows to skip", {"type": "integer"})],
                    "responses": {"200": _json({"type": "object", "properties": {
                        "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
                        "customers": {"type": "array", "items": {"$ref": "#/components/schemas/Customer"}}}},
                        "customers by name"), "400": bad, **common}},
            "post": {"summary": "Open a customer (the customer number is allocated unless given)",
                     "requestBody": body, "responses": {"201": one, "400": bad, **common}}},
        "/api/customers/{customer_id}": {
            "get": {"summary": "One customer", "parameters": [cid],
                    "responses": {"200": one, "404": missing, **common}},
            "patch": {"summary": "Change a customer (the fields given)", "parameters": [cid], "requestBody": body,
                      "responses": {"200": one, "400": bad, "404": missing, **common}}},
        "/api/customers/{customer_id}/close": {
            "post": {"summary": "Close a customer (销户): kept with its timeline; its phone PIN goes",
                     "parameters": [cid], "responses": {"200": one, "400": bad, "404": missing, **common}}},
        "/api/customers/{customer_id}/timeline": {
            "get": {"summary": "The customer's timeline entries, newest first", "parameters": [
                cid, q("limit", "entries (1..1000, default 50)", {"type": "integer"}),
                q("before", "entries before this time (ISO)"), q("kind", "only this kind"),
                q("all", "1: the whole timeline as the customer page shows it (its own entries with the calls, IVR "
                         "sessions, surveys, SMS, work orders and campaign records found by the customer's numbers); "
                         "the latest only, no `before`")],
                "responses": {"200": _json({"type": "object", "properties": {"timeline": {
                    "type": "array", "items": {"$ref": "#/components/schemas/TimelineEntry"}}}}, "entries"),
                    "400": bad, "404": missing, **common}},
            "post": {"summary": "Append an entry to the customer's timeline", "parameters": [cid],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["kind", "summary"], "properties": {
                             "kind": {"type": "string"}, "summary": {"type": "string"}, "ref": {"type": "string"},
                             "link": {"type": "string", "description": "a path of this console"},
                             "at": {"type": "string", "format": "date-time"}}}}}},
                     "responses": {"201": _json({"type": "object", "properties": {
                         "entry": {"$ref": "#/components/schemas/TimelineEntry"}}}, "the entry"),
                         "400": bad, "404": missing, **common}}},
    })
