"""The OpenAPI 3.1 document of the REST API (served at /api/openapi.json)."""
from __future__ import annotations

from typing import Any

from telephonist.storage.schema import DIRECTIONS, DISPOSITIONS
from telephonist.webadmin.inboxdb import CATEGORIES
from telephonist.webadmin.kb_openapi import kb_paths


def _q(name: str, desc: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": desc,
            "schema": schema or {"type": "string"}}


def _err(desc: str) -> dict[str, Any]:
    return {"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def document() -> dict[str, Any]:
    ts = {"type": ["string", "null"], "format": "date-time"}
    call = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"}, "call_id": {"type": "string"},
            "direction": {"enum": sorted(DIRECTIONS)}, "span": {"type": "string"}, "channel": {"type": "integer"},
            "trunk_group": {"type": ["string", "null"]}, "caller": {"type": "string"}, "dialled": {"type": "string"},
            "application": {"type": ["string", "null"]}, "state": {"type": "string"},
            "disposition": {"enum": sorted(DISPOSITIONS) + [None]}, "hangup_cause": {"type": ["string", "null"]},
            "started_at": {"type": "string", "format": "date-time"}, "answered_at": ts, "ended_at": ts,
            "ring_ms": {"type": ["integer", "null"]}, "talk_ms": {"type": ["integer", "null"]},
            "node": {"type": "string"}, "has_recording": {"type": "boolean"},
        },
    }
    search = [
        _q("since", "started at or after (ISO date or date-time; site time zone unless an offset is given)"),
        _q("until", "started before (a date alone means the end of that day)"),
        _q("number", "caller or dialled number contains"), _q("caller", "caller contains"),
        _q("dialled", "dialled number contains"), _q("channel", "span or span/N"),
        _q("disposition", "result, or 'open'", {"enum": sorted(DISPOSITIONS) + ["open"]}),
        _q("direction", "inbound or outbound", {"enum": sorted(DIRECTIONS)}),
        _q("min_talk_s", "talk time at least (s)", {"type": "integer"}),
        _q("max_talk_s", "talk time at most (s)", {"type": "integer"}),
        _q("limit", "rows (1..1000, default 100)", {"type": "integer"}),
        _q("offset", "rows to skip", {"type": "integer"}),
    ]
    leg_id = {"name": "leg_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    marks = {"category": {"enum": list(CATEGORIES)}, "handled": {"type": "boolean"},
             "handled_by": {"type": ["string", "null"]}, "handled_at": ts}
    voicemail = {"type": "object", "properties": {
        "id": {"type": "integer"}, "mailbox": {"type": "string"}, "box_name": {"type": ["string", "null"]},
        "caller": {"type": "string"}, "dialled": {"type": "string"}, "call_id": {"type": ["string", "null"]},
        "duration_ms": {"type": "integer"}, "state": {"enum": ["new", "saved", "deleted"]},
        "created_at": {"type": "string", "format": "date-time"}, "heard_at": ts, "has_audio": {"type": "boolean"},
        **marks}}
    fax = {"type": "object", "properties": {
        "id": {"type": "integer"}, "direction": {"enum": ["inbound", "outbound"]},
        "mailbox": {"type": ["string", "null"]}, "caller": {"type": "string"}, "dialled": {"type": "string"},
        "remote_ident": {"type": "string"}, "pages": {"type": "integer"}, "bit_rate": {"type": "integer"},
        "ecm": {"type": "boolean"}, "result_code": {"type": "integer", "description": "0: the fax went through"},
        "result": {"type": "string"}, "call_id": {"type": ["string", "null"]}, "job_id": {"type": ["integer", "null"]},
        "emailed_to": {"type": ["string", "null"]}, "created_at": {"type": "string", "format": "date-time"},
        "has_pdf": {"type": "boolean"}, **marks}}
    inbox_search = [
        _q("since", "received at or after (ISO date or date-time)"), _q("until", "received before"),
        _q("mailbox", "the mailbox"), _q("number", "caller (faxes: or the remote station) contains"),
        _q("category", "classified as", {"enum": list(CATEGORIES)}),
        _q("handled", "handled or not", {"enum": ["yes", "no"]}),
        _q("limit", "rows (1..1000, default 100)", {"type": "integer"}), _q("offset", "rows to skip", {"type": "integer"}),
    ]
    vm_id = {"name": "msg_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    fax_id = {"name": "fax_id", "in": "path", "required": True, "schema": {"type": "integer"}}

    def listing(key: str, ref: str) -> dict[str, Any]:
        return {"200": {"description": "newest first", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"total": {"type": "integer"}, "limit": {"type": "integer"},
                                             "offset": {"type": "integer"},
                                             key: {"type": "array", "items": {"$ref": ref}}}}}}},
                "400": _err("a bad search field")}
    common = {"401": _err("no or bad token"), "403": _err("the token's user lacks the right")}
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "Telephonist web admin API", "version": "1",
                 "description": "Call records, recordings, voicemail, faxes and originating calls. Every request "
                                "carries `Authorization: Bearer TOKEN` (tokens are made on the API tokens page and "
                                "act with their user's rights; an agent's token sees only that agent's calls and "
                                "voicemail box). Audio and fax documents need the right inbox.listen."},
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Call": call,
                "Voicemail": voicemail,
                "Fax": fax,
                "Event": {"type": "object", "properties": {"id": {"type": "integer"}, "at": {"type": "string"},
                                                           "kind": {"type": "string"}, "data": {"type": "object"}}},
                "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"}}}}},
            },
        },
        "security": [{"token": []}],
        "paths": {
            "/api/calls": {"get": {
                "summary": "Search call records (newest first)", "parameters": search,
                "responses": {"200": {"description": "matching call legs", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"total": {"type": "integer"}, "limit": {"type": "integer"},
                                                     "offset": {"type": "integer"},
                                                     "calls": {"type": "array", "items": {"$ref": "#/components/schemas/Call"}}}}}}},
                              "400": _err("a bad search field"), **common}}},
            "/api/calls/{leg_id}": {"get": {
                "summary": "One call leg and its events", "parameters": [leg_id],
                "responses": {"200": {"description": "the leg", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"call": {"$ref": "#/components/schemas/Call"},
                                                     "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}}}}}},
                              "404": _err("no such call, or not visible to this token"), **common}}},
            "/api/calls/{leg_id}/recording": {"get": {
                "summary": "The call's recording as recorded (WAV)", "parameters": [leg_id],
                "responses": {"200": {"description": "WAV file", "content": {"audio/wav": {}}},
                              "404": _err("no recording"), **common}}},
            "/api/calls/originate": {"post": {
                "summary": "Place a call through chand",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["trunk_group", "number"],
                    "properties": {"trunk_group": {"type": "string"}, "number": {"type": "string"},
                                   "caller_id": {"type": "string"}, "timeout_s": {"type": "integer"},
                                   "handoff": {"type": "string", "description": "application to hand the "
                                               "answered call to (queue:sales, app:crm ...); without it the "
                                               "call is hung up when the far end hangs up"}}}}}},
                "responses": {"202": {"description": "dialling", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"chan": {"type": "string"}, "call_id": {"type": "string"}}}}}},
                              "400": _err("bad arguments"), "503": _err("chand not connected or no free line"),
                              **common}}},
            "/api/voicemail": {"get": {
                "summary": "Search voicemail messages (an agent's token: its own box only)",
                "parameters": inbox_search + [_q("state", "new, saved or deleted (default: not deleted)",
                                                 {"enum": ["new", "saved", "deleted"]})],
                "responses": {**listing("voicemail", "#/components/schemas/Voicemail"), **common}}},
            "/api/voicemail/{msg_id}": {"get": {
                "summary": "One voicemail message", "parameters": [vm_id],
                "responses": {"200": {"description": "the message", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"voicemail": {"$ref": "#/components/schemas/Voicemail"}}}}}},
                              "404": _err("no such message, or not visible to this token"), **common}}},
            "/api/voicemail/{msg_id}/audio": {"get": {
                "summary": "The message's audio as recorded (WAV, 8 kHz mono); needs inbox.listen",
                "parameters": [vm_id],
                "responses": {"200": {"description": "WAV file", "content": {"audio/wav": {}}},
                              "404": _err("no such message or no audio"), **common}}},
            "/api/faxes": {"get": {
                "summary": "Search faxes received and sent (needs inbox.all to see any)",
                "parameters": inbox_search + [_q("direction", "inbound or outbound", {"enum": ["inbound", "outbound"]}),
                                              _q("result", "went through or not", {"enum": ["ok", "failed"]})],
                "responses": {**listing("faxes", "#/components/schemas/Fax"), **common}}},
            "/api/faxes/{fax_id}": {"get": {
                "summary": "One fax", "parameters": [fax_id],
                "responses": {"200": {"description": "the fax", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"fax": {"$ref": "#/components/schemas/Fax"}}}}}},
                              "404": _err("no such fax, or not visible to this token"), **common}}},
            "/api/faxes/{fax_id}/pdf": {"get": {
                "summary": "The fax as PDF; needs inbox.listen", "parameters": [fax_id],
                "responses": {"200": {"description": "PDF", "content": {"application/pdf": {}}},
                              "404": _err("no such fax or no PDF"), **common}}},
            "/api/status": {"get": {
                "summary": "Every channel's state as the live board sees it",
                "responses": {"200": {"description": "lines", "content": {"application/json": {}}}, **common}}},
            "/api/openapi.json": {"get": {"summary": "This document",
                                          "responses": {"200": {"description": "OpenAPI 3.1"}, **common}}},
            **kb_paths(_q, _err, common),
        },
    }
    for extend in EXTENSIONS:
        extend(doc)
    return doc


# the parts of other areas, each adding its operations (keep at the end)
from telephonist.webadmin import openapi_customers, openapi_wo  # noqa: E402
from telephonist.webadmin import openapi_dialer  # noqa: E402

EXTENSIONS = [openapi_customers.extend, openapi_wo.extend]
EXTENSIONS.append(openapi_dialer.extend)
