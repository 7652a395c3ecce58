"""`telephonist bench crm` loads a customer file and reports the pop's lookup figures, on SQLite and, given
--postgres, on PostgreSQL (small sizes here; the full figures go in docs/performance.md)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _bench(*extra: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "telephonist.cli", "bench", "crm", "--json", "--customers", "3000",
                          "--timeline", "15000", "--sources", "6000", "--lookups", "200", "--kb-articles", "300",
                          "--kb-queries", "50", *extra],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    return json.loads(out)


def _check(figures: dict) -> None:
    assert figures["lookups"] == 200 and 150 <= figures["found"] < 200     # one number in ten is unknown
    assert 0 < figures["lookup_p50_ms"] <= figures["lookup_p99_ms"] <= figures["lookup_max_ms"]
    assert figures["goal_p99_ms"] == 20.0 and figures["load_s"] >= 0
    assert figures["searches"] == 20 and 0 < figures["search_p50_ms"] <= figures["search_max_ms"]
    # the knowledge base's search on the same database
    assert (figures["kb_articles"], figures["kb_queries"], figures["kb_goal_p99_ms"]) == (300, 50, 100)
    assert 0 < figures["kb_search_p50_ms"] <= figures["kb_search_p99_ms"] and figures["kb_queries_with_hits"] > 0


@pytest.mark.long
def test_the_bench_reports_sqlite_figures():
    result = _bench()
    assert (result["customers"], result["timeline"], result["sources"]) == (3000, 15000, 6000)
    assert result["postgresql"] == {}
    _check(result["sqlite"])


@pytest.mark.long
@pytest.mark.postgres
def test_the_bench_measures_postgresql_too(postgres_url):
    result = _bench("--postgres", postgres_url)
    _check(result["sqlite"])
    _check(result["postgresql"])
