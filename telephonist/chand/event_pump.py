"""Carry engine events into the switchboard, and, in lockstep, hold the clock until they are handled.

In lockstep (tests, `flow test`) the engine clock stands still from the moment
Python reads a batch of events until every application that was sent an event
because of them has acknowledged it; so simulated time never runs away from
the applications, and results do not depend on the machine's speed.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from telephonist.engine import Clock, Engine, Stopped

if TYPE_CHECKING:
    from telephonist.chand.switchboard import Switchboard

log = logging.getLogger(__name__)


class EventPump:
    def __init__(self, engine: Engine, board: "Switchboard", clock: Clock) -> None:
        self.engine = engine
        self.board = board
        self.lockstep = clock == Clock.LOCKSTEP
        self._settling: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.stopped = asyncio.Event()

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.engine.fileno(), self._readable)

    def stop(self) -> None:
        if self._loop:
            self._loop.remove_reader(self.engine.fileno())
            self._loop = None
        if self._settling is not None:
            self._settling.cancel()

    def _readable(self) -> None:
        events = self.engine.read_events()
        for ev in events:
            if isinstance(ev, Stopped):
                self.stopped.set()
                continue
            self.board.on_engine_event(ev)
        if not events:
            return
        if self.lockstep:
            if self._settling is None or self._settling.done():
                self._settling = asyncio.get_running_loop().create_task(self._release_when_settled())
        else:
            self.engine.release()

    async def _release_when_settled(self) -> None:
        # first let the tasks these events started run to their next wait
        for _ in range(5):
            await asyncio.sleep(0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.board.app_timeout_s
        # Handling an event may send others (an application's command makes chand tell the monitors:
        # record_start ...): those are waited for too, until nothing is left unacknowledged.
        while True:
            waiting = [s for s in list(self.board.sessions.values()) if not s.all_acked and not s.closed]
            if not waiting:
                break
            done, pending = await asyncio.wait([asyncio.ensure_future(s.acked_event.wait()) for s in waiting],
                                               timeout=max(0.0, deadline - loop.time()))
            for p in pending:
                p.cancel()
            if pending:
                self.board.check_sessions()
                break
            for _ in range(3):
                await asyncio.sleep(0)
        self.engine.release()
