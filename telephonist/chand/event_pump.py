"""Carry engine events into the switchboard, and, in lockstep, hold the clock until they are handled.

In lockstep (tests, `flow test`) the engine clock stands still from the moment
Python reads a batch of events until every application that was sent an event
because of them has acknowledged it; so simulated time never runs away from
the applications, and results do not depend on the machine's speed.

The same holds for the events a command sends (`command_held`, around every
control-API command): what one application publishes, asks another
(`request`) or hands it (`handoff` offers the call) stops the clock until the
applications told have handled it, even when the command was not sent from an
event's handler (an IVR flow's task publishing a session's end, say). Without
that, an idle engine ticks on while they work: with a few sim lines it runs
some 100 simulated seconds a wall millisecond.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Iterator

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
        self._command_holds = 0          # holds taken for commands' events, given back when they are settled
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
            self._settle()
        else:
            self.engine.release()

    @contextlib.contextmanager
    def command_held(self) -> Iterator[None]:
        """Lockstep (the API server's hold around each command): the clock stands still while the command
        runs and, when it sent applications events, until they are acknowledged."""
        before = self._events_sent()
        with self.engine.clock_held():
            yield
            if self._events_sent() != before and self._loop is not None:
                self.engine.hold()                  # taken inside the command's: no tick comes between
                self._command_holds += 1
                self._settle()

    def _events_sent(self) -> dict[int, int]:
        """Events sent so far to each of this board's sessions (another chand in the process has its own)."""
        return {s.id: s.seq for s in self.board.sessions.values() if s.seq}

    def _settle(self) -> None:
        if self._settling is None or self._settling.done():
            self._settling = asyncio.get_running_loop().create_task(self._release_when_settled())

    async def _release_when_settled(self) -> None:
        await self._settled()
        self.engine.release()
        for _ in range(self._command_holds):
            self.engine.unhold()
        self._command_holds = 0

    async def _settled(self) -> None:
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
            acks = [asyncio.ensure_future(s.acked_event.wait()) for s in waiting]
            try:
                _, pending = await asyncio.wait(acks, timeout=max(0.0, deadline - loop.time()))
            finally:                            # also when the pump stops meanwhile
                for p in acks:
                    p.cancel()
            if pending:
                self.board.check_sessions()
                break
            for _ in range(3):
                await asyncio.sleep(0)
