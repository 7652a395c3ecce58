"""The live board's event streams (server-sent events), served on the console server's event loop.

A browser's ``GET /live/events`` is first a normal request: the console's guard and the view
``live.events`` (a worker thread, a few milliseconds) check the session and the ``live.view``
right; the view answers with an admission ticket in a response header. The server (server.py)
then holds the connection here, on its event loop: an open board costs a small queue and a
socket, never a worker thread, so hundreds of open boards leave every thread to the pages.

Each stream starts with a snapshot, then gets every message of the chand feed as the user may
see it (livefilter.py); a browser that cannot keep up loses its backlog and starts over from a
fresh snapshot. A comment line every 15 s keeps proxies from closing an idle stream. A stream
ends after ``MAX_STREAM_S`` (the browser reconnects by itself two seconds later, through the
guard again: a session that ended or a right that was taken away stops the board within that
time) and when the server stops.
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
from typing import Any

from telephonist.webadmin.accounts import User
from telephonist.webadmin.livefeed import ChandFeed
from telephonist.webadmin.livefilter import message_for

log = logging.getLogger(__name__)

TICKET_HEADER = "X-Telephonist-Stream"      # set by the admission view, removed before the browser sees it
KEEPALIVE_S = 15.0
MAX_STREAM_S = 600.0
QUEUE_MAX = 2000                            # messages a slow browser may fall behind before it starts over
RETRY_MS = 2000


class LiveStreams:
    """Every open event stream of one console server. ``admit`` is called on a worker thread,
    everything else on the server's event loop."""

    def __init__(self, feed: ChandFeed) -> None:
        self.feed = feed
        self._tickets: dict[str, User] = {}
        self._tickets_lock = threading.Lock()
        self._queues: set[asyncio.Queue] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing: asyncio.Event | None = None

    # ---- life (on the server's loop) -------------------------------------------------------------
    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._closing = asyncio.Event()
        self.feed.add_listener(self._from_feed)

    def close(self) -> None:
        """End every stream (the server is stopping); the browsers will reconnect to the next one."""
        self.feed.remove_listener(self._from_feed)
        if self._closing is not None:
            self._closing.set()

    @property
    def open_streams(self) -> int:
        return len(self._queues)

    # ---- admission (on a worker thread) ----------------------------------------------------------
    def admit(self, user: User) -> str:
        """A one-time ticket for ``user``'s stream, which the server claims right after the view returns."""
        ticket = secrets.token_urlsafe(16)
        with self._tickets_lock:
            self._tickets[ticket] = user
        return ticket

    def claim(self, ticket: str) -> User | None:
        with self._tickets_lock:
            return self._tickets.pop(ticket, None)

    # ---- fan-out -----------------------------------------------------------------------------------
    def _from_feed(self, msg: dict[str, Any]) -> None:
        """On the feed's thread: one hand-over to the loop per message, whatever the number of streams."""
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._fan_out, msg)
            except RuntimeError:               # the loop has closed: the server is gone
                self.feed.remove_listener(self._from_feed)

    def _fan_out(self, msg: dict[str, Any]) -> None:
        for q in self._queues:
            try:
                q.put_nowait(msg)
            except asyncio.QueueFull:          # a stalled browser: start it over from a snapshot
                while not q.empty():
                    q.get_nowait()
                q.put_nowait({"type": "snapshot", **self.feed.snapshot()})

    # ---- one stream --------------------------------------------------------------------------------
    async def stream(self, user: User, headers: list[tuple[bytes, bytes]], receive: Any, send: Any) -> None:
        """Answer one admitted browser (ASGI ``receive``/``send``) until it goes, the stream's time is
        up or the server stops."""
        assert self._closing is not None, "start() first"
        q: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_MAX)
        self._queues.add(q)                    # before the snapshot: nothing falls between the two
        gone = asyncio.ensure_future(_disconnected(receive))
        closing = asyncio.ensure_future(self._closing.wait())
        get: asyncio.Future | None = None
        deadline = asyncio.get_running_loop().time() + MAX_STREAM_S
        try:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await _body(send, f"retry: {RETRY_MS}\n\n" + _event(user, {"type": "snapshot", **self.feed.snapshot()}))
            while True:
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    break
                if get is None:
                    get = asyncio.ensure_future(q.get())
                done, _ = await asyncio.wait({get, gone, closing}, timeout=min(KEEPALIVE_S, left),
                                             return_when=asyncio.FIRST_COMPLETED)
                if gone in done or closing in done:
                    break
                if get in done:
                    text, get = _event(user, get.result()), None
                else:
                    text = ": keepalive\n\n"
                await _body(send, text)
            if not gone.done():
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError as exc:                 # the browser went while we wrote
            log.debug("event=live_stream_gone error=%s", exc)
        finally:
            self._queues.discard(q)
            for f in (get, gone, closing):
                if f is not None:
                    f.cancel()


def _event(user: User, msg: dict[str, Any]) -> str:
    return f"event: {msg['type']}\ndata: {json.dumps(message_for(user, msg), ensure_ascii=False)}\n\n"


async def _body(send: Any, text: str) -> None:
    await send({"type": "http.response.body", "body": text.encode(), "more_body": True})


async def _disconnected(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
