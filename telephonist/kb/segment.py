"""The words of a text, as the full-text index and the search see them.

Chinese has no spaces between words: jieba cuts it. An article is indexed with ``cut_for_search`` (each long word
and the shorter words inside it: 天然气 gives 天然, 然气 and 天然气), a query is cut precisely, so a query word is
found whether an article used it alone or inside a longer word. Latin words and numbers stay whole, lower-cased.
Only runs of letters and digits are kept (no punctuation, no ``_``), joined by spaces: SQLite's ``unicode61``
tokenizer and PostgreSQL's ``simple`` configuration then split them at exactly the same places.
"""
from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading

import jieba

MAX_QUERY_TERMS = 16
_WORD = re.compile(r"[^\W_]+")
_lock = threading.Lock()
_ready = False


def _jieba() -> None:
    """Load jieba's dictionary once per process (about 1.5 s; later calls are free). jieba would keep its prefix
    dictionary in ``/tmp/jieba.cache`` and load whatever file has that name (marshal: not for data others could
    write); it is built in a private folder instead, removed once loaded."""
    global _ready
    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(logging.WARNING)
                private = tempfile.mkdtemp(prefix="telephonist-jieba-")
                try:
                    jieba.dt.tmp_dir = private
                    jieba.initialize()
                finally:
                    shutil.rmtree(private, ignore_errors=True)
                _ready = True


def _words(tokens) -> list[str]:
    return [w for t in tokens for w in _WORD.findall(t.lower())]


def index_words(text: str) -> str:
    """What the index holds for ``text``: its words (and the words inside long Chinese words), space-separated."""
    _jieba()
    return " ".join(_words(jieba.cut_for_search(text)))


def query_terms(query: str) -> list[str]:
    """The distinct words of a query, in order, at most MAX_QUERY_TERMS (an article must hold them all)."""
    _jieba()
    seen: dict[str, None] = {}
    for w in _words(jieba.cut(query)):
        seen.setdefault(w, None)
    return list(seen)[:MAX_QUERY_TERMS]
