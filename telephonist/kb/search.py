"""The knowledge base's one search, on SQLite and PostgreSQL alike: the query's words (segment.py), every one of
them in the article (title or text), best first; when no article has them all (an agent typed 怎么办 or 请问
around the words that matter), the articles with any of them, best first, each hit with a snippet of its text around the first match, the
matches marked and everything else HTML-escaped.

The only part that differs is the match itself, one statement per database (``_MATCH``): SQLite's FTS5 table
``kb_fts`` ranked by bm25 (title words weigh 4, text words 1), PostgreSQL's GIN-indexed
stored ``search_vector`` (to_tsvector('simple', …), title weight A, text weight B) ranked by ts_rank. Both see the
same words, made by the store on every save.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import text
from sqlalchemy.engine import Connection

from telephonist.kb.segment import query_terms

MAX_RESULTS = 50
SNIPPET_CHARS = 160

_MATCH = {
    "sqlite": (
        "SELECT a.id, a.title, a.body, a.category_id, -bm25(kb_fts, 4.0, 1.0) AS score "
        "FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid "
        "WHERE kb_fts MATCH :match AND a.retired_at IS NULL AND (:category IS NULL OR a.category_id = :category) "
        "ORDER BY score DESC, a.id DESC LIMIT :limit"),
    "postgresql": (
        "SELECT a.id, a.title, a.body, a.category_id, ts_rank(a.search_vector, q) AS score "
        "FROM kb_articles a, to_tsquery('simple'::regconfig, :match) q "
        "WHERE a.search_vector @@ q AND a.retired_at IS NULL "
        "AND (CAST(:category AS BIGINT) IS NULL OR a.category_id = :category) "
        "ORDER BY score DESC, a.id DESC LIMIT :limit"),
}


@dataclass(frozen=True)
class Hit:
    id: int
    title: Markup
    snippet: Markup
    category_id: int | None
    score: float
    every: bool                 # the article has every word of the query (else: some of them)


def _match_text(dialect: str, terms: list[str], every: bool) -> str:
    """The terms as the database's match wants them, each one quoted: all of them (``every``) or any."""
    if dialect == "sqlite":
        return (" " if every else " OR ").join('"' + t.replace('"', '""') + '"' for t in terms)
    return (" & " if every else " | ").join("'" + t.replace("'", "''") + "'" for t in terms)


def search(conn: Connection, query: str, limit: int = 20, category_id: int | None = None) -> list[Hit]:
    terms = query_terms(query)
    if not terms:
        return []
    dialect, marker = conn.dialect.name, _marker(terms)
    for every in (True, False) if len(terms) > 1 else (True,):
        rows = conn.execute(text(_MATCH[dialect]), {"match": _match_text(dialect, terms, every),
                                                    "category": category_id, "limit": max(1, min(limit, MAX_RESULTS))})
        hits = [Hit(r.id, highlight(r.title, marker), snippet(r.body, marker), r.category_id, float(r.score), every)
                for r in rows]
        if hits:
            return hits
    return []


def _marker(terms: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


def highlight(value: str, marker: re.Pattern[str]) -> Markup:
    """``value`` escaped, each match in <mark>."""
    out, at = [], 0
    for m in marker.finditer(value):
        out.append(escape(value[at:m.start()]))
        out.append(Markup("<mark>%s</mark>") % m.group(0))
        at = m.end()
    out.append(escape(value[at:]))
    return Markup("").join(out)


def snippet(body: str, marker: re.Pattern[str], width: int = SNIPPET_CHARS) -> Markup:
    """About ``width`` characters of ``body`` around its first match (its start when none), highlighted."""
    first = marker.search(body)
    start = max(0, (first.start() if first else 0) - width // 3)
    part = " ".join(body[start:start + width].split())
    return (Markup("… ") if start else Markup("")) + highlight(part, marker) + (
        Markup(" …") if start + width < len(body) else Markup(""))
