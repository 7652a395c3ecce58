"""The harness's in-process kill is a kill -9: a claim the dialer had waiting on SQLite's write lock (ivrd and
chand write the same file) is never committed after the kill, so the restarted dialer's reconcile has seen
everything the dead one wrote. (Committed after the reconcile, such a claim left records "dialing" that no
dialer settles: the 1,000-record proof hung to its timeout about once in four runs.)"""
import asyncio
import sqlite3
import sys

import pytest

from telephonist.dialer.lists import import_rows, read_table
from telephonist.dialer.store import DialerStore
from tests.dialer.harness import running_dialer
from tests.dialer.test_notice_campaign import LIST, NUMBERS, STRATEGY, finished


def claiming() -> bool:
    """Whether a thread is inside DialerStore.claim (waiting for the write lock)."""
    for frame in sys._current_frames().values():
        while frame is not None:
            if frame.f_code is DialerStore.claim.__code__:
                return True
            frame = frame.f_back
    return False


async def until(cond, what: str) -> None:
    for _ in range(4000):
        if cond():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never: {what}")


@pytest.mark.long
async def test_a_claim_waiting_on_the_database_at_the_kill_is_never_committed(tmp_path):
    async with running_dialer(tmp_path, NUMBERS, lines=2) as d:
        cid = d.store.create_campaign("gas-bills", "notice", "agentless", "bill_notice", "out", {**STRATEGY, "batch": 2})
        header, rows = read_table("list.csv", LIST.encode())
        import_rows(d.store.engine, cid, header, rows, {"name": "name", "phones": "phone", "customer_type": "type"})
        d.store.set_state(cid, "running")
        watcher = await d.chand.client("watcher")
        await watcher.call("subscribe", lines=False, topics=["dialer"])
        m = watcher.mark()
        lock = sqlite3.connect(d.store.engine.url.database, isolation_level=None, timeout=30)
        lock.execute("BEGIN IMMEDIATE")                  # another writer holds the write lock
        starting = asyncio.ensure_future(d.start())
        await until(claiming, "the dialer's first claim waits for the write lock")
        await d.kill()
        starting.cancel()
        lock.execute("COMMIT")                           # the dead dialer's claim thread goes on: and fails
        lock.close()
        await until(lambda: not claiming(), "the dead dialer's claim thread is done")
        assert d.rows("SELECT id FROM dl_attempts") == []
        assert {r["state"] for r in d.rows("SELECT state FROM dl_records")} == {"pending"}
        await d.start()
        await finished(watcher, "gas-bills", m)
        assert {r["state"] for r in d.rows("SELECT state FROM dl_records")} <= {"done", "exhausted", "dnc"}
