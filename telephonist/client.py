"""An asyncio client of chand's control API, for ivrd, faxd, the demo and tests.

    async with Client.connect_unix(path, app="ivr") as c:
        c.on("offer", handle_offer)             # handlers may be async
        await c.call("answer", chan=ev["chan"])

Events are acknowledged once their handlers have run, which is what lets a
lockstep chand hold its clock until the application has reacted.

A client remembers the last RECENT_EVENTS events (enough for `mark()` before a
command and `wait_for(since=mark)` after it), so a daemon's memory stays flat
however long it runs; tests connect with keep_events=True to keep them all.
"""
from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import logging
from collections import defaultdict, deque
from itertools import islice
from typing import Any, Awaitable, Callable, Iterator

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None] | None]
RECENT_EVENTS = 1000          # events a client remembers unless it keeps them all


class EventsForgotten(LookupError):
    """A position in the event history older than what the client still remembers."""


class EventHistory:
    """The events a client has seen, by position (0 = the first one): all of them, or only the last
    `limit`. Positions count on either way, so a mark taken before a command finds what followed it.
    Reads like a list of what is kept; a slice's non-negative bounds are positions."""

    def __init__(self, limit: int | None, kept: tuple[dict[str, Any], ...] = (), end: int = 0) -> None:
        self._items: deque[dict[str, Any]] = deque(kept, maxlen=limit)
        self.end = end + len(kept)                 # the position after the last event seen

    @property
    def limit(self) -> int | None:
        return self._items.maxlen

    @property
    def start(self) -> int:
        """The position of the oldest event still kept."""
        return self.end - len(self._items)

    def with_limit(self, limit: int | None) -> "EventHistory":
        return EventHistory(limit, tuple(self._items), self.start)

    def append(self, ev: dict[str, Any]) -> None:
        self._items.append(ev)
        self.end += 1

    def since(self, position: int) -> list[dict[str, Any]]:
        """The events from `position` on; EventsForgotten when some of them are no longer kept."""
        if position < self.start:
            raise EventsForgotten(f"events from position {position} on were asked for, but only the last "
                                  f"{len(self._items)} (from {self.start}) are kept: connect with keep_events=True")
        return list(islice(self._items, position - self.start, None))

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._items)

    def __getitem__(self, key: int | slice) -> Any:
        if isinstance(key, int):
            return self._items[key] if key < 0 else self.since(key)[0]
        if key.step not in (None, 1):
            raise ValueError("an event history is sliced without a step")
        lo = self.start if key.start is None else max(self.end + key.start, self.start) if key.start < 0 else key.start
        hi = self.end if key.stop is None else self.end + key.stop if key.stop < 0 else min(key.stop, self.end)
        return self.since(lo)[:max(hi - lo, 0)]


class ApiCallError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, keep_events: bool = False) -> None:
        self.reader = reader
        self.writer = writer
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future] = {}
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._waiters: list[tuple[Callable[[dict[str, Any]], bool], asyncio.Future]] = []
        self.events = EventHistory(None if keep_events else RECENT_EVENTS)   # tests read it
        self.session: str | None = None
        self._reader_task: asyncio.Task | None = None
        self._dispatch_task: asyncio.Task | None = None
        self._queue: asyncio.Queue = asyncio.Queue()
        self._lane_tasks: list[asyncio.Task] = []
        self.closed = asyncio.Event()
        self.auto_ack = True

    @property
    def keep_events(self) -> bool:
        """True: every event stays in `events` (tests); False: the last RECENT_EVENTS (daemons)."""
        return self.events.limit is None

    @keep_events.setter
    def keep_events(self, keep: bool) -> None:
        self.events = self.events.with_limit(None if keep else RECENT_EVENTS)

    # ---- connecting ----------------------------------------------------------------------
    @classmethod
    async def connect_unix(cls, path: str, app: str, role: str = "app", keep_events: bool = False) -> "Client":
        r, w = await asyncio.open_unix_connection(path, limit=1 << 20)
        return await cls._start(r, w, app, role, None, keep_events)

    @classmethod
    async def connect_tcp(cls, host: str, port: int, app: str, token: str, role: str = "app", ssl=None,
                          keep_events: bool = False) -> "Client":
        r, w = await asyncio.open_connection(host, port, ssl=ssl, limit=1 << 20)
        return await cls._start(r, w, app, role, token, keep_events)

    @classmethod
    async def _start(cls, r, w, app, role, token, keep_events) -> "Client":
        c = cls(r, w, keep_events)
        c.app = app                   # the name it said hello as (what it publishes under)
        loop = asyncio.get_running_loop()
        c._reader_task = loop.create_task(c._read_loop())
        c._dispatch_task = loop.create_task(c._dispatch_loop())
        args: dict[str, Any] = {"app": app, "role": role}
        if token:
            args["token"] = token
        reply = await c.call("hello", **args)
        c.session = reply["session"]
        return c

    async def __aenter__(self) -> "Client":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        try:
            self.writer.close()
            await self.writer.wait_closed()
        except Exception:
            pass
        for task in [self._reader_task, self._dispatch_task, *self._lane_tasks]:
            if task:
                task.cancel()

    # ---- requests --------------------------------------------------------------------------
    def send_raw(self, data: bytes) -> None:
        self.writer.write(data)

    async def call(self, cmd: str, **args: Any) -> dict[str, Any]:
        rid = next(self._ids)
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        try:
            self.writer.write(json.dumps({"id": rid, "cmd": cmd, **args}).encode() + b"\n")
            await self.writer.drain()
        except BaseException:
            self._pending.pop(rid, None)      # never sent: nobody will wait for its reply
            fut.cancel()
            raise
        return await fut

    async def request(self, app: str, body: dict[str, Any] | None = None, timeout_ms: int = 5000) -> dict[str, Any]:
        """Ask another application through chand; its answer's body (ApiCallError if it refuses)."""
        reply = await self.call("request", app=app, body=body or {}, timeout_ms=timeout_ms)
        return reply.get("body") or {}

    def serve_requests(self, handler: Callable[[dict[str, Any]], Awaitable[dict[str, Any]] | dict[str, Any]]) -> None:
        """Answer the requests other applications send this one: handler(request event) -> body; an
        ApiCallError it raises becomes the refusal (its code and message), anything else 'internal'. A
        handler that must act only once the asker has its answer puts a callable in ev["after_reply"]."""
        async def on_request(ev: dict[str, Any]) -> None:
            try:
                body = handler(ev)
                if inspect.isawaitable(body):
                    body = await body
            except ApiCallError as exc:
                await self.call("respond", request=ev["request"], ok=False,
                                error={"code": exc.code, "message": exc.message})
            except Exception as exc:
                log.exception("event=request_handler_failed request=%s", ev.get("request"))
                await self.call("respond", request=ev["request"], ok=False,
                                error={"code": "internal", "message": str(exc)[:500]})
            else:
                await self.call("respond", request=ev["request"], ok=True, body=body or {})
                after = ev.get("after_reply")
                if callable(after):
                    after()
        self.on("request", on_request)

    # ---- events ------------------------------------------------------------------------------
    def on(self, kind: str, handler: Handler) -> None:
        self._handlers[kind].append(handler)

    @staticmethod
    def _predicate(pred: Callable[[dict[str, Any]], bool] | str, match: dict[str, Any]):
        if isinstance(pred, str):
            kind = pred
            return lambda e: e.get("event") == kind and all(e.get(k) == v for k, v in match.items())
        return pred

    def expect(self, pred: Callable[[dict[str, Any]], bool] | str, **match: Any) -> asyncio.Future:
        """A future for the next matching event, registered now (before the action that causes it)."""
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self._waiters.append((self._predicate(pred, match), fut))
        return fut

    def mark(self) -> int:
        """A position in the event history, for wait_for(since=...)."""
        return self.events.end

    async def wait_for(self, pred: Callable[[dict[str, Any]], bool] | str, timeout: float = 30.0,
                       since: int | None = None, **match: Any) -> dict[str, Any]:
        """The first matching event after position `since` (default: from now on)."""
        p = self._predicate(pred, match)
        if since is not None:
            for ev in self.events.since(since):
                if p(ev):
                    return ev
        fut = self.expect(p)
        try:
            return await asyncio.wait_for(fut, timeout)
        finally:
            self._forget_waiter(fut)

    def _forget_waiter(self, fut: asyncio.Future) -> None:
        self._waiters = [(p, f) for p, f in self._waiters if f is not fut]

    async def _read_loop(self) -> None:
        try:
            while True:
                raw = await self.reader.readline()
                if not raw:
                    break
                msg = json.loads(raw)
                if "reply" in msg:
                    fut = self._pending.pop(msg["reply"], None) if msg["reply"] is not None else None
                    if fut is None:
                        log.warning("event=unsolicited_reply msg=%s", msg)
                        self.events.append(msg)
                        continue
                    if fut.done():                  # its caller was cancelled while the reply was on its way
                        continue
                    if msg.get("ok"):
                        fut.set_result(msg)
                    else:
                        err = msg.get("error", {})
                        fut.set_exception(ApiCallError(err.get("code", "error"), err.get("message", "")))
                    # The caller runs before the events read after its reply (they may be in the same
                    # buffer): a wait_for it starts right after the reply sees what the command caused.
                    await asyncio.sleep(0)
                elif "event" in msg:
                    self.events.append(msg)
                    self._resolve_waiters(msg)
                    self._queue.put_nowait(msg)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.closed.set()
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("chand closed the connection"))

    def _resolve_waiters(self, ev: dict[str, Any]) -> None:
        """The waiters this event is for get it; they and any given up on (timed out, cancelled) go."""
        left = []
        for pred, fut in self._waiters:
            if fut.done():
                continue
            try:
                matched = pred(ev)
            except Exception as exc:          # the waiter's own mistake: it hears of it, the reader goes on
                fut.set_exception(exc)
                continue
            if matched:
                fut.set_result(ev)
            else:
                left.append((pred, fut))
        self._waiters = left

    async def _dispatch_loop(self) -> None:
        """Handlers run apart from the reader (so they may await calls): in order for each channel,
        concurrently across channels, so one slow call does not hold up the others."""
        lanes: dict[str, asyncio.Queue] = {}

        async def lane(q: asyncio.Queue) -> None:
            while True:
                await self._dispatch(await q.get())

        while True:
            ev = await self._queue.get()
            key = str(ev.get("chan") or ev.get("far") or "")
            q = lanes.get(key)
            if q is None:
                q = lanes[key] = asyncio.Queue()
                self._lane_tasks.append(asyncio.get_running_loop().create_task(lane(q)))
            q.put_nowait(ev)

    async def _dispatch(self, ev: dict[str, Any]) -> None:
        for handler in self._handlers.get(ev["event"], []) + self._handlers.get("*", []):
            try:
                res = handler(ev)
                if inspect.isawaitable(res):
                    await res
            except Exception:
                log.exception("event=handler_failed event=%s", ev.get("event"))
        # let work the handlers started reach its first wait before saying we are done
        await asyncio.sleep(0)
        if self.auto_ack:
            self.ack(ev["seq"])

    def ack(self, seq: int) -> None:
        try:
            self.writer.write(json.dumps({"ack": seq}).encode() + b"\n")
        except Exception:
            pass
