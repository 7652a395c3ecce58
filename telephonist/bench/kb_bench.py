"""`telephonist bench kb`: how long an agent waits for a knowledge-base search, at a large site's scale.

``kb_search_p99(engine, n_articles, queries)`` fills an empty, migrated database with ``n_articles`` articles and
times ``queries`` searches through the console's own search (telephonist/kb/search.py: the query cut by jieba, the
match, the ranking, the snippets of the 20 best). The default is 100,000 articles: a utility's or an insurer's
whole knowledge base is a few thousand to a few tens of thousands, so this is a generous ceiling.

The articles are made of real words: the 30,000 most frequent of jieba's dictionary, drawn by their frequency
(so 的 and 用户 are in most articles, as in real text), about one word in ten an English word of a call center's,
a title of 4-8 words and a text of 80-160. Each vocabulary word is cut once with the store's own ``index_words``
and an article's index columns are its words' cuts (cutting 100,000 articles one by one would take minutes and
give the same words: they are dictionary words). Rows go in through the tables as the store writes them, so the
SQLite triggers fill the FTS5 table and PostgreSQL computes ``search_vector``.

Queries are what agents type: one to three content words (not among the 300 most frequent), now and then an
English one. The figure is the p99 of the whole call (``search_p99_ms``; goal: at most 100 ms).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from datetime import datetime, timezone
from itertools import accumulate
from typing import Any

from sqlalchemy import Engine, insert, text

from telephonist.kb.schema import articles
from telephonist.kb.search import search
from telephonist.kb.segment import index_words

VOCABULARY = 30_000
COMMON = 300                         # the most frequent words: no agent searches for them
BATCH = 5_000
ENGLISH = ("meter reading bill payment refund gas leak repair card lost account transfer address password "
           "appointment engineer invoice balance arrears installation pipe valve pressure safety inspection "
           "complaint deadline branch service hall online app wechat alipay bank deposit contract tariff price "
           "heating boiler stove alarm smell emergency outage restore schedule holiday policy claim premium "
           "insurance renewal cancel fee discount coupon voucher delivery order status receipt").split()


class Corpus:
    """Words and their index cuts, drawn the same way for every run of one seed."""

    def __init__(self, seed: int, vocabulary: int = VOCABULARY) -> None:
        import jieba
        path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
        entries = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                word, freq, *_ = line.split()
                entries.append((int(freq), word))
        entries.sort(reverse=True)
        self.words = [w for _, w in entries[:vocabulary]]
        self.cum = list(accumulate(f for f, _ in entries[:vocabulary]))
        self.content = [w for w in self.words[COMMON:] if len(w) >= 2]
        self.cuts = {w: index_words(w) for w in self.words + list(ENGLISH)}
        self.rng = random.Random(seed)

    def _draw(self, n: int) -> list[str]:
        words = self.rng.choices(self.words, cum_weights=self.cum, k=n)
        return [self.rng.choice(ENGLISH) if self.rng.random() < 0.1 else w for w in words]

    @staticmethod
    def _text(words: list[str]) -> str:
        out = []
        for i, w in enumerate(words):
            if w.isascii():
                out.append(f" {w} ")
            else:
                out.append(w)
            if i % 9 == 8:
                out.append("，" if i % 27 else "。")
        return "".join(out).strip()

    def article(self) -> dict[str, Any]:
        title, body = self._draw(self.rng.randint(4, 8)), self._draw(self.rng.randint(80, 160))
        return {"title": self._text(title)[:200], "body": self._text(body),
                "search_title": " ".join(self.cuts[w] for w in title),
                "search_body": " ".join(self.cuts[w] for w in body)}

    def query(self) -> str:
        n = self.rng.choices((1, 2, 3), weights=(25, 60, 15))[0]
        return " ".join(self.rng.choice(ENGLISH) if self.rng.random() < 0.1 else self.rng.choice(self.content)
                        for _ in range(n))


def build(engine: Engine, corpus: Corpus, n_articles: int) -> float:
    """Insert the articles; seconds it took."""
    started, now = time.perf_counter(), datetime.now(timezone.utc)
    done = 0
    while done < n_articles:
        rows = [{**corpus.article(), "version": 1, "updated_at": now, "updated_by": "bench"}
                for _ in range(min(BATCH, n_articles - done))]
        with engine.begin() as conn:
            conn.execute(insert(articles), rows)
        done += len(rows)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("INSERT INTO kb_fts(kb_fts) VALUES ('optimize')"))
        else:
            conn.execute(text("ANALYZE kb_articles"))
    return time.perf_counter() - started


def kb_search_p99(engine: Engine, n_articles: int, queries: int, seed: int = 1,
                  vocabulary: int = VOCABULARY) -> dict[str, Any]:
    """Build ``n_articles`` in the (migrated, empty) database of ``engine``, then time ``queries`` searches."""
    corpus = Corpus(seed, vocabulary)
    build_s = build(engine, corpus, n_articles)
    asked = [corpus.query() for _ in range(queries + 20)]
    times, found = [], []
    with engine.connect() as conn:
        for i, q in enumerate(asked):
            t0 = time.perf_counter_ns()
            hits = search(conn, q, 20)
            elapsed = time.perf_counter_ns() - t0
            if i >= 20:                                          # the first 20 warm the caches
                times.append(elapsed)
                found.append(len(hits))
    times.sort()
    pct = lambda p: round(times[min(len(times) - 1, int(p * len(times)))] / 1e6, 3)   # noqa: E731
    return {"database": engine.dialect.name, "articles": n_articles, "queries": len(times),
            "build_s": round(build_s, 1), "search_p50_ms": pct(0.50), "search_p99_ms": pct(0.99),
            "search_max_ms": round(times[-1] / 1e6, 3) if times else 0.0,
            "queries_with_hits": sum(1 for n in found if n), "mean_hits": round(sum(found) / max(1, len(found)), 1),
            "vocabulary": len(corpus.words), "goal_p99_ms": 100}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--articles", type=int, default=100_000, help="articles to build (default 100,000)")
    p.add_argument("--queries", type=int, default=2_000, help="searches to time")
    p.add_argument("--database", default="", help="an empty database URL (default: a temporary SQLite file); "
                                                  "it is migrated first")
    p.add_argument("--vocabulary", type=int, default=VOCABULARY, help="distinct Chinese words the articles use")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    from telephonist.storage import make_engine, migrate
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        url = args.database or f"sqlite:///{os.path.join(tmp, 'kb.db')}"
        migrate(url)
        engine = make_engine(url)
        try:
            result = kb_search_p99(engine, args.articles, args.queries, args.seed, args.vocabulary)
        finally:
            engine.dispose()
    print(json.dumps(result) if args.json else
          f"knowledge-base search p99 {result['search_p99_ms']} ms (p50 {result['search_p50_ms']} ms) over "
          f"{result['articles']:,} articles on {result['database']}, {result['queries']} queries, "
          f"{result['mean_hits']} hits each on average (goal: p99 <= 100 ms)")
    return 0
