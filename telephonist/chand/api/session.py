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
ROLE_RANK = {"monitor": 0, "app": 1, "admin": 2}
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
        self.outstanding: dict[int, float] = {}   # seq -> wall time sent, until acknowledged
        self._out: list[bytes] = []               # written once per loop turn, not once per message
        self._flush_scheduled = False
        self.subscribed = False         # receives every line's state changes (live boards)
        self.subscribed_calls = False   # receives what happens on every call (call_event: play, collect ...)
        self.closed = False
        self.acked_event = asyncio.Event()
        self.token: str | None = None    # TCP: the token it said hello with
        self.token_name: str | None = None   # ... and that token's name in the configuration
        self.topics: set[str] = set()    # what other applications publish that it subscribed to
        self.tasks: set[asyncio.Task] = set()   # replies still to come (requests to other applications)
        self.timers: dict[int, str] = {}         # its timers on the engine clock: handle -> key
        self.connected_at = asyncio.get_running_loop().time()

    def close(self) -> None:
        """Hang up on the application (the server's read loop then ends and tells the switchboard)."""
        self.flush()
        self.closed = True
        try:
            self.writer.close()
        except Exception:
            pass

    @property
    def name(self) -> str:
        return f"{self.app or 'anonymous'}#{self.id}"

    def send(self, msg: dict[str, Any]) -> None:
        if self.closed:
            return
        self._out.append(json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode() + b"\n")
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self._flush_scheduled = False
        if self.closed or not self._out:
            self._out.clear()
            return
        data = b"".join(self._out)
        self._out.clear()
        try:
            self.writer.write(data)
        except (ConnectionError, RuntimeError) as exc:
            log.info("event=session_write_failed session=%s error=%s", self.name, exc)
            self.closed = True

    def send_event(self, kind: str, **fields: Any) -> int:
        self.seq += 1
        self.outstanding[self.seq] = time.monotonic()
        self.acked_event.clear()
        self.send({"event": kind, "seq": self.seq, **fields})
        return self.seq

    def ack(self, seq: int) -> None:
        """Acknowledge one event (applications may handle events of different calls out of order)."""
        self.outstanding.pop(seq, None)
        if not self.outstanding:
            self.acked_event.set()

    @property
    def all_acked(self) -> bool:
        return not self.outstanding

    def overdue(self, timeout_s: float) -> bool:
        if not self.outstanding:
            return False
        return time.monotonic() - min(self.outstanding.values()) > timeout_s
