"""`telephonist bench crm`: the screen pop's customer lookup on a full customer file.

Builds ``--customers`` customers (default 1,000,000; one phone each, every fifth a second one), ``--timeline``
timeline entries (default 5,000,000, spread over the customers) and ``--sources`` rows (default 1,000,000) in each of
the other areas' tables the timeline reads by number (IVR sessions, survey answers, campaign records and their
attempts: crm/sources.py) in a fresh, migrated database: the default
SQLite (a temporary file, WAL, as the daemons open it) and, with ``--postgres URL`` (an empty database), in
PostgreSQL too. The bulk load goes through the driver: ``executemany`` on SQLite, ``COPY`` on PostgreSQL; then
ANALYZE, as a site's database would have its statistics.

The figure: ``--lookups`` pops (default 5,000) of a random caller number, each a read transaction running the
very function the agent desktop's pop runs (``deskpop.customer``: the customers with that phone number, or the
account from the IVR, and the customer's latest timeline entries and call records); one in ten numbers is
unknown. p50/p99/max in ms; the goal is p99 <= 20 ms. For scale, the console's free-text search
(``/customers/?q=``, a page and its count) is timed too (``search_p50_ms``).

Other figures on the same database (a knowledge-base search ...) come from ``EXTRA_FIGURES``: each is a
function ``(engine, rng) -> dict`` whose result is added to the backend's JSON; append one to the list.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine

from telephonist.crm.store import CLASSES, NUMBER_BASE
from telephonist.storage import make_engine, migrate

GOAL_P99_MS = 20.0
SEARCHES = 20                      # console searches timed (a scan each: a few are enough)
BATCH = 50_000
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
KINDS = ("call", "ivr", "sms", "email", "work_order", "survey", "campaign", "fax", "voicemail")
REGIONS = ("north", "south", "east", "west", "centre")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
# (engine, rng) -> figures: the knowledge-base search and other figures taken on the same database
EXTRA_FIGURES: list[Callable[[Engine, random.Random], dict[str, Any]]] = []


def phone(i: int) -> str:
    return str(13_000_000_000 + i * 7)                   # distinct 11-digit mobile numbers


def second_phone(i: int) -> str:
    return str(15_000_000_000 + i * 3)


def _customers(n: int) -> Iterator[tuple]:
    classes = [k for k in CLASSES]
    for i in range(1, n + 1):
        at = T0 + timedelta(seconds=i * 17)
        yield (i, str(NUMBER_BASE + i), SURNAMES[i % len(SURNAMES)] + f"客户{i}", f"1101{i:014d}",
               classes[i % 7 % len(classes)] if i % 7 < 3 else "", REGIONS[i % len(REGIONS)], "open", at, at, "{}")


def _phones(n: int) -> Iterator[tuple]:
    for i in range(1, n + 1):
        yield (i, phone(i), "mobile")
        if i % 5 == 0:
            yield (i, second_phone(i), "home")


def _timeline(n: int, entries: int) -> Iterator[tuple]:
    """``entries`` rows spread evenly over the customers, in (customer_id, at) order (the index's order)."""
    per, extra = divmod(entries, n)
    for i in range(1, n + 1):
        for k in range(per + (1 if i <= extra else 0)):
            yield (i, T0 + timedelta(days=k, seconds=i), KINDS[(i + k) % len(KINDS)], f"r{i}-{k}",
                   f"entry {k} of customer {i}", "")


def _ivr_sessions(n: int, rows: int) -> Iterator[tuple]:
    for j in range(1, rows + 1):
        i, at = (j - 1) % n + 1, T0 + timedelta(seconds=j * 7)
        yield (f"b-{j}", "pstn/1", "main", phone(i), "95000", "zh", "queue", "queue:service", at, at)


def _survey_answers(n: int, rows: int) -> Iterator[tuple]:
    for j in range(1, rows + 1):
        i = (j - 1) % n + 1
        yield (f"b-{j}", "1001", "service", phone(i), "1", "satisfied", T0 + timedelta(seconds=j * 7))


def _campaigns(n: int, rows: int) -> Iterator[tuple]:
    """One survey campaign per pass over the customers (a number is once in a campaign)."""
    for k in range(1, (rows + n - 1) // n + 1):
        yield (k, f"bench-{k}", "survey", "agentless", "survey", "pstn", "", 0, "finished", "{}", T0, T0)


def _campaign_records(n: int, rows: int) -> Iterator[tuple]:
    for j in range(1, rows + 1):
        i = (j - 1) % n + 1
        yield (j, (j - 1) // n + 1, "", "default", "{}", 0, phone(i), f"1101{i:014d}", f'["{phone(i)}"]', "done", 1,
               "answered", "5", T0 + timedelta(seconds=j * 7))


def _campaign_attempts(n: int, rows: int) -> Iterator[tuple]:
    for j in range(1, rows + 1):
        i, at = (j - 1) % n + 1, T0 + timedelta(seconds=j * 7)
        yield (j, (j - 1) // n + 1, phone(i), "done", "answered", at, at)


CUSTOMER_COLS = ("id", "number", "name", "id_card", "class", "region", "status", "opened_at", "updated_at", "custom")
TABLES = (("customers", CUSTOMER_COLS),
          ("customer_phones", ("customer_id", "number", "label")),
          ("customer_timeline", ("customer_id", "at", "kind", "ref", "summary", "link")))
# what other areas' tables hold that the timeline reads by number (crm/sources.py): --sources rows in each
SOURCE_TABLES = (
    ("ivr_sessions", ("call_id", "chan", "flow", "caller", "dialled", "language", "outcome", "outcome_detail",
                      "started_at", "ended_at"), _ivr_sessions),
    ("ivr_survey_results", ("call_id", "agent", "queue", "caller", "digit", "answer", "created_at"), _survey_answers),
    ("dl_campaigns", ("id", "name", "kind", "mode", "target", "trunk_group", "caller_id", "priority", "state",
                      "strategy", "created_at", "updated_at"), _campaigns),
    ("dl_records", ("id", "campaign_id", "name", "customer_type", "fields", "next_phone", "dedup_key", "id_card",
                    "phones", "state", "attempts", "outcome", "result", "updated_at"), _campaign_records),
    ("dl_attempts", ("record_id", "campaign_id", "number", "state", "outcome", "claimed_at", "ended_at"),
     _campaign_attempts),
)


def _sqlite_value(v: Any) -> Any:
    return v.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v


def _chunks(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for r in rows:
        chunk.append(r)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def load(engine: Engine, customers: int, entries: int, source_rows: int = 0) -> float:
    """Bulk-load the customer file and ``source_rows`` rows in each table of SOURCE_TABLES; returns the seconds it
    took."""
    started = time.perf_counter()
    loads = list(zip(TABLES, (_customers(customers), _phones(customers), _timeline(customers, entries))))
    if source_rows:
        loads += [((table, cols), rows(customers, source_rows)) for table, cols, rows in SOURCE_TABLES]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "sqlite":
            cur.execute("BEGIN")             # the engine's driver connection does not open one by itself
        for (table, cols), rows in loads:
            names = ", ".join(f'"{c}"' for c in cols)
            if engine.dialect.name == "sqlite":
                sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in cols)})"
                for chunk in _chunks(rows, BATCH):
                    cur.executemany(sql, [tuple(_sqlite_value(v) for v in r) for r in chunk])
            else:
                with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
        if engine.dialect.name != "sqlite":
            cur.execute("SELECT setval(pg_get_serial_sequence('customers', 'id'), (SELECT max(id) FROM customers))")
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


def measure_lookups(engine: Engine, customers: int, lookups: int, rng: random.Random) -> dict[str, Any]:
    from telephonist.webadmin import deskpop
    times: list[float] = []
    found = 0
    for _ in range(lookups):
        i = rng.randint(1, customers)
        number = "19" + str(rng.randrange(10**9)).zfill(9) if rng.random() < 0.1 else (
            second_phone(i) if i % 5 == 0 and rng.random() < 0.5 else phone(i))
        t = time.perf_counter()
        with engine.connect() as conn, conn.begin():
            pop = deskpop.customer(conn, number, "")
        times.append(time.perf_counter() - t)
        found += pop.customer is not None
    times.sort()

    def pct(p: float) -> float:
        return round(times[min(len(times) - 1, int(p * len(times)))] * 1000, 3)
    return {"lookups": lookups, "found": found, "lookup_p50_ms": pct(0.50), "lookup_p99_ms": pct(0.99),
            "lookup_max_ms": round(times[-1] * 1000, 3), "goal_p99_ms": GOAL_P99_MS}


def measure_search(engine: Engine, customers: int, searches: int, rng: random.Random) -> dict[str, Any]:
    """The console's search (/customers/?q=): a page of 50 and the count, for a name fragment (the text
    "contains" scan over names and addresses)."""
    from telephonist.crm import store
    times: list[float] = []
    for _ in range(searches):
        s = store.CustomerSearch(text=f"客户{rng.randint(1, customers)}")
        t = time.perf_counter()
        with engine.connect() as conn, conn.begin():
            store.count(conn, s)
            store.search(conn, s, 50, 0)
        times.append(time.perf_counter() - t)
    times.sort()
    return {"searches": searches, "search_p50_ms": round(times[len(times) // 2] * 1000, 1),
            "search_max_ms": round(times[-1] * 1000, 1)}


def run_backend(url: str, customers: int, entries: int, lookups: int, seed: int,
                source_rows: int = 0) -> dict[str, Any]:
    migrate(url)
    engine = make_engine(url)
    try:
        result = {"load_s": round(load(engine, customers, entries, source_rows), 1)}
        rng = random.Random(seed)
        result.update(measure_lookups(engine, customers, lookups, rng))
        result.update(measure_search(engine, customers, SEARCHES, rng))
        for figure in EXTRA_FIGURES:
            result.update(figure(engine, rng))
        return result
    finally:
        engine.dispose()


def kb_figures(engine: Engine, rng: random.Random, articles: int, queries: int) -> dict[str, Any]:
    """The knowledge base's search on the same database (telephonist/bench/kb_bench.py), as kb_* figures."""
    from telephonist.bench.kb_bench import kb_search_p99
    r = kb_search_p99(engine, articles, queries, seed=rng.randrange(1 << 30))
    return {f"kb_{k}": v for k, v in r.items() if k != "database"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--kb-articles", type=int, default=100_000,
                   help="knowledge-base articles to build and search on the same database (0: none)")
    p.add_argument("--kb-queries", type=int, default=2_000)
    p.add_argument("--timeline", type=int, default=5_000_000, help="timeline entries in all")
    p.add_argument("--sources", type=int, default=1_000_000,
                   help="rows in each of the other areas' tables the timeline reads (IVR sessions, survey answers, "
                        "campaign records and attempts), spread over the customers' numbers")
    p.add_argument("--lookups", type=int, default=5_000)
    p.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database to measure too "
                                                     "(postgresql+psycopg://...)")
    p.add_argument("--sqlite-dir", help="where the SQLite file goes (default: a temporary directory)")
    p.add_argument("--no-sqlite", action="store_true", help="measure only the --postgres database (a run of each "
                                                              "backend on its own takes half the time)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    if args.customers < 1 or args.timeline < 0 or args.lookups < 1 or args.sources < 0:
        raise SystemExit("telephonist bench crm: --customers and --lookups at least 1, --timeline and --sources at "
                         "least 0")
    out: dict[str, Any] = {"customers": args.customers, "timeline": args.timeline, "sources": args.sources}
    if args.kb_articles > 0:
        EXTRA_FIGURES.append(lambda engine, rng: kb_figures(engine, rng, args.kb_articles, args.kb_queries))
    if args.no_sqlite and not args.postgres:
        raise SystemExit("telephonist bench crm: --no-sqlite needs --postgres URL")
    out["sqlite"] = {}
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(dir=args.sqlite_dir) as tmp:
            url = f"sqlite:///{os.path.join(tmp, 'crm-bench.db')}"
            out["sqlite"] = run_backend(url, args.customers, args.timeline, args.lookups, args.seed, args.sources)
    out["postgresql"] = (run_backend(args.postgres, args.customers, args.timeline, args.lookups, args.seed,
                                     args.sources) if args.postgres else {})
    if args.json:
        print(json.dumps(out))
    else:
        for name in ("sqlite", "postgresql"):
            r = out[name]
            if r:
                print(f"{name}: {args.customers:,} customers, {args.timeline:,} timeline entries loaded in "
                      f"{r['load_s']} s; pop lookup p50 {r['lookup_p50_ms']} ms, p99 {r['lookup_p99_ms']} ms "
                      f"(goal <= {GOAL_P99_MS} ms)" + (f"; knowledge-base search over {r['kb_articles']:,} articles "
                                                       f"p99 {r['kb_search_p99_ms']} ms (goal <= 100 ms)"
                                                       if "kb_articles" in r else ""))
    return 0
