"""The knowledge base's REST operations in the OpenAPI document (openapi.py adds them to its paths)."""
from __future__ import annotations

from typing import Any, Callable


def kb_paths(q: Callable[..., dict[str, Any]], err: Callable[[str], dict[str, Any]],
             common: dict[str, Any]) -> dict[str, Any]:
    hit = {"type": "object", "properties": {
        "id": {"type": "integer"}, "title": {"type": "string", "description": "HTML: escaped, matches in <mark>"},
        "snippet": {"type": "string", "description": "HTML: the text around the first match, escaped, matches in <mark>"},
        "category_id": {"type": ["integer", "null"]}, "score": {"type": "number", "description": "higher is better"}}}
    article = {"type": "object", "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}, "body": {"type": "string"},
        "category": {"type": ["string", "null"]}, "category_id": {"type": ["integer", "null"]},
        "version": {"type": "integer"}, "retired": {"type": "boolean", "description": "kept, no longer found"},
        "updated_at": {"type": "string", "format": "date-time"}, "updated_by": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}, "description": "queue:NAME or ivr:FLOW/NODE"},
        "attachments": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "size": {"type": "integer"}}}}}}
    aid = {"name": "article_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    draft = {"title": {"type": "string", "minLength": 1, "maxLength": 200}, "body": {"type": "string"},
             "category_id": {"type": ["integer", "null"]},
             "tags": {"type": "array", "items": {"type": "string"}, "description": "queue:NAME or ivr:FLOW/NODE"}}

    def body(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": props, "required": required}}}}

    def one(desc: str) -> dict[str, Any]:
        return {"description": desc, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"article": article}}}}}

    return {
        "/api/kb/search": {"get": {
            "summary": "Search the knowledge base (every word of the query, Chinese segmented; best first); "
                       "needs kb.view",
            "parameters": [q("q", "the words to find (at most 200 characters)"),
                           q("category", "only this category (its id)", {"type": "integer"}),
                           q("limit", "hits (1..50, default 20)", {"type": "integer"})],
            "responses": {"200": {"description": "the hits", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"query": {"type": "string"},
                                                 "hits": {"type": "array", "items": hit}}}}}},
                          "400": err("a bad parameter"), **common}}},
        "/api/kb/articles": {"post": {
            "summary": "Write a new article (version 1); needs kb.edit; audited",
            "requestBody": body(draft, ["title"]),
            "responses": {"201": one("the new article"), "400": err("refused input: the reason"), **common}}},
        "/api/kb/articles/{article_id}": {
            "get": {
                "summary": "One article as it is now; needs kb.view",
                "parameters": [aid],
                "responses": {"200": one("the article"), "404": err("no such article"), **common}},
            "put": {
                "summary": "Save a new version of the article (every version is kept; a retired article comes "
                           "back); needs kb.edit; audited",
                "parameters": [aid],
                "requestBody": body({**draft, "version": {"type": "integer", "description":
                                                          "the version the change starts from: 409 when another "
                                                          "save came in between"},
                                     "note": {"type": "string", "maxLength": 200}}, ["title"]),
                "responses": {"200": one("the article, its new version"), "400": err("refused input: the reason"),
                              "404": err("no such article"), "409": err("saved by someone else meanwhile"),
                              **common}}},
        "/api/kb/articles/{article_id}/retire": {"post": {
            "summary": "Retire the article: kept with its versions (a new one notes it), no longer found by the "
                       "search or shown beside the screen pop; needs kb.edit; audited",
            "parameters": [aid],
            "requestBody": {"required": False, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"note": {"type": "string", "maxLength": 200}}}}}},
            "responses": {"200": one("the retired article"), "400": err("retired already"),
                          "404": err("no such article"), **common}}},
    }
