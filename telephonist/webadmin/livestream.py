"""The console's event streams (server-sent events: the live board's, the agent desktop's), served on the
console server's event loop.

A browser's ``GET /live/events`` is first a normal request: the console's guard and the view
``live.events`` (a worker thread, a few milliseconds) check the session and the ``live.view``
right; the view answers with an admission ticket in a response header. The server (server.py)
then holds the connection here, on its event loop: an open board costs a small queue and a
socket, never a worker thread, so hundreds of open boards leave every thread to the pages.

A board's stream (``LiveStreams``) starts with a snapshot, then gets every message of the chand feed
as the user may see it (livefilter.py); an agent desktop's (``/agent/events``, deskfeed.DeskStreams,
admitted with ``desk.use``) gets the ACD's events that concern the user's agent. A browser that cannot keep up loses its backlog and starts over from a
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
BATCH_MAX = 200                             # queued messages one write may carry


class EventStreams:
    """Every open event stream of one kind on one console server: admission tickets, one small queue per
    browser, the fan-out of a source's messages and the stream itself. ``admit`` is called on a worker thread,
    everything else on the server's event loop. A kind says what a stream starts with (``first``), which
    messages it wants (``wants``) and how one reads for its viewer (``render``); the viewer is whatever the
    admission view gave (the live board: the user; the agent desktop: the user and the agent)."""

    def __init__(self) -> None:
        self._tickets: dict[str, Any] = {}
        self._tickets_lock = threading.Lock()
        self._queues: dict[asyncio.Queue, Any] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing: asyncio.Event | None = None

    # ---- what a kind of stream says (overridden) ---------------------------------------------------
    def attach(self) -> None:
        """Start listening to the source (call ``hand_over`` with each message)."""

    def detach(self) -> None:
        """Stop listening to the source."""

    def first(self, viewer: Any) -> dict[str, Any]:
        """The message a stream starts with, and starts over with after falling behind (a snapshot)."""
        raise NotImplementedError

    def wants(self, viewer: Any, msg: dict[str, Any]) -> bool:
        return True

    def render(self, viewer: Any, msg: dict[str, Any]) -> dict[str, Any]:
        return msg

    # ---- life (on the server's loop) -------------------------------------------------------------
    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._closing = asyncio.Event()
        self.attach()

    def close(self) -> None:
        """End every stream (the server is stopping); the browsers will reconnect to the next one."""
        self.detach()
        if self._closing is not None:
            self._closing.set()

    @property
    def open_streams(self) -> int:
        return len(self._queues)

    # ---- admission (on a worker thread) ----------------------------------------------------------
    def admit(self, viewer: Any) -> str:
        """A one-time ticket for ``viewer``'s stream, which the server claims right after the view returns."""
        ticket = secrets.token_urlsafe(16)
        with self._tickets_lock:
            self._tickets[ticket] = viewer
        return ticket

    def claim(self, ticket: str) -> Any | None:
        with self._tickets_lock:
            return self._tickets.pop(ticket, None)

    # ---- fan-out -----------------------------------------------------------------------------------
    def hand_over(self, msg: dict[str, Any]) -> None:
        """On the source's thread: one hand-over to the loop per message, whatever the number of streams."""
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._fan_out, msg)
            except RuntimeError:               # the loop has closed: the server is gone
                self.detach()

    def _fan_out(self, msg: dict[str, Any]) -> None:
        # a message every viewer sees alike is encoded once for all of its streams
        shared = self._encode(msg) if type(self).render is EventStreams.render else None
        for q, viewer in self._queues.items():
            if not self.wants(viewer, msg):
                continue
            try:
                q.put_nowait((msg, shared))
            except asyncio.QueueFull:          # a stalled browser: start it over from a snapshot
                while not q.empty():
                    q.get_nowait()
                q.put_nowait((self.first(viewer), None))

    # ---- one stream --------------------------------------------------------------------------------
    async def stream(self, viewer: Any, headers: list[tuple[bytes, bytes]], receive: Any, send: Any) -> None:
        """Answer one admitted browser (ASGI ``receive``/``send``) until it goes, the stream's time is
        up or the server stops."""
        assert self._closing is not None, "start() first"
        q: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_MAX)
        self._queues[q] = viewer               # before the snapshot: nothing falls between the two
        gone = asyncio.ensure_future(_disconnected(receive))
        closing = asyncio.ensure_future(self._closing.wait())
        get: asyncio.Future | None = None
        deadline = asyncio.get_running_loop().time() + MAX_STREAM_S
        try:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await _body(send, f"retry: {RETRY_MS}\n\n" + self._event(viewer, self.first(viewer)))
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
                    # what else is queued already goes in the same write: one send for a burst of events
                    items, get = [get.result()], None
                    while len(items) < BATCH_MAX and not q.empty():
                        items.append(q.get_nowait())
                    text = "".join(shared or self._event(viewer, msg) for msg, shared in items)
                else:
                    text = ": keepalive\n\n"
                await _body(send, text)
            if not gone.done():
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError as exc:                 # the browser went while we wrote
            log.debug("event=live_stream_gone error=%s", exc)
        finally:
            self._queues.pop(q, None)
            for f in (get, gone, closing):
                if f is not None:
                    f.cancel()

    def _event(self, viewer: Any, msg: dict[str, Any]) -> str:
        return self._encode(self.render(viewer, msg), msg["type"])

    @staticmethod
    def _encode(msg: dict[str, Any], kind: str | None = None) -> str:
        return f"event: {kind or msg['type']}\ndata: {json.dumps(msg, ensure_ascii=False)}\n\n"


class LiveStreams(EventStreams):
    """The live board's streams: the chand feed's line table, as each user may see it (livefilter.py)."""

    def __init__(self, feed: ChandFeed) -> None:
        super().__init__()
        self.feed = feed

    def attach(self) -> None:
        self.feed.add_listener(self.hand_over)

    def detach(self) -> None:
        self.feed.remove_listener(self.hand_over)

    def first(self, viewer: User) -> dict[str, Any]:
        return {"type": "snapshot", **self.feed.snapshot()}

    def render(self, viewer: User, msg: dict[str, Any]) -> dict[str, Any]:
        return message_for(viewer, msg)


async def _body(send: Any, text: str) -> None:
    await send({"type": "http.response.body", "body": text.encode(), "more_body": True})


async def _disconnected(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
