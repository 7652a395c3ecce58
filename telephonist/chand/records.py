"""Call records for chand's lines: a leg opened when a call starts, events as it goes, closed at its end.

Writes go through the storage's writer thread and never block the event
loop; each leg's writes are chained in order behind the insert that gives
its id. A call counts as recorded (``Call.leg_committed``) once that insert
is committed, which is what `telephonist status` shows.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any

from telephonist.chand.line import Call, Disposition, Line

log = logging.getLogger(__name__)


def _utc(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, tz=timezone.utc)


class CallRecorder:
    def __init__(self, store: Any, node: str, now_ms: Any = None) -> None:
        self.store = store
        self.node = node
        self.now_ms = now_ms            # the engine clock: event times follow simulated time too
        self._chains: dict[str, asyncio.Task] = {}
        self._tasks: set[asyncio.Task] = set()

    def _chain(self, call: Call, make_coro) -> None:
        """Run make_coro(leg_id) after every earlier write of this call."""
        prev = self._chains.get(call.call_id + str(id(call)))

        async def run() -> None:
            if prev is not None:
                try:
                    await prev
                except Exception:
                    pass
            try:
                await make_coro()
            except Exception:
                log.exception("event=record_write_failed call=%s", call.call_id)

        task = asyncio.get_running_loop().create_task(run())
        self._chains[call.call_id + str(id(call))] = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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
        self._chain(call, insert)

    def updated(self, line: Line, **fields: Any) -> None:
        call = line.call
        if call is None:
            return
        fields = {k: (_utc(v) if k.endswith("_at") and isinstance(v, float) else v) for k, v in fields.items()}

        async def update() -> None:
            if call.leg_id is not None:
                await self.store.update_leg(call.leg_id, **fields)
        self._chain(call, update)

    def event(self, line: Line, kind: str, **data: Any) -> None:
        call = line.call
        if call is None:
            return

        at = None
        if self.now_ms is not None:
            at = _utc(call.started_at + (self.now_ms() - call.started_ms) / 1000.0)

        async def add() -> None:
            if call.leg_id is not None:
                await self.store.add_event(call.leg_id, kind, data, at=at)
        self._chain(call, add)

    def closed(self, line: Line, call: Call) -> None:
        ended = call.ended_ms if call.ended_ms is not None else call.started_ms
        ring_ms = (call.answered_ms if call.answered_ms is not None else ended) - call.started_ms
        talk_ms = ended - call.answered_ms if call.answered_ms is not None else None
        disposition = call.disposition or Disposition.FAILED
        ended_at = call.started_at + (ended - call.started_ms) / 1000.0

        async def close() -> None:
            if call.leg_id is not None:
                await self.store.close_leg(call.leg_id, disposition=disposition.value, hangup_cause=call.cause,
                                           ended_at=_utc(ended_at), ring_ms=max(0, ring_ms),
                                           talk_ms=talk_ms, recording_path=call.recording_path)
        self._chain(call, close)
        self._chains.pop(call.call_id + str(id(call)), None)

    async def drain(self) -> None:
        """Wait for every write queued so far (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
