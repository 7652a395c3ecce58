"""A dialer on a chand with ivrd in the test's event loop (lockstep clock): outbound calls go out on sim
E1 span "pstn" (trunk group "out"), answered by [[sim.numbers]]; answered calls run the notice flow, which
reads the record's amount with `say` and sets `result` ("dnc" when the record's `wants` field is "no").

The dialer's wall time is the engine's from `ORIGIN` (a Monday 09:59 in Shanghai), so windows and retry
intervals pass as fast as the calls."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from telephonist.dialer.service import DialerService
from telephonist.dialer.store import DialerStore
from telephonist.ivrd.say.fragments import fragment_names
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec
from tests.support.ivrd_harness import running_ivrd

T = TypeVar("T")
ORIGIN = datetime(2026, 12, 7, 9, 59, tzinfo=ZoneInfo("Asia/Shanghai"))
NOTICE_FLOW = """
[flow]
description = "Gas bill notice"
start = "intro"
language = "zh"

[nodes.intro]
type = "play"
prompts = ["zh/bill-intro.wav"]
next = "amount"

[nodes.amount]
type = "say"
what = "money"
value = "${amount}"
next = "decide"

[nodes.decide]
type = "branch"
cases = [{ if = "wants == 'no'", next = "refused" }]
else = "heard"

[nodes.heard]
type = "set"
vars = { result = "'notified'" }
next = "bye"

[nodes.refused]
type = "set"
vars = { result = "'dnc'" }
next = "bye"

[nodes.bye]
type = "hangup"
"""


class DialerUnderTest:
    def __init__(self, ivr, store: DialerStore) -> None:
        self.ivr = ivr
        self.chand = ivr.chand
        self.store = store
        self.service: DialerService | None = None
        self._stores: list[DialerStore] = []          # each started dialer's own (as its process has)
        self._die: Callable[[], None] | None = None
        self.origin: datetime | None = None         # the wall time of engine time 0, once a dialer started
        self.db = ivr.db

    async def start(self) -> DialerService:
        """A dialer whose first start stands for ORIGIN; a restarted one goes on with the same clock."""
        client = await self.chand.client("dialer")
        self._stores.append(DialerStore(self.ivr.db_url))
        self._die = _killable(self._stores[-1])
        self.service = DialerService(client, self._stores[-1], origin=self.origin, starts_at=ORIGIN)
        await self.service.start()
        self.origin = self.service.origin
        return self.service

    async def kill(self) -> None:
        """As kill -9 does to chand and the database: the connection drops, nothing more is written. Its
        store's work still running in a thread (a claim of records waiting for SQLite's write lock ...) is
        refused from now on and rolled back, as the dead process's transaction would be: without that, a claim
        committed after the restart's reconcile left records "dialing" that no dialer would settle."""
        assert self.service is not None and self._die is not None
        self._die()
        c = self.service.c
        for task in (c._reader_task, c._dispatch_task, *c._lane_tasks):
            task.cancel()
        c.writer.transport.abort()
        self.service = None

    async def unless_dropped(self, waiting: Awaitable[T]) -> T:
        """What `waiting` gives; AssertionError as soon as the running dialer's connection closes (chand
        dropped it: a handler left an event unacknowledged longer than app_timeout_ms) instead of a long wait
        for what would then never come."""
        assert self.service is not None
        task = asyncio.ensure_future(waiting)
        closed = asyncio.ensure_future(self.service.c.closed.wait())
        try:
            await asyncio.wait([task, closed], return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
        if not task.done():
            task.cancel()
            raise AssertionError("chand dropped the dialer (its connection closed)")
        return task.result()

    def close(self) -> None:
        for store in self._stores:
            store.close()

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with self.db.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


@asynccontextmanager
async def running_dialer(tmp_path, numbers, lines: int = 4, db_url: str | None = None,
                         **chand_kw: Any) -> AsyncIterator[DialerUnderTest]:
    """db_url: a PostgreSQL database of the test's (default: SQLite under tmp_path); chand_kw: chand's settings
    (app_timeout_ms ...)."""
    spans = [SpanSpec("e1a", "e1", 2), SpanSpec("pstn", "e1", lines)]
    async with running_ivrd(tmp_path, {"bill_notice.toml": NOTICE_FLOW}, ["zh/bill-intro.wav", *fragment_names("zh")],
                            spans=spans, trunk_groups=[TrunkGroupSpec("out", ["pstn/*"])],
                            numbers=numbers, languages=("zh",), db_url=db_url, **chand_kw) as ivr:
        store = DialerStore(ivr.db_url)
        t = DialerUnderTest(ivr, store)
        try:
            yield t
        finally:
            t.close()
            store.close()


def _killable(store: DialerStore) -> Callable[[], None]:
    """What kills a dialer's database work: after it, each statement and commit on `store` fails."""
    dead = threading.Event()

    def refuse(*_args: Any, **_kw: Any) -> None:
        if dead.is_set():
            raise ConnectionAbortedError("the dialer was killed: nothing more reaches the database")
    sa.event.listen(store.engine, "before_execute", refuse)
    sa.event.listen(store.engine, "before_cursor_execute", refuse)
    sa.event.listen(store.engine, "commit", refuse)
    return dead.set
