"""A chand running in this event loop: engine, call records, switchboard, control API, event pump.

This is the one place that wires chand's parts together and takes them down
again, in order. The daemon (daemon.py), the tests (tests/support), `flow
test` and `bench calls` all start a chand through `ChandCore.start` or the
`running_core` context manager; what differs between them is only what the
switchboard is built from (a configuration file or a few spans) and the clock.
"""
from __future__ import annotations

import asyncio
import logging
import ssl
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator, Callable

from telephonist.chand.api.server import ApiServer
from telephonist.chand.event_pump import EventPump
from telephonist.chand.records import CallRecorder
from telephonist.chand.switchboard import Switchboard
from telephonist.engine import Clock, Engine

log = logging.getLogger(__name__)

BoardMaker = Callable[[Engine, "CallRecorder | None"], Switchboard]


@dataclass
class CoreSettings:
    """How to run a chand (what it serves comes from the BoardMaker)."""
    socket: str                              # the control API's Unix socket
    clock: Clock = Clock.REALTIME
    speed: float = 0.0                       # fast/lockstep clocks: 0 = as fast as it goes, N = N x real time
    socket_mode: int = 0o660
    socket_group: str | None = None
    tcp: tuple[str, int] | None = None       # host, port
    tls: ssl.SSLContext | None = None
    db_url: str | None = None                # call records (None: none are kept)
    node: str = "chand"
    frame_ms: int = 20
    max_channels: int = 4096
    max_connections: int = 256               # control-API connections at once
    hello_timeout_ms: int = 5000             # a connection must say hello within this


class ChandCore:
    def __init__(self, settings: CoreSettings, engine: Engine, board: Switchboard, server: ApiServer,
                 pump: EventPump, store) -> None:
        self.settings = settings
        self.engine = engine
        self.board = board
        self.server = server
        self.pump = pump
        self.store = store
        self.tcp_port: int | None = None

    @classmethod
    async def start(cls, settings: CoreSettings, make_board: BoardMaker) -> "ChandCore":
        store = recorder = None
        engine = Engine(frame_ms=settings.frame_ms, max_channels=settings.max_channels)
        try:
            if settings.db_url:
                from telephonist.storage import CallRecordStore, migrate
                await asyncio.to_thread(migrate, settings.db_url)
                store = CallRecordStore(settings.db_url)
                closed = await store.close_interrupted(settings.node)
                if closed:
                    log.warning("event=records_interrupted count=%d node=%s", closed, settings.node)
                recorder = CallRecorder(store, settings.node, lambda: engine.now_ms)
            board = make_board(engine, recorder)
            lockstep = settings.clock == Clock.LOCKSTEP
            pump = EventPump(engine, board, settings.clock)
            server = ApiServer(board, hold_clock=pump.command_held if lockstep else None,
                               max_connections=settings.max_connections,
                               hello_timeout_s=settings.hello_timeout_ms / 1000.0)
            await server.listen_unix(settings.socket, settings.socket_mode, settings.socket_group)
            core = cls(settings, engine, board, server, pump, store)
            if settings.tcp:
                core.tcp_port = await server.listen_tcp(settings.tcp[0], settings.tcp[1], settings.tls)
        except BaseException:
            engine.close()
            if store is not None:
                await store.close()
            raise
        core.pump.start()
        engine.start(settings.clock, settings.speed)
        board.origin_ms = int(time.time() * 1000) - engine.now_ms    # the platform's time: origin + engine time
        return core

    async def stop(self, hang_up: bool = False) -> None:
        """Close the API, stop the engine, write what the call records still hold. With hang_up, calls
        in progress are hung up first and given a moment to settle (their records then close normally)."""
        if hang_up:
            await self._hang_up_all()
        await self.server.close()
        self.pump.stop()
        self.engine.close()
        if self.board.recorder:
            await self.board.recorder.drain(timeout_s=30.0)
        if self.store is not None:
            await self.store.close()

    async def _hang_up_all(self) -> None:
        lines = self.board.lines.values()
        for line in lines:
            if line.busy and line.state.value != "clearing":
                try:
                    line.sig.hangup("shutdown")
                except Exception:
                    log.exception("event=hangup_at_stop_failed line=%s", line.name)
        for _ in range(40):
            if not any(line.busy for line in lines):
                break
            await asyncio.sleep(0.05)


@asynccontextmanager
async def running_core(settings: CoreSettings, make_board: BoardMaker) -> AsyncIterator[ChandCore]:
    core = await ChandCore.start(settings, make_board)
    try:
        yield core
    finally:
        await core.stop()

