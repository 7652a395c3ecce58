"""How many call set-ups per second CallRecordStore sustains (target: 300+/s on SQLite).

One call, as chand writes it: open_leg, add_event ring, update_leg (answer),
add_event answer, add_event dtmf, close_leg: six writes, each awaited before
the next (durably committed when it returns). CONCURRENCY calls run at once,
new ones starting as others finish, until CALLS are done.

    .venv/bin/python bench/call_records_throughput.py                     # SQLite in a temp dir
    .venv/bin/python bench/call_records_throughput.py --url postgresql+psycopg://...
    .venv/bin/python bench/call_records_throughput.py --synchronous FULL  # fsync every commit
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from telephonist.storage import CallRecordStore, LegOpen, migrate


async def one_call(store: CallRecordStore, n: int, latencies: list[float]) -> None:
    t0 = time.perf_counter()
    leg_id = await store.open_leg(LegOpen(call_id=f"bench-{n}", direction="inbound", span="sim0",
                                          channel=n % 30, caller=f"138{n:08d}", dialled="4008001234",
                                          node="bench", application="ivr:main"))
    await store.add_event(leg_id, "ring", {"count": 1})
    await store.update_leg(leg_id, state="up", answered_at=datetime.now(timezone.utc))
    await store.add_event(leg_id, "answer", {"by": "ivr"})
    await store.add_event(leg_id, "dtmf", {"digits": "1"})
    await store.close_leg(leg_id, "answered", hangup_cause="normal_clearing")
    latencies.append(time.perf_counter() - t0)


async def run(url: str, calls: int, concurrency: int, synchronous: str) -> dict[str, float]:
    kw = {"sqlite_synchronous": synchronous} if url.startswith("sqlite") else {}
    store = CallRecordStore(url, **kw)
    latencies: list[float] = []
    sem = asyncio.Semaphore(concurrency)

    async def guarded(n: int) -> None:
        async with sem:
            await one_call(store, n, latencies)

    jobs0, batches0 = store.stats["jobs"], store.stats["batches"]
    t0 = time.perf_counter()
    await asyncio.gather(*[guarded(n) for n in range(calls)])
    elapsed = time.perf_counter() - t0
    stats = store.stats
    await store.close()
    latencies.sort()
    return {"calls_per_s": calls / elapsed, "writes_per_s": (stats["jobs"] - jobs0) / elapsed,
            "writes_per_commit": (stats["jobs"] - jobs0) / max(1, stats["batches"] - batches0),
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="database URL (default: a new SQLite file in a temp dir)")
    ap.add_argument("--calls", type=int, default=6000)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 10, 50, 200])
    ap.add_argument("--synchronous", default="NORMAL", help="SQLite synchronous pragma (NORMAL or FULL)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate(url)
        sync = f"  synchronous={args.synchronous}" if url.startswith("sqlite") else ""
        print(f"{url.split('@')[-1]}{sync}  calls={args.calls}  (6 writes per call)")
        for c in args.concurrency:
            r = asyncio.run(run(url, args.calls, c, args.synchronous))
            print(f"concurrency {c:4d}: {r['calls_per_s']:7.0f} calls/s  {r['writes_per_s']:7.0f} writes/s  "
                  f"{r['writes_per_commit']:5.1f} writes/commit  call p50 {r['p50_ms']:6.1f} ms  "
                  f"p99 {r['p99_ms']:6.1f} ms")


if __name__ == "__main__":
    main()
