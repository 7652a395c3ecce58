"""Run a real chand core in the test's event loop: engine (lockstep clock), switchboard, API on a Unix socket.

The chand is wired by telephonist.chand.core, as the daemon, `flow test` and the bench wire theirs."""
from __future__ import annotations

import os
from contextlib import asynccontextmanager
from typing import AsyncIterator

from telephonist.chand.assembly import SpanSpec, TrunkGroupSpec, assemble
from telephonist.chand.core import ChandCore, CoreSettings
from telephonist.client import Client
from telephonist.engine import Clock


class ChandUnderTest:
    def __init__(self, core: ChandCore) -> None:
        self.core = core
        self.board = core.board
        self.server = core.server
        self.pump = core.pump
        self.store = core.store
        self.socket = core.settings.socket
        self.clients: list[Client] = []

    async def client(self, app: str, role: str = "app") -> Client:
        """A client that keeps every event it sees (tests look back at them)."""
        c = await Client.connect_unix(self.socket, app=app, role=role, keep_events=True)
        self.clients.append(c)
        return c


@asynccontextmanager
async def running_chand(tmp_path, spans: list[SpanSpec], clock: Clock = Clock.LOCKSTEP, speed: float = 0.0,
                        **kw) -> AsyncIterator[ChandUnderTest]:
    """speed: 0 runs the engine clock as fast as it goes; N caps it at N x real time (for a test that
    must react to something it cannot see as an event, like a prompt's end). records=True (or db_url)
    keeps call records in SQLite under tmp_path (or that database)."""
    records, db_url = kw.pop("records", False), kw.pop("db_url", None)
    db_url = db_url or (f"sqlite:///{tmp_path / 'calls.db'}" if records else None)
    kw.setdefault("recordings_dir", str(tmp_path / "recordings"))
    kw.setdefault("prompts_dir", str(tmp_path / "prompts"))
    kw.setdefault("play_dirs", (str(tmp_path),))           # the test's own files (what its far ends recorded ...)
    kw.setdefault("fax_dirs", (str(tmp_path),))
    os.makedirs(kw["prompts_dir"], exist_ok=True)
    settings = CoreSettings(socket=str(tmp_path / "chand.sock"), clock=clock, speed=speed, db_url=db_url,
                            node=kw.get("node", "chand"), max_connections=kw.pop("max_connections", 256),
                            hello_timeout_ms=kw.pop("hello_timeout_ms", 5000))
    core = await ChandCore.start(settings, lambda engine, recorder: assemble(engine, spans, recorder=recorder, **kw))
    cut = ChandUnderTest(core)
    try:
        yield cut
    finally:
        for c in cut.clients:
            await c.close()
        await core.stop()


__all__ = ["running_chand", "ChandUnderTest", "SpanSpec", "TrunkGroupSpec"]
