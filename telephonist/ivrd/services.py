"""What every call of ivrd shares: settings, the database, the step log, named customer systems.

Node types keep their own long-lived helpers here too (`services.shared(key, factory)`):
the voicemail store, the SMS modem, lookup connections ... made once, closed with ivrd.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine

from telephonist.config.model import IvrdConfig
from telephonist.ivrd.schema import sessions, steps
from telephonist.storage.database import make_engine

log = logging.getLogger("telephonist.ivrd")


class StepLog:
    """Steps of calls, written in batches off the event loop (flushed after every node)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pending: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        self.pending.append(row)

    async def flush(self) -> None:
        if not self.pending:
            return
        rows, self.pending = self.pending, []
        await asyncio.to_thread(self._write, rows)

    def _write(self, rows: list[dict[str, Any]]) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(steps), rows)

    def session_started(self, row: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            return conn.execute(insert(sessions).values(**row)).inserted_primary_key[0]

    def session_ended(self, session_id: int, outcome: str, detail: str, language: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(sessions).where(sessions.c.id == session_id).values(
                outcome=outcome, outcome_detail=detail, language=language, ended_at=datetime.now(timezone.utc)))


@dataclass
class IvrServices:
    settings: IvrdConfig
    database_url: str
    prompts_dir: str
    recordings_dir: str
    state_dir: str
    time_zone: str = "Asia/Shanghai"
    config_dir: str = ""                  # telephonist.toml's folder: workorders.toml beside it (work_order node)
    engine: Engine = field(init=False)
    steps: StepLog = field(init=False)
    _shared: dict[str, Any] = field(default_factory=dict)
    _closers: list[Callable[[], Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.engine = make_engine(self.database_url)
        self.steps = StepLog(self.engine)

    def shared(self, key: str, factory: Callable[[], Any], close: Callable[[Any], Any] | None = None) -> Any:
        """One instance of a helper for all calls (made on first use)."""
        if key not in self._shared:
            self._shared[key] = factory()
            if close is not None:
                obj = self._shared[key]
                self._closers.append(lambda: close(obj))
        return self._shared[key]

    async def close(self) -> None:
        for closer in reversed(self._closers):
            try:
                r = closer()
                if asyncio.iscoroutine(r):
                    await r
            except Exception:
                log.exception("event=ivrd_close_failed")
        await self.steps.flush()
        self.engine.dispose()
