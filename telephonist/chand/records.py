"""Call records for chand's lines: a leg opened when a call starts, events as it goes, closed at its end.

Writes go through the storage's writer thread (group commit) and never block
the event loop. A leg's row is inserted as soon as the call starts and
`Call.leg_committed` says when that insert is durable, which is what
`telephonist status` shows and what survives a kill -9 (closed as
'interrupted' on restart). What happens during the call is kept in memory
and written in one batch at the answer and at the end, so a call costs a
few transactions, not one per event.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any

from telephonist.chand.call import Call, Disposition
from telephonist.chand.line import Line

log = logging.getLogger(__name__)


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

    @staticmethod
    def _p(call: Call) -> _Pending:
        """What the call's record has not written yet (kept in the call itself: call.record)."""
        if call.record is None:
            call.record = _Pending()
        return call.record

    def _after(self, call: Call, make_coro) -> None:
        """Run make_coro() after the earlier writes of this leg."""
        p = self._p(call)
        prev = p.task

        async def run() -> None:
            if prev is not None:
                await asyncio.gather(prev, return_exceptions=True)
            try:
                await make_coro()
            except Exception:
                log.exception("event=record_write_failed call=%s", call.call_id)

        task = asyncio.get_running_loop().create_task(run())
        p.task = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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
        self._after(call, insert)

    def updated(self, line: Line, **fields: Any) -> None:
        call = line.call
        if call is None:
            return
        p = self._p(call)
        p.fields.update({k: (_utc(v) if k.endswith("_at") and isinstance(v, float) else v)
                         for k, v in fields.items()})
        if "answered_at" in fields:
            self._flush(call)          # an answer is worth making durable at once

    def event(self, line: Line, kind: str, **data: Any) -> None:
        call = line.call
        if call is None:
            return
        self._p(call).events.append((kind, data, self._at(call)))

    def _flush(self, call: Call, close: dict[str, Any] | None = None) -> None:
        p = self._p(call)
        events, fields = p.events, p.fields
        p.events, p.fields = [], {}

        async def write() -> None:
            if call.leg_id is None:
                return
            ops = [self.store.add_event(call.leg_id, kind, data, at=at) for kind, data, at in events]
            if fields and close is None:
                ops.append(self.store.update_leg(call.leg_id, **fields))
            # one group commit for the lot; the close goes last, after them
            if ops:
                await asyncio.gather(*ops)
            if close is not None:
                await self.store.close_leg(call.leg_id, **{**fields, **close})
        self._after(call, write)

    def closed(self, line: Line, call: Call) -> None:
        ended = call.ended_ms if call.ended_ms is not None else call.started_ms
        ring_ms = (call.answered_ms if call.answered_ms is not None else ended) - call.started_ms
        talk_ms = ended - call.answered_ms if call.answered_ms is not None else None
        disposition = call.disposition or Disposition.FAILED
        ended_at = call.started_at + (ended - call.started_ms) / 1000.0
        self._flush(call, close=dict(disposition=disposition.value, hangup_cause=call.cause,
                                     ended_at=_utc(ended_at), ring_ms=max(0, ring_ms), talk_ms=talk_ms,
                                     recording_path=call.recording_path))

    async def drain(self) -> None:
        """Wait for every write queued so far (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
