"""Wait for a log line as for an event: a handler that resolves a future when a matching record is logged."""
from __future__ import annotations

import asyncio
import logging


class LogWaiter(logging.Handler):
    def __init__(self, logger: str, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.logger = logging.getLogger(logger)
        self.loop = asyncio.get_running_loop()
        self.lines: list[str] = []
        self._waiters: list[tuple[str, asyncio.Future]] = []
        self._old_level = self.logger.level

    def __enter__(self) -> "LogWaiter":
        self.logger.addHandler(self)
        if self.logger.getEffectiveLevel() > self.level:
            self.logger.setLevel(self.level)
        return self

    def __exit__(self, *exc) -> None:
        self.logger.removeHandler(self)
        self.logger.setLevel(self._old_level)

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        self.loop.call_soon_threadsafe(self._arrived, line)   # records may come from other threads

    def _arrived(self, line: str) -> None:
        self.lines.append(line)
        for text, fut in list(self._waiters):
            if text in line and not fut.done():
                fut.set_result(line)
                self._waiters.remove((text, fut))

    def mark(self) -> int:
        return len(self.lines)

    async def wait(self, text: str, since: int | None = None, timeout: float = 30.0) -> str:
        """The first line holding `text` logged after position `since` (default: from now on)."""
        if since is not None:
            for line in self.lines[since:]:
                if text in line:
                    return line
        fut = self.loop.create_future()
        self._waiters.append((text, fut))
        return await asyncio.wait_for(fut, timeout)
