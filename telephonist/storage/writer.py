"""One writer thread with group commit, for asyncio callers.

Callers submit an *operation* (a function of a SQLAlchemy Connection) and get
an asyncio future. The thread takes everything queued at that moment, runs it
in one transaction, COMMITs, and only then resolves the futures on their
loops (one ``call_soon_threadsafe`` per loop per batch). So a resolved future
means the write is in the database; while one batch commits the next one
gathers, which is what lets the commit cost be shared at high call rates.

If a batch fails (one bad operation, a lost connection) it is rolled back and
every operation in it is run again in a transaction of its own, so one bad
write fails alone and the others still go in, in the order submitted.

An operation that wants its caller to see an exception without spoiling the
batch returns ``Failed(exc)`` instead of raising.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from telephonist.storage.database import WRITE

log = logging.getLogger(__name__)

Operation = Callable[[Connection], Any]


class StoreClosed(RuntimeError):
    """The store was closed; nothing more can be written."""


@dataclass(frozen=True, slots=True)
class Failed:
    """Returned by an operation: this caller gets ``exc``; the batch goes on."""
    exc: BaseException


@dataclass(slots=True)
class _Job:
    op: Operation | None            # None: stop after this batch
    fut: asyncio.Future
    loop: asyncio.AbstractEventLoop


class GroupCommitWriter:
    def __init__(self, engine: Engine, *, name: str = "db-writer", max_batch: int = 1000) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.batches = 0                # statistics, read by benchmarks and logs
        self.jobs = 0
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._closing = False
        self._conn: Connection | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # ---- asyncio side ----------------------------------------------------------------
    def submit(self, op: Operation) -> asyncio.Future:
        """Queue ``op``; the future resolves to its result after COMMIT."""
        if self._closing:
            raise StoreClosed("call-record store is closed")
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._queue.put(_Job(op, fut, loop))
        return fut

    async def close(self) -> None:
        """Write everything queued so far, then stop the thread."""
        if self._closing:
            await asyncio.to_thread(self._thread.join)
            return
        self._closing = True
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._queue.put(_Job(None, done, loop))
        await done
        await asyncio.to_thread(self._thread.join)

    # ---- writer thread ---------------------------------------------------------------
    def _run(self) -> None:
        stop = False
        while not stop:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            work = [j for j in batch if j.op is not None]
            stop = len(work) != len(batch)
            results: list[Any] = []
            try:
                if work:
                    results = self._commit(work)
            except BaseException as exc:            # never let the thread die with callers waiting
                log.exception("event=db_writer_error jobs=%d", len(work))
                results = [Failed(exc)] * len(work)
            if stop:
                self._release()
            self._deliver(work, results, [j for j in batch if j.op is None])

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self.engine.connect().execution_options(**WRITE)
        return self._conn

    def _release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                log.exception("event=db_writer_close_failed")
            self._conn = None

    def _transaction(self, jobs: list[_Job]) -> list[Any]:
        conn = self._connection()
        try:
            with conn.begin():
                out = [job.op(conn) for job in jobs]    # type: ignore[misc]
        except Exception:
            self._release()                 # a fresh connection next time, whatever went wrong
            raise
        self.batches += 1
        self.jobs += len(jobs)
        return out

    def _commit(self, work: list[_Job]) -> list[Any]:
        try:
            return self._transaction(work)
        except Exception as exc:
            if len(work) == 1:
                log.warning("event=db_write_failed error=%s", exc)
                return [Failed(exc)]
            log.warning("event=db_batch_failed jobs=%d error=%s action=retry_one_by_one", len(work), exc)
        results: list[Any] = []
        for job in work:
            try:
                results.append(self._transaction([job])[0])
            except Exception as exc:
                log.warning("event=db_write_failed error=%s", exc)
                results.append(Failed(exc))
        return results

    def _deliver(self, work: list[_Job], results: list[Any], stops: list[_Job]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future, Any]]] = defaultdict(list)
        for job, result in zip(work, results):
            by_loop[job.loop].append((job.fut, result))
        for job in stops:
            by_loop[job.loop].append((job.fut, None))
        for loop, items in by_loop.items():
            try:
                loop.call_soon_threadsafe(_resolve, items)
            except RuntimeError:            # the loop is closed: nobody is waiting any more
                log.warning("event=db_results_dropped count=%d reason=loop_closed", len(items))


def _resolve(items: list[tuple[asyncio.Future, Any]]) -> None:
    for fut, result in items:
        if fut.done():                      # cancelled by its caller (the write still happened)
            continue
        if isinstance(result, Failed):
            fut.set_exception(result.exc)
        else:
            fut.set_result(result)
