"""Serving the console: one process, one port, an asyncio HTTP server (uvicorn) in front of Flask.

* ``GET /live/events`` (the live board's event stream), ``GET /agent/events`` (an agent
  desktop's), ``GET /supervisor/events`` and ``GET /wallboard/events`` (the supervisor page's, a
  wallboard's) are admitted by Flask like any request (the guard, the session, the ``live.view``,
  ``desk.use``, ``supervise.use`` or ``wallboard.view`` right) and then held on the event loop
  (livestream.py, deskfeed.py, supfeed.py): an open page costs a socket and a small queue, no thread.
* Every other request runs Flask (WSGI) on a bounded pool of worker threads (a2wsgi), once its
  body has been read whole on the event loop (spooled to a temporary file past 1 MiB, refused
  with 413 past the console's upload limit): a slow or stalled client never holds a worker.
* Started by systemd (``Type=notify``), it says READY=1 once it listens and pings the watchdog
  from its event loop; SIGTERM ends the event streams, lets the requests in progress finish
  (5 s at most) and stops.

Why uvicorn and a2wsgi rather than waitress: see docs/architecture.md ("The web console").
"""
from __future__ import annotations

import asyncio
import logging
import resource
import socket
import tempfile
import threading
from typing import Any

import uvicorn
from a2wsgi import WSGIMiddleware
from flask import Flask

from telephonist import sdnotify
from telephonist.webadmin.confstream import ConferenceStreams
from telephonist.webadmin.deskfeed import DeskStreams
from telephonist.webadmin.livestream import TICKET_HEADER, EventStreams, LiveStreams
from telephonist.webadmin.supboard import read_board_figures
from telephonist.webadmin.supfeed import SupervisorStreams

log = logging.getLogger(__name__)

EVENTS_PATH = "/live/events"
DESK_EVENTS_PATH = "/agent/events"
SUPERVISOR_EVENTS_PATHS = ("/supervisor/events", "/wallboard/events")       # one kind of stream, two admissions
CONFERENCE_EVENTS_PATH = "/conferences/events"
SPOOL_BYTES = 1 << 20               # a request body larger than this waits on disk, not in memory
BODY_CHUNK = 64 * 1024
SEND_QUEUE = 256                    # response chunks (8 KiB each) a worker may hand over before it waits
MAX_CONNECTIONS = 4096              # open connections (event streams included); more are answered 503
GRACEFUL_S = 5                      # requests in progress at a stop get this long to finish
_TICKET = TICKET_HEADER.lower().encode()


class ConsoleAsgi:
    """The console as one ASGI application: event streams on the loop, pages on the worker pool."""

    def __init__(self, app: Flask, workers: int) -> None:
        self.streams = LiveStreams(app.extensions["chand_feed"])
        app.extensions["live_streams"] = self.streams
        self.desk_streams = DeskStreams(app.extensions["desk_feed"])
        app.extensions["desk_streams"] = self.desk_streams
        self.supervisor_streams = SupervisorStreams(app.extensions["desk_feed"], lambda: read_board_figures(app))
        app.extensions["supervisor_streams"] = self.supervisor_streams
        self.conference_streams = ConferenceStreams(app.extensions["chand_feed"])
        app.extensions["conference_streams"] = self.conference_streams
        self.by_path: dict[str, EventStreams] = {EVENTS_PATH: self.streams, DESK_EVENTS_PATH: self.desk_streams,
                                                 **dict.fromkeys(SUPERVISOR_EVENTS_PATHS, self.supervisor_streams),
                                                 CONFERENCE_EVENTS_PATH: self.conference_streams}
        self.kinds = list(dict.fromkeys(self.by_path.values()))
        self.wsgi = WSGIMiddleware(app, workers=workers, send_queue_size=SEND_QUEUE)
        self.max_body = int(app.config["MAX_CONTENT_LENGTH"])

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1000})
        elif scope["path"] in self.by_path and scope["method"] == "GET":
            await self._events(self.by_path[scope["path"]], scope, receive, send)
        else:
            await self._page(scope, receive, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                for streams in self.kinds:
                    streams.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.close_streams()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def close_streams(self) -> None:
        for streams in self.kinds:
            streams.close()

    async def _page(self, scope: dict, receive: Any, send: Any) -> None:
        body = _Body()
        try:
            outcome = await body.read(receive, self.max_body)
            if outcome == "too_large":
                await _plain(send, 413, f"request body larger than {self.max_body} bytes")
            elif outcome == "complete":
                await self.wsgi(scope, body.replay, send)
        finally:
            body.close()

    async def _events(self, streams: EventStreams, scope: dict, receive: Any, send: Any) -> None:
        answer: list[dict] = []

        async def keep(message: dict) -> None:
            answer.append(message)
        await self.wsgi(scope, _no_body, keep)           # admission: the guard and the right, on a worker
        start = answer[0]
        ticket = next((v.decode() for k, v in start["headers"] if k == _TICKET), None)
        viewer = streams.claim(ticket) if start["status"] == 200 and ticket else None
        if viewer is None:                                 # the login page, 403, 503 ...: as Flask said
            for message in answer:
                await send(message)
            return
        headers = [(k, v) for k, v in start["headers"] if k not in (_TICKET, b"content-length")]
        await streams.stream(viewer, headers, receive, send)


class _Body:
    """A request body read whole on the event loop, then handed to the worker as ASGI messages."""

    def __init__(self) -> None:
        self.file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        self.size = 0

    async def read(self, receive: Any, limit: int) -> str:
        """complete, too_large or gone (the client left)."""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return "gone"
            chunk = message.get("body", b"")
            self.size += len(chunk)
            if self.size > limit:
                return "too_large"
            self.file.write(chunk)
            if not message.get("more_body", False):
                self.file.seek(0)
                return "complete"

    async def replay(self) -> dict:
        chunk = self.file.read(BODY_CHUNK)
        return {"type": "http.request", "body": chunk, "more_body": self.file.tell() < self.size}

    def close(self) -> None:
        self.file.close()


async def _no_body() -> dict:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _plain(send: Any, status: int, text: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": text.encode()})


class _Uvicorn(uvicorn.Server):
    """uvicorn's server, telling systemd when it listens and ending the event streams on a stop."""

    def __init__(self, config: uvicorn.Config, console: "ConsoleServer") -> None:
        super().__init__(config)
        self.console = console

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.console.listening()

    def handle_exit(self, sig: int, frame: Any) -> None:        # SIGTERM, SIGINT
        self.console.stopping()
        super().handle_exit(sig, frame)


class ConsoleServer:
    """The console on ``host:port`` (port 0: any free port, see ``port``), pages on ``workers`` threads."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 8080, workers: int = 16) -> None:
        self.asgi = ConsoleAsgi(app, workers)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.create_server((host, port), family=family, backlog=1024)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{'[' + host + ']' if family == socket.AF_INET6 else host}:{self.port}"
        config = uvicorn.Config(self.asgi, lifespan="on", log_config=None, access_log=False, proxy_headers=False,
                                server_header=False, limit_concurrency=_connection_limit(),
                                timeout_graceful_shutdown=GRACEFUL_S, timeout_keep_alive=5)
        self.server = _Uvicorn(config, self)
        self.ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watchdog: asyncio.Task | None = None
        self._thread: threading.Thread | None = None

    async def serve(self) -> None:
        """Until SIGTERM/SIGINT (in the main thread) or ``stop()``."""
        self._loop = asyncio.get_running_loop()
        try:
            await self.server.serve(sockets=[self.sock])
        finally:
            self.asgi.close_streams()
            if self._watchdog:
                self._watchdog.cancel()
            self.sock.close()

    def listening(self) -> None:
        log.info("event=webadmin_listening url=%s", self.url)
        sdnotify.notify("READY=1", f"STATUS=serving {self.url}")
        self._watchdog = asyncio.get_running_loop().create_task(sdnotify.keep_alive())
        self.ready.set()

    def stopping(self) -> None:
        """The server was told to stop: end the event streams so that it need not wait for them."""
        sdnotify.notify("STOPPING=1")
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.asgi.close_streams)

    def stop(self) -> None:
        """From any thread: stop as a SIGTERM would."""
        self.stopping()
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(GRACEFUL_S + 5)
            self._thread = None

    def start_in_thread(self, timeout: float = 15.0) -> "ConsoleServer":
        """Serve from a thread of its own (the tests, ``telephonist run`` uses the process); returns once it listens."""
        self._thread = threading.Thread(target=lambda: asyncio.run(self.serve()), name="webadmin-server", daemon=True)
        self._thread.start()
        if not self.ready.wait(timeout):
            raise RuntimeError("the console server did not start")
        return self


def _connection_limit() -> int:
    """MAX_CONNECTIONS, or fewer when the process may not open that many files (raised to its hard limit first)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = MAX_CONNECTIONS + 256
    if soft != resource.RLIM_INFINITY and soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
            soft = new
        except (ValueError, OSError):
            pass
    return MAX_CONNECTIONS if soft == resource.RLIM_INFINITY else max(64, min(MAX_CONNECTIONS, soft - 256))
