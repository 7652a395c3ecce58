"""Run a real chand core in the test's event loop: engine (lockstep clock), switchboard, API on a Unix socket."""
from __future__ import annotations

import asyncio
import os
from contextlib import asynccontextmanager
from typing import AsyncIterator

from telephonist.chand.api.server import ApiServer
from telephonist.chand.assembly import SpanSpec, TrunkGroupSpec, assemble
from telephonist.chand.event_pump import EventPump
from telephonist.chand.switchboard import Switchboard
from telephonist.client import Client
from telephonist.engine import Clock, Engine


class ChandUnderTest:
    def __init__(self, board: Switchboard, server: ApiServer, pump: EventPump, socket: str) -> None:
        self.board = board
        self.server = server
        self.pump = pump
        self.socket = socket
        self.clients: list[Client] = []

    async def client(self, app: str, role: str = "app") -> Client:
        c = await Client.connect_unix(self.socket, app=app, role=role)
        self.clients.append(c)
        return c


@asynccontextmanager
async def running_chand(tmp_path, spans: list[SpanSpec], clock: Clock = Clock.LOCKSTEP, speed: float = 0.0,
                        **kw) -> AsyncIterator[ChandUnderTest]:
    """speed: 0 runs the engine clock as fast as it goes; N caps it at N x real time (for a test that
    must react to something it cannot see as an event, like a prompt's end)."""
    engine = Engine(max_channels=4096)
    store = None
    if kw.pop("records", False) or kw.get("db_url"):
        from telephonist.chand.records import CallRecorder
        from telephonist.storage import CallRecordStore, migrate
        url = kw.pop("db_url", None) or f"sqlite:///{tmp_path / 'calls.db'}"
        migrate(url)
        store = CallRecordStore(url)
        kw["recorder"] = CallRecorder(store, kw.get("node", "chand"), lambda: engine.now_ms)
    kw.setdefault("recordings_dir", str(tmp_path / "recordings"))
    kw.setdefault("prompts_dir", str(tmp_path / "prompts"))
    os.makedirs(kw["prompts_dir"], exist_ok=True)
    board = assemble(engine, spans, **kw)
    server = ApiServer(board)
    sock = str(tmp_path / "chand.sock")
    await server.listen_unix(sock)
    pump = EventPump(engine, board, clock)
    pump.start()
    engine.start(clock, speed)
    cut = ChandUnderTest(board, server, pump, sock)
    cut.store = store
    try:
        yield cut
    finally:
        for c in cut.clients:
            await c.close()
        await server.close()
        pump.stop()
        engine.close()
        if board.recorder:
            await board.recorder.drain()
        if store is not None:
            await store.close()


__all__ = ["running_chand", "ChandUnderTest", "SpanSpec", "TrunkGroupSpec"]
