"""CallRecordStore: chand's call records, written without blocking the event loop.

Usage (the schema must exist: run telephonist.storage.migrate(url) first)::

    store = CallRecordStore(url)                      # inside a running event loop or not
    await store.close_interrupted(node)               # at start: legs a crash left open
    leg_id = await store.open_leg(LegOpen(...))
    await store.add_event(leg_id, "answer", {"by": "ivr"})
    await store.update_leg(leg_id, state="up", answered_at=now)
    await store.close_leg(leg_id, "answered", hangup_cause="normal", ended_at=now)
    await store.close()

Every write goes to one writer thread that commits in groups
(telephonist.storage.writer); an awaited write has been COMMITted, which is
what "acknowledged" means here (for SQLite, durable against the process being
killed; see telephonist.storage.database for power loss). Writes are applied
in the order they were submitted. A write whose awaiting task is cancelled
still happens.

Reads run in a small pool of their own threads and connections, so they never
wait behind the writer (SQLite in WAL mode reads while someone writes).

Caller mistakes raise at once (ValueError: unknown column, bad direction or
disposition, naive datetime) or from the await (LegNotFound, LegClosed);
database failures come out of the await as SQLAlchemy's exceptions.
"""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any, Callable, TypeVar

from sqlalchemy import Engine

from telephonist.storage import queries
from telephonist.storage.database import make_engine, utcnow
from telephonist.storage.models import Leg, LegEvent, LegFilter, LegOpen
from telephonist.storage.writer import GroupCommitWriter, StoreClosed

log = logging.getLogger(__name__)
T = TypeVar("T")


class CallRecordStore:
    def __init__(self, db: str | Engine, *, max_batch: int = 1000, readers: int = 2,
                 **engine_kw: Any) -> None:
        """``db``: a URL (an engine is made with make_engine(url, **engine_kw)) or an Engine."""
        self._owns_engine = isinstance(db, str)
        self.engine = make_engine(db, **engine_kw) if isinstance(db, str) else db
        self._writer = GroupCommitWriter(self.engine, name="callrec-writer", max_batch=max_batch)
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="callrec-read")
        self._closed = False

    async def __aenter__(self) -> CallRecordStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def stats(self) -> dict[str, int]:
        """Writes committed and the transactions they took (jobs/batches = group-commit factor)."""
        return {"jobs": self._writer.jobs, "batches": self._writer.batches}

    # ---- writes --------------------------------------------------------------------------
    async def open_leg(self, leg: LegOpen) -> int:
        """Insert a new open leg; returns its id once committed."""
        values = queries.leg_values(leg)
        return await self._writer.submit(partial(queries.insert_leg, values=values))

    async def update_leg(self, leg_id: int, **fields: Any) -> None:
        """Set columns of a leg (state, answered_at, application, recording_path, ...)."""
        values = queries.update_values(fields)
        await self._writer.submit(partial(queries.update_leg, leg_id=leg_id, values=values))

    async def close_leg(self, leg_id: int, disposition: str, hangup_cause: str | None = None,
                        ended_at: datetime | None = None, **fields: Any) -> None:
        """Close an open leg: disposition, cause, end time (default now), and any other columns
        (ring_ms, talk_ms, recording_path, ...). ring_ms/talk_ms not given are computed from
        the leg's times. Raises LegClosed if it was closed already."""
        if disposition is None:
            raise ValueError("close_leg needs a disposition")
        values = queries.update_values({**fields, "disposition": disposition, "hangup_cause": hangup_cause,
                                        "ended_at": ended_at})
        values.setdefault("state", "ended")
        await self._writer.submit(partial(queries.close_leg, leg_id=leg_id, values=values))

    async def add_event(self, leg_id: int, kind: str, data: dict[str, Any] | None = None,
                        at: datetime | None = None) -> int:
        """Record something that happened on a leg; returns the event's id."""
        queries.check_aware("at", at)
        text = queries.event_json(data)
        return await self._writer.submit(
            partial(queries.insert_event, leg_id=leg_id, kind=kind, at=at or utcnow(), data=text))

    async def close_interrupted(self, node: str) -> int:
        """At start-up: close every leg ``node`` left open as 'interrupted'; returns how many.

        A leg's end time is its last event's time, or now if it has none."""
        now = utcnow()
        count = await self._writer.submit(partial(queries.close_interrupted, node=node, now=now))
        if count:
            log.warning("event=legs_interrupted node=%s count=%d", node, count)
        return count

    # ---- reads ---------------------------------------------------------------------------
    async def get_leg(self, leg_id: int) -> Leg | None:
        return await self._read(partial(queries.get_leg, leg_id=leg_id))

    async def recent(self, limit: int = 100, filters: LegFilter | None = None) -> list[Leg]:
        """The newest legs first (by started_at), at most ``limit``, matching ``filters``."""
        for name in ("since", "until"):
            queries.check_aware(name, getattr(filters, name, None))
        return await self._read(partial(queries.recent, limit=int(limit), filters=filters))

    async def events(self, leg_id: int) -> list[LegEvent]:
        """A leg's events, oldest first."""
        return await self._read(partial(queries.events, leg_id=leg_id))

    async def _read(self, fn: Callable[..., T]) -> T:
        if self._closed:
            raise StoreClosed("call-record store is closed")
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._run_read, fn)

    def _run_read(self, fn: Callable[..., T]) -> T:
        with self.engine.connect() as conn:
            return fn(conn)

    # ---- life ----------------------------------------------------------------------------
    async def close(self) -> None:
        """Commit what is queued, stop the threads, and dispose of the engine if we made it."""
        if self._closed:
            return
        self._closed = True
        await self._writer.close()
        await asyncio.to_thread(self._readers.shutdown, wait=True)
        if self._owns_engine:
            self.engine.dispose()
