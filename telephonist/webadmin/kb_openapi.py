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
        "category": {"type": ["string", "null"]}, "version": {"type": "integer"},
        "updated_at": {"type": "string", "format": "date-time"}, "updated_by": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}, "description": "queue:NAME or ivr:FLOW/NODE"},
        "attachments": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "size": {"type": "integer"}}}}}}
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
        "/api/kb/articles/{article_id}": {"get": {
            "summary": "One article as it is now; needs kb.view",
            "parameters": [{"name": "article_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "the article", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"article": article}}}}},
                          "404": err("no such article"), **common}}},
    }
