"""`telephonist bench kb` builds articles through the tables, times the console's search on them and reports the
figures (the figures themselves, at 100,000 articles, go in docs/performance.md)."""
from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import func, select

from telephonist.bench.kb_bench import kb_search_p99
from telephonist.kb.schema import articles
from telephonist.kb.search import search


def test_the_function_builds_and_times_real_searches(engine):
    result = kb_search_p99(engine, 400, 40, vocabulary=3000)
    assert result["database"] == engine.dialect.name and result["articles"] == 400 and result["queries"] == 40
    assert 0 < result["search_p50_ms"] <= result["search_p99_ms"] <= result["search_max_ms"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(articles)).scalar() == 400
        assert search(conn, "delivery", 5)                   # the index holds them (English words are in the mix)


def test_the_command_reports_json():
    out = subprocess.run([sys.executable, "-m", "telephonist.cli", "bench", "kb", "--json", "--articles", "300",
                          "--queries", "30", "--vocabulary", "2000"], capture_output=True, text=True, check=True,
                         timeout=120).stdout
    result = json.loads(out)
    assert result["articles"] == 300 and result["database"] == "sqlite" and result["goal_p99_ms"] == 100
