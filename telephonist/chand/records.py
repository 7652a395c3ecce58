"""Call records for chand's lines: a leg opened when a call starts, events as it goes, closed at its end.

Writes go through the storage's writer thread (group commit) and never block
the event loop. A leg's row is inserted as soon as the call starts and
`Call.leg_committed` says when that insert is durable, which is what
`telephonist status` shows and what survives a kill -9 (closed as
'interrupted' on restart). What happens during the call is kept in memory
and written in one batch at the answer and at the end, so a call costs a
few transactions, not one per event.

A write the database refuses for a passing reason (a full disk, a lost
connection, a lock held too long) is kept and tried again, with growing
pauses, until it goes in; a leg's writes stay in order, so its events wait
for its row. What is waiting is counted (`backlog`) and logged once per
outage, and the daemon's stop waits a while for it.
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

from sqlalchemy.exc import InterfaceError, OperationalError

from telephonist.chand.call import Call, Disposition
from telephonist.chand.line import Line

log = logging.getLogger(__name__)
RETRY_FIRST_S, RETRY_MAX_S = 0.2, 5.0
TRANSIENT = (OperationalError, InterfaceError)       # disk full, I/O error, database locked, connection lost

Write = Callable[[], Awaitable[Any]]


def _utc(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, tz=timezone.utc)


class _Pending:
    __slots__ = ("events", "fields", "task")

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any], datetime | None]] = []
        self.fields: dict[str, Any] = {}
        self.task: asyncio.Task | None = None       # the last write of this leg, to keep order


class CallRecorder:
    def __init__(self, store: Any, node: str, now_ms: Any = None) -> None:
        self.store = store
        self.node = node
        self.now_ms = now_ms            # the engine clock: event times follow simulated time too
        self._tasks: set[asyncio.Task] = set()
        self.backlog = 0                # writes waiting for the database to take them again
        self._outage_since: float | None = None
        # the switchboard's: a part of a call's record is in the database ("opened", "answered", "closed")
        self.on_written: Callable[[str, Call, str], None] | None = None

    @staticmethod
    def _p(call: Call) -> _Pending:
        """What the call's record has not written yet (kept in the call itself: call.record)."""
        if call.record is None:
            call.record = _Pending()
        return call.record

    def _after(self, call: Call, writes: Callable[[], list[Write]]) -> None:
        """Run the writes writes() makes, after the earlier writes of this leg."""
        p = self._p(call)
        prev = p.task

        async def run() -> None:
            if prev is not None:
                await asyncio.gather(prev, return_exceptions=True)
            try:
                await self._until_written(call, writes())
            except Exception:
                log.exception("event=record_write_failed call=%s", call.call_id)

        task = asyncio.get_running_loop().create_task(run())
        p.task = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _until_written(self, call: Call, writes: list[Write]) -> None:
        """Each write until it goes in; one the database refuses for a passing reason is tried again."""
        waiting = False
        delay = RETRY_FIRST_S
        try:
            while writes:
                outcomes = await asyncio.gather(*(w() for w in writes), return_exceptions=True)
                failed = [(w, r) for w, r in zip(writes, outcomes) if isinstance(r, BaseException)]
                for _, exc in failed:
                    if not isinstance(exc, TRANSIENT):
                        raise exc
                writes = [w for w, _ in failed]
                if not writes:
                    break
                if not waiting:
                    waiting = True
                    self.backlog += 1
                    self._outage(call, failed[0][1])
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)
        finally:
            if waiting:
                self.backlog -= 1
                if self.backlog == 0 and self._outage_since is not None:
                    log.warning("event=records_written_again after_s=%.1f", time.monotonic() - self._outage_since)
                    self._outage_since = None

    def _written(self, chan: str, call: Call, part: str) -> None:
        if self.on_written is not None:
            self.on_written(chan, call, part)

    def _outage(self, call: Call, exc: BaseException) -> None:
        if self._outage_since is None:
            self._outage_since = time.monotonic()
            log.error("event=records_waiting call=%s error=%s action=kept_and_retried",
                      call.call_id, str(exc).splitlines()[0][:200])

    def _at(self, call: Call) -> datetime | None:
        if self.now_ms is None:
            return None
        return _utc(call.started_at + (self.now_ms() - call.started_ms) / 1000.0)

    # ---- what the switchboard reports -------------------------------------------------------
    def opened(self, line: Line) -> None:
        from telephonist.storage import LegOpen
        call = line.call
        assert call is not None
        leg = LegOpen(call_id=call.call_id, direction=call.direction, span=line.span, channel=line.index,
                      trunk_group=call.trunk_group, caller=call.caller, dialled=call.dialled,
                      application=call.application, node=self.node, started_at=_utc(call.started_at))

        async def insert() -> None:
            call.leg_id = await self.store.open_leg(leg)
            call.leg_committed = True
            self._written(line.name, call, "opened")
        self._after(call, lambda: [insert])

    def updated(self, line: Line, **fields: Any) -> None:
        call = line.call
        if call is None:
            return
        p = self._p(call)
        p.fields.update({k: (_utc(v) if k.endswith("_at") and isinstance(v, float) else v)
                         for k, v in fields.items()})
        if "answered_at" in fields:
            self._flush(line.name, call, part="answered")     # an answer is worth making durable at once

    def event(self, line: Line, kind: str, **data: Any) -> None:
        call = line.call
        if call is None:
            return
        self._p(call).events.append((kind, data, self._at(call)))

    def conceal_digits(self, line: Line, count: int) -> int:
        """The call's last `count` keys were a secret (typed ahead of a password question): its record
        shows them as '*'. Returns how many were still unwritten and are now hidden."""
        call = line.call
        if call is None or count <= 0:
            return 0
        hidden = 0
        for kind, data, _ in reversed(self._p(call).events):
            if hidden == count:
                break
            if kind == "dtmf" and data.get("digit") != "*":
                data["digit"] = "*"
                hidden += 1
        return hidden

    def _flush(self, chan: str, call: Call, close: dict[str, Any] | None = None, part: str = "") -> None:
        p = self._p(call)
        events, fields = p.events, p.fields
        p.events, p.fields = [], {}

        def writes() -> list[Write]:
            leg_id = call.leg_id
            if leg_id is None:          # the leg's row never went in (a permanent error, logged)
                return []
            ops: list[Write] = [lambda k=kind, d=data, a=at: self.store.add_event(leg_id, k, d, at=a)
                                for kind, data, at in events]
            if fields and close is None:
                async def update() -> None:
                    await self.store.update_leg(leg_id, **fields)
                    if part:
                        self._written(chan, call, part)
                ops.append(update)
            return ops

        def closing() -> list[Write]:
            leg_id = call.leg_id
            if leg_id is None or close is None:
                return []
            async def close_leg() -> None:
                await self.store.close_leg(leg_id, **{**fields, **close})
                self._written(chan, call, "closed")
            return [close_leg]
        # one group commit for the events and fields; the close goes last, after them
        self._after(call, writes)
        if close is not None:
            self._after(call, closing)

    def closed(self, line: Line, call: Call) -> None:
        ended = call.ended_ms if call.ended_ms is not None else call.started_ms
        ring_ms = (call.answered_ms if call.answered_ms is not None else ended) - call.started_ms
        talk_ms = ended - call.answered_ms if call.answered_ms is not None else None
        disposition = call.disposition or Disposition.FAILED
        ended_at = call.started_at + (ended - call.started_ms) / 1000.0
        self._flush(line.name, call, close=dict(disposition=disposition.value, hangup_cause=call.cause,
                                     ended_at=_utc(ended_at), ring_ms=max(0, ring_ms), talk_ms=talk_ms,
                                     recording_path=call.recording_path))

    async def drain(self, timeout_s: float | None = None) -> bool:
        """Wait for every write queued so far (shutdown, tests); False if some were still waiting for
        the database when timeout_s ran out (they are logged as lost)."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while self._tasks:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                log.error("event=records_lost legs=%d why=database_refused_until_stop", len(self._tasks))
                for task in list(self._tasks):
                    task.cancel()
                return False
            await asyncio.wait(list(self._tasks), timeout=left)
        return True
