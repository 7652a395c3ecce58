"""Message waiting: a phone shows the unheard messages of the box numbered like its extension.

ivrd tells chand (`mwi` command: the count, 0 to clear); chand's phone ports
show it (FSK to the idle phone, stutter dial tone, the card's lamp). It sweeps
the boxes after each change this ivrd makes (a deposit, a message heard, saved
or deleted: the store tells it) and every SWEEP_S for changes made elsewhere
(the web admin's inbox, another ivrd). After (re)connecting to chand it sends
every box again: chand keeps no such state across its own restarts.
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from telephonist.ivrd.voicemail.store import VoicemailStore

log = logging.getLogger("telephonist.ivrd.voicemail")

SWEEP_S = 10.0
EXTENSION = re.compile(r"[0-9*#]{1,32}")


class MessageWaiting:
    def __init__(self, store: VoicemailStore, sweep_s: float = SWEEP_S) -> None:
        self.store = store
        self.sweep_s = sweep_s
        self.client: Any = None
        self.sent: dict[str, int] = {}          # box -> count chand was last told
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._task: asyncio.Task | None = None
        store.listeners.append(self.changed)

    def attach(self, client: Any) -> None:
        """A new connection to chand: tell it every box again."""
        self.client = client
        self.sent.clear()
        if self._task is None:
            self._task = self._loop.create_task(self._run())
        self._wake.set()

    def changed(self) -> None:
        """The store wrote something (from any thread): sweep soon."""
        self._loop.call_soon_threadsafe(self._wake.set)

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self.sweep_s)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.sweep()
            except Exception:
                log.exception("event=mwi_sweep_failed")

    async def sweep(self) -> int:
        """Tell chand each box whose count changed since it was last told; returns how many."""
        client = self.client
        if client is None or client.closed.is_set():
            return 0
        counts = await asyncio.to_thread(self.store.waiting_counts)
        told = 0
        for box in sorted(set(counts) | set(self.sent)):
            n = counts.get(box, 0)
            if self.sent.get(box) == n or not EXTENSION.fullmatch(box):
                continue
            try:
                reply = await client.call("mwi", extension=box, messages=n)
            except ConnectionError:
                return told                     # chand went away: all again after reconnecting
            except Exception as exc:            # an error reply: keep the connection, try at the next sweep
                log.warning("event=mwi_refused mailbox=%s why=%s", box, exc)
                continue
            self.sent[box] = n
            told += 1
            if reply.get("lines"):
                log.info("event=mwi mailbox=%s messages=%s lines=%s", box, n, ",".join(reply["lines"]))
        return told

    async def close(self) -> None:
        if self.changed in self.store.listeners:
            self.store.listeners.remove(self.changed)
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
