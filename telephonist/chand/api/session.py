"""One connected application: its name, role, the events it was sent and has acknowledged."""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from typing import Any

log = logging.getLogger(__name__)

ROLES = ("app", "monitor", "admin")
_ids = itertools.count(1)


class Session:
    def __init__(self, writer: asyncio.StreamWriter, peer: str, trusted: bool) -> None:
        self.id = next(_ids)
        self.writer = writer
        self.peer = peer
        self.trusted = trusted          # a Unix-socket peer (file permissions already checked it)
        self.app: str | None = None     # the application name from hello
        self.role: str | None = None    # None until hello
        self.seq = 0
        self.acked = 0
        self.unacked_since: float | None = None   # wall time of the oldest unacknowledged event
        self.subscribed = False         # receives every line's state changes (live boards)
        self.closed = False
        self.acked_event = asyncio.Event()

    @property
    def name(self) -> str:
        return f"{self.app or 'anonymous'}#{self.id}"

    def send(self, msg: dict[str, Any]) -> None:
        if self.closed:
            return
        try:
            self.writer.write(json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode() + b"\n")
        except (ConnectionError, RuntimeError) as exc:
            log.info("event=session_write_failed session=%s error=%s", self.name, exc)
            self.closed = True

    def send_event(self, kind: str, **fields: Any) -> int:
        self.seq += 1
        if self.unacked_since is None:
            self.unacked_since = time.monotonic()
        self.acked_event.clear()
        self.send({"event": kind, "seq": self.seq, **fields})
        return self.seq

    def ack(self, seq: int) -> None:
        if seq > self.acked:
            self.acked = min(seq, self.seq)
        if self.acked >= self.seq:
            self.unacked_since = None
            self.acked_event.set()

    @property
    def all_acked(self) -> bool:
        return self.acked >= self.seq

    def overdue(self, timeout_s: float) -> bool:
        return self.unacked_since is not None and time.monotonic() - self.unacked_since > timeout_s
