"""The dialer's part of the OpenAPI document (merged by openapi.document()): campaigns_api.py's operations."""
from __future__ import annotations

from typing import Any

from telephonist.dialer.store import KINDS, MODES, STATES


def _err(desc: str) -> dict[str, Any]:
    return {"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ok(desc: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"description": desc, "content": {"application/json": {"schema": {"type": "object", "properties": props}}}}


def _q(name: str, desc: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": desc, "schema": schema or {"type": "string"}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


RECORD_STATES = ["pending", "dialing", "done", "exhausted", "dnc"]
FIGURES = {"type": "object", "description": "docs/dialer.md, Console: records, attempts, contact rate ...",
           "properties": {k: {"type": ["number", "null"]} for k in (
               "records", "attempts", "dialled", "answered", "contact_rate", "success", "success_rate", "refusals",
               "wrong_numbers")} | {"by_state": {"type": "object"}}}
SCHEMAS: dict[str, Any] = {
    "Campaign": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"enum": list(KINDS)},
        "mode": {"enum": list(MODES)}, "target": {"type": "string"}, "trunk_group": {"type": "string"},
        "caller_id": {"type": "string"}, "priority": {"type": "integer"}, "state": {"enum": list(STATES)},
        "strategy": {"type": "object", "description": "docs/dialer.md, Strategy"},
        "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"},
        "figures": FIGURES}},
    "CampaignNew": {"type": "object", "required": ["name", "kind", "mode", "target", "trunk_group", "strategy"],
                    "properties": {"name": {"type": "string", "maxLength": 64}, "kind": {"enum": list(KINDS)},
                                   "mode": {"enum": list(MODES)},
                                   "target": {"type": "string", "description": "the IVR flow or the ACD queue"},
                                   "trunk_group": {"type": "string"}, "caller_id": {"type": "string"},
                                   "priority": {"type": "integer"}, "strategy": {"type": "object"}}},
    "CampaignRecord": {"type": "object", "properties": {
        "id": {"type": "integer"}, "campaign_id": {"type": "integer"}, "name": {"type": "string"},
        "customer_type": {"type": "string"}, "id_card": {"type": "string"},
        "phones": {"type": "array", "items": {"type": "string"}}, "fields": {"type": "object"},
        "state": {"enum": RECORD_STATES}, "attempts": {"type": "integer"}, "next_phone": {"type": "integer"},
        "next_at": {"type": ["string", "null"], "format": "date-time"}, "outcome": {"type": ["string", "null"]},
        "result": {"type": ["string", "null"]}, "updated_at": {"type": "string", "format": "date-time"}}},
    "DncEntry": {"type": "object", "properties": {
        "id": {"type": "integer"}, "kind": {"enum": ["phone", "id_card"]}, "value": {"type": "string"},
        "reason": {"type": "string"}, "source": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"}}},
}


def extend(doc: dict[str, Any]) -> None:
    """Add the dialer's operations and schemas to ``doc``."""
    doc["paths"].update(paths({"401": _err("no or bad token"), "403": _err("the token's user lacks the right")}))
    doc["components"]["schemas"].update(SCHEMAS)


def paths(common: dict[str, Any]) -> dict[str, Any]:
    cid = {"name": "campaign_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    rid = {"name": "record_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    camp = {"$ref": "#/components/schemas/Campaign"}
    rec = {"$ref": "#/components/schemas/CampaignRecord"}
    missing = {"404": _err("no such campaign")}
    return {
        "/api/campaigns": {
            "get": {"summary": "The campaigns with their figures (campaigns.view)",
                    "responses": {"200": _ok("campaigns", {"campaigns": {"type": "array", "items": camp}}), **common}},
            "post": {"summary": "Create a campaign in state draft (campaigns.manage); the strategy is checked whole",
                     "requestBody": _body({"$ref": "#/components/schemas/CampaignNew"}),
                     "responses": {"201": _ok("created", {"campaign": camp}),
                                   "400": _err("refused, with every problem of the strategy"), **common}}},
        "/api/campaigns/{campaign_id}": {"get": {
            "summary": "One campaign with its figures", "parameters": [cid],
            "responses": {"200": _ok("the campaign", {"campaign": camp}), **missing, **common}}},
        "/api/campaigns/{campaign_id}/state": {"post": {
            "summary": "Start, pause or stop the campaign (campaigns.manage); the dialer is asked to look again",
            "parameters": [cid],
            "requestBody": _body({"type": "object", "required": ["action"],
                                  "properties": {"action": {"enum": ["start", "pause", "stop"]}}}),
            "responses": {"200": _ok("the new state", {"campaign_id": {"type": "integer"},
                                                       "state": {"enum": list(STATES)}}),
                          "400": _err("an unknown action"), **missing, **common}}},
        "/api/campaigns/{campaign_id}/results": {"get": {
            "summary": "The campaign's figures (contact rate, success, refusals, wrong numbers, records per state) "
                       "and the same per day (the site's time zone)",
            "parameters": [cid],
            "responses": {"200": _ok("figures", {"campaign_id": {"type": "integer"}, "figures": FIGURES,
                                                 "days": {"type": "array", "items": {"type": "object", "properties": {
                                                     "day": {"type": "string", "format": "date"},
                                                     **{k: {"type": "integer"} for k in (
                                                         "dialled", "answered", "success", "refusals",
                                                         "wrong_numbers")}}}}}),
                          **missing, **common}}},
        "/api/campaigns/{campaign_id}/records": {
            "get": {"summary": "The campaign's records, in the order they were added", "parameters": [
                        cid, _q("state", "only records in this state", {"enum": RECORD_STATES}),
                        _q("limit", "rows (1..1000, default 100)", {"type": "integer"}),
                        _q("offset", "rows to skip", {"type": "integer"})],
                    "responses": {"200": _ok("records", {"total": {"type": "integer"}, "limit": {"type": "integer"},
                                                         "offset": {"type": "integer"},
                                                         "records": {"type": "array", "items": rec}}),
                                  "400": _err("a bad state"), **missing, **common}},
            "post": {"summary": "Add records (campaigns.manage), checked and de-duplicated as an imported list",
                     "parameters": [cid],
                     "requestBody": _body({"type": "object", "required": ["records"], "properties": {"records": {
                         "type": "array", "maxItems": 10000, "items": {"type": "object", "required": ["phones"],
                                                                       "properties": {
                             "name": {"type": "string"}, "phones": {"type": "array", "items": {"type": "string"}},
                             "customer_type": {"type": "string"}, "id_card": {"type": "string"},
                             "fields": {"type": "object", "description": "what a flow reads, what the agent sees"}}}}}}),
                     "responses": {"201": _ok("added (200: none added)", {
                         "added": {"type": "integer"},
                         "duplicates": {"type": "array", "items": {"type": "object"}},
                         "rejected": {"type": "array", "items": {"type": "object"}}}),
                                   "400": _err("a bad body"), **missing, **common}}},
        "/api/campaigns/{campaign_id}/records/{record_id}": {"get": {
            "summary": "One record with its attempts (number, outcome, result, times)", "parameters": [cid, rid],
            "responses": {"200": _ok("the record", {"record": rec, "attempts": {"type": "array"}}),
                          "404": _err("no such record in the campaign"), **common}}},
        "/api/dnc": {
            "get": {"summary": "Search the do-not-call list (campaigns.view)",
                    "parameters": [_q("q", "number or ID card contains"),
                                   _q("limit", "rows (1..1000, default 100)", {"type": "integer"})],
                    "responses": {"200": _ok("entries", {"entries": {"type": "array", "items": {
                        "$ref": "#/components/schemas/DncEntry"}}}), **common}},
            "post": {"summary": "Put a phone number or an ID-card number on the list (campaigns.manage)",
                     "requestBody": _body({"type": "object", "required": ["kind", "value"], "properties": {
                         "kind": {"enum": ["phone", "id_card"]}, "value": {"type": "string"}}}),
                     "responses": {"201": _ok("added (200: it was there already)", {"added": {"type": "boolean"}}),
                                   "400": _err("a bad entry"), **common}},
            "delete": {"summary": "Take an entry off the list (campaigns.manage)",
                       "parameters": [{**_q("kind", "phone or id_card", {"enum": ["phone", "id_card"]}), "required": True},
                                      {**_q("value", "the number"), "required": True}],
                       "responses": {"200": _ok("deleted", {"deleted": {"type": "boolean"}}),
                                     "404": _err("no such entry"), **common}}},
    }
