"""The web process's window on chand: line states for the live board, and placing calls.

One thread runs an asyncio loop holding two control-API connections:

* ``webadmin-monitor`` (role monitor): ``status`` at start, then ``subscribe``;
  every ``line_state`` updates the line table and is fanned out to the
  browsers' server-sent-event queues. A debounced ``status`` (at most once a
  second while lines change) fills in what line_state does not carry (owner,
  direction, call id). If chand goes away the board says so and the feed
  reconnects every two seconds.
* a short ``webadmin-admin`` connection (role admin) for a ``reload`` after the
  routing page wrote its conf.d file.
* the same monitor connection subscribes the topics listeners asked for (the ACD's
  ``queue``: the agent desktops, deskfeed.py) and hands each published body over.
* ``webadmin`` (role app), opened on first use, for ``dial`` and for ``request``s
  to applications (the agent desktop's ACD actions): the new channel
  belongs to the web admin, which hands it to ``handoff`` (an application
  string such as ``queue:sales``) once answered, and hangs up its side when
  the far end does.

Flask views (other threads) only read ``snapshot()`` and call ``originate()``,
which waits on the loop with a timeout. The browsers' event streams
(livestream.py) listen on the console server's own event loop: one
``add_listener`` callback hands each message over; ``subscribe()`` gives a
thread a queue of its own.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from typing import Any, Callable

from telephonist.client import ApiCallError, Client

log = logging.getLogger(__name__)
RETRY_S = 2.0
QUEUE_MAX = 2000


class FeedUnavailable(RuntimeError):
    """chand is not connected (or did not answer in time)."""


class Listeners:
    """Callbacks for a feed's messages: added and removed from any thread, called on the feed's (they must not block)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fns: set[Callable[[dict[str, Any]], None]] = set()

    def add(self, fn: Callable[[dict[str, Any]], None]) -> None:
        with self._lock:
            self._fns.add(fn)

    def remove(self, fn: Callable[[dict[str, Any]], None]) -> None:
        with self._lock:
            self._fns.discard(fn)

    def call(self, msg: dict[str, Any]) -> None:
        with self._lock:
            fns = list(self._fns)
        for fn in fns:
            fn(msg)


class ChandFeed:
    def __init__(self, socket: str) -> None:
        self.socket = socket
        self.connected = False
        self.node = ""
        self._lines: dict[str, dict[str, Any]] = {}
        self._spans: dict[str, dict[str, Any]] = {}
        self._groups: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._subs: set[queue.Queue] = set()
        self._listeners = Listeners()
        self._rooms: dict[str, dict[str, Any]] = {}     # conference rooms by name, as chand describes them
        self._room_listeners = Listeners()
        self._topics: dict[str, Listeners] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None
        self._refresh_due = False
        self._app: Client | None = None
        self._app_lock: asyncio.Lock | None = None
        self._handoffs: dict[str, str] = {}
        self._ready = threading.Event()
        self._up = threading.Event()

    # ---- life ------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="webadmin-chand-feed", daemon=True)
            self._thread.start()
            self._ready.wait(5)

    def stop(self) -> None:
        if self._loop and self._stopping:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread:
            self._thread.join(5)
            self._thread = None

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._stopping = asyncio.Event()
        self._app_lock = asyncio.Lock()
        self._ready.set()
        try:
            loop.run_until_complete(self._main())
        finally:
            self._loop = None
            loop.close()

    async def _main(self) -> None:
        assert self._stopping is not None
        while not self._stopping.is_set():
            try:
                await self._watch()
            except (OSError, ConnectionError, ApiCallError) as exc:
                log.debug("event=webadmin_feed_retry error=%s", exc)
            except Exception:
                log.exception("event=webadmin_feed_error")
            self._set_connected(False)
            try:
                await asyncio.wait_for(self._stopping.wait(), RETRY_S)
            except asyncio.TimeoutError:
                pass
        if self._app:
            await self._app.close()

    async def _watch(self) -> None:
        c = await Client.connect_unix(self.socket, app="webadmin-monitor", role="monitor")
        c.keep_events = False
        try:
            c.on("line_state", self._on_line_state)
            c.on("span_alarm", self._on_span_alarm)
            c.on("published", self._on_published)
            c.on("conference", self._on_conference)
            await self._refresh(c)
            await c.call("subscribe", lines=True, topics=sorted(self._topics))
            self._set_connected(True)
            log.info("event=webadmin_feed_connected socket=%s lines=%d", self.socket, len(self._lines))
            assert self._stopping is not None
            stop = asyncio.ensure_future(self._stopping.wait())
            closed = asyncio.ensure_future(c.closed.wait())
            while not (stop.done() or closed.done()):
                await asyncio.wait({stop, closed}, timeout=1.0)
                if self._refresh_due and not closed.done():
                    self._refresh_due = False
                    await self._refresh(c)
            stop.cancel()
            closed.cancel()
        finally:
            await c.close()

    async def _refresh(self, c: Client) -> None:
        st = await c.call("status")
        self.node = st.get("node", "")
        now = time.time()
        with self._lock:
            fresh = {}
            for ln in st["lines"]:
                line = _line(ln)
                line["since"] = now - ln.get("since_ms", 0) / 1000.0
                old = self._lines.get(ln["chan"])
                if old and old["state"] == line["state"]:
                    line["since"] = old["since"]       # keep our own clock for an unchanged state
                fresh[ln["chan"]] = line
            self._lines = fresh
            self._spans = {sp["name"]: dict(sp) for sp in st.get("spans", [])}
            self._groups = list(st.get("trunk_groups", []))
        self._publish({"type": "snapshot", **self.snapshot()})
        rooms = (await c.call("conf_rooms")).get("rooms", [])
        with self._lock:
            self._rooms = {r["name"]: r for r in rooms}
        self._room_listeners.call({"type": "rooms", "rooms": self.conference_rooms()})

    def _on_conference(self, ev: dict[str, Any]) -> None:
        room = ev.get("room") or {}
        with self._lock:
            self._rooms[str(room.get("name", ""))] = room
        self._room_listeners.call({"type": "room", "room": room})

    def _on_line_state(self, ev: dict[str, Any]) -> None:
        with self._lock:
            line = self._lines.setdefault(ev["chan"], {"chan": ev["chan"]})
            line.update(state=ev["state"], since=time.time())
            if ev["state"] == "idle":
                for k in ("caller", "dialled", "owner", "direction", "call_id", "application"):
                    line[k] = ""
            else:
                line.update(caller=ev.get("caller", "") or line.get("caller", ""),
                            dialled=ev.get("dialled", "") or line.get("dialled", ""))
            msg = {"type": "line", "line": dict(line)}
        self._refresh_due = True
        self._publish(msg)

    def _on_span_alarm(self, ev: dict[str, Any]) -> None:
        with self._lock:
            span = self._spans.setdefault(str(ev.get("span", "")), {"name": str(ev.get("span", ""))})
            span["alarms"] = ev.get("alarms", "")
        self._refresh_due = True
        self._publish({"type": "span", "span": dict(span)})

    def _on_published(self, ev: dict[str, Any]) -> None:
        listeners = self._topics.get(str(ev.get("topic", "")))
        if listeners is not None:
            listeners.call(ev.get("body") or {})

    def wait_connected(self, timeout: float) -> bool:
        """Block until the feed has chand's status (for start-up checks and tests)."""
        return self._up.wait(timeout)

    def _set_connected(self, on: bool) -> None:
        (self._up.set if on else self._up.clear)()
        if self.connected != on:
            self.connected = on
            self._publish({"type": "connection", "connected": on})

    # ---- browsers ----------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            lines = sorted((dict(v) for v in self._lines.values()), key=lambda ln: _chan_key(ln["chan"]))
            spans = [dict(v) for v in self._spans.values()]
            groups = [dict(g) for g in self._groups]
        return {"connected": self.connected, "node": self.node, "lines": lines, "now": time.time(),
                "spans": spans, "trunk_groups": groups}

    def subscribe(self) -> queue.Queue:
        q: queue.Queue = queue.Queue(maxsize=QUEUE_MAX)
        q.put({"type": "snapshot", **self.snapshot()})
        with self._lock:
            self._subs.add(q)
        return q

    def unsubscribe(self, q: queue.Queue) -> None:
        with self._lock:
            self._subs.discard(q)

    def add_listener(self, fn: Callable[[dict[str, Any]], None]) -> None:
        """Call ``fn(message)`` for every message, on the feed's thread (it must not block)."""
        self._listeners.add(fn)

    def remove_listener(self, fn: Callable[[dict[str, Any]], None]) -> None:
        self._listeners.remove(fn)

    def conference_rooms(self) -> list[dict[str, Any]]:
        """The conference rooms and their parties as chand last said (the Conferences page)."""
        with self._lock:
            return [dict(r) for _, r in sorted(self._rooms.items())]

    def add_room_listener(self, fn: Callable[[dict[str, Any]], None]) -> None:
        """Call ``fn(message)`` for every change of a conference room (``room``) and after each status
        (``rooms``), on the feed's thread (it must not block)."""
        self._room_listeners.add(fn)

    def remove_room_listener(self, fn: Callable[[dict[str, Any]], None]) -> None:
        self._room_listeners.remove(fn)

    def add_topic_listener(self, topic: str, fn: Callable[[dict[str, Any]], None]) -> None:
        """Call ``fn(body)`` for every event an application publishes under ``topic`` (the ACD's "queue"), on
        the feed's thread (it must not block). Topics are subscribed when the feed connects: add them first."""
        with self._lock:
            self._topics.setdefault(topic, Listeners()).add(fn)

    def _publish(self, msg: dict[str, Any]) -> None:
        with self._lock:
            subs = list(self._subs)
        self._listeners.call(msg)
        for q in subs:
            try:
                q.put_nowait(msg)
            except queue.Full:                 # a stalled browser: start it over from a snapshot
                with q.mutex:
                    q.queue.clear()
                q.put_nowait({"type": "snapshot", **self.snapshot()})

    # ---- placing calls -----------------------------------------------------------------------
    def originate(self, trunk_group: str, number: str, caller_id: str = "", timeout_ms: int = 45000,
                  handoff: str = "", wait_s: float = 10.0) -> dict[str, Any]:
        """Dial through chand; returns its reply (``chan``, ``call_id``). Raises ApiCallError or FeedUnavailable."""
        if self._loop is None or not self.connected:
            raise FeedUnavailable("not connected to chand")
        fut = asyncio.run_coroutine_threadsafe(
            self._dial(trunk_group, number, caller_id, timeout_ms, handoff), self._loop)
        try:
            return fut.result(wait_s)
        except TimeoutError:
            fut.cancel()
            raise FeedUnavailable("chand did not answer in time") from None

    # ---- asking applications ------------------------------------------------------------------
    def request(self, app: str, body: dict[str, Any], wait_s: float = 10.0) -> dict[str, Any]:
        """Ask an application through chand (the ACD: ``request("queue", {"action": "ready", ...})``) on the
        web admin's app connection; its answer's body. Raises ApiCallError (its refusal), or FeedUnavailable."""
        loop = self._loop
        if loop is None or not self.connected:
            raise FeedUnavailable("not connected to chand")
        fut = asyncio.run_coroutine_threadsafe(self._request(app, body, int(wait_s * 1000) - 500), loop)
        try:
            return fut.result(wait_s)
        except TimeoutError:
            fut.cancel()
            raise FeedUnavailable(f"{app} did not answer in time") from None
        except (OSError, ConnectionError) as exc:
            raise FeedUnavailable(f"cannot reach chand: {exc}") from None

    async def _request(self, app: str, body: dict[str, Any], timeout_ms: int) -> dict[str, Any]:
        c = await self._app_client()
        return await c.request(app, body, timeout_ms=max(1000, timeout_ms))

    def status(self, wait_s: float = 2.0) -> dict[str, Any]:
        """chand's `status` now (its engine clock: `time_ms`, `origin_ms`), asked on the app connection.
        Raises ApiCallError, or FeedUnavailable when chand cannot be reached in time."""
        loop = self._loop
        if loop is None or not self.connected:
            raise FeedUnavailable("not connected to chand")
        fut = asyncio.run_coroutine_threadsafe(self._status(), loop)
        try:
            return fut.result(wait_s)
        except TimeoutError:
            fut.cancel()
            raise FeedUnavailable("chand did not answer in time") from None
        except (OSError, ConnectionError) as exc:
            raise FeedUnavailable(f"cannot reach chand: {exc}") from None

    async def _status(self) -> dict[str, Any]:
        c = await self._app_client()
        return await c.call("status")

    # ---- administration --------------------------------------------------------------------
    def admin_request(self, cmd: str, wait_s: float = 30.0, **args: Any) -> dict[str, Any]:
        """One command with the admin role (``reload``) on a connection of its own.
        Raises ApiCallError, or FeedUnavailable when chand cannot be reached."""
        loop = self._loop
        if loop is None or loop.is_closed():
            raise FeedUnavailable("not connected to chand")
        fut = asyncio.run_coroutine_threadsafe(self._admin(cmd, args), loop)
        try:
            return fut.result(wait_s)
        except TimeoutError:
            fut.cancel()
            raise FeedUnavailable("chand did not answer in time") from None
        except (OSError, ConnectionError) as exc:
            raise FeedUnavailable(f"cannot reach chand: {exc}") from None

    async def _admin(self, cmd: str, args: dict[str, Any]) -> dict[str, Any]:
        c = await Client.connect_unix(self.socket, app="webadmin-admin", role="admin")
        c.keep_events = False
        try:
            reply = await c.call(cmd, **args)
        finally:
            await c.close()
        self._refresh_due = True                # trunk groups may have changed
        return reply

    async def _app_client(self) -> Client:
        assert self._app_lock is not None
        async with self._app_lock:
            if self._app is None or self._app.closed.is_set():
                c = await Client.connect_unix(self.socket, app="webadmin", role="app")
                c.keep_events = False
                c.on("answered", self._on_answered)
                c.on("hangup", self._on_hangup)
                c.on("ended", lambda ev: self._handoffs.pop(ev["chan"], None))
                c.on("dial_failed", lambda ev: self._handoffs.pop(ev["chan"], None))
                c.on("offer", self._on_offer)
                self._app = c
            return self._app

    async def _dial(self, trunk_group: str, number: str, caller_id: str, timeout_ms: int,
                    handoff: str) -> dict[str, Any]:
        c = await self._app_client()
        r = await c.call("dial", trunk_group=trunk_group, number=number, caller_id=caller_id,
                         timeout_ms=timeout_ms)
        self._handoffs[r["chan"]] = handoff
        log.info("event=webadmin_originate chan=%s number=%s handoff=%s", r["chan"], number, handoff or "-")
        return {"chan": r["chan"], "call_id": r.get("call_id")}

    async def _on_answered(self, ev: dict[str, Any]) -> None:
        target = self._handoffs.get(ev["chan"])
        if target and self._app:
            try:
                await self._app.call("handoff", chan=ev["chan"], app=target, reason="originate")
            except ApiCallError as exc:
                log.warning("event=webadmin_handoff_failed chan=%s app=%s error=%s", ev["chan"], target, exc)
                await self._app.call("hangup", chan=ev["chan"], cause="normal")

    async def _on_hangup(self, ev: dict[str, Any]) -> None:
        if self._app:
            try:
                await self._app.call("hangup", chan=ev["chan"], cause="normal")
            except ApiCallError:
                pass

    async def _on_offer(self, ev: dict[str, Any]) -> None:
        # nothing should route calls to the web admin; refuse rather than leave a caller hanging
        if self._app:
            try:
                await self._app.call("hangup", chan=ev["chan"], cause="rejected")
            except ApiCallError:
                pass


def _line(ln: dict[str, Any]) -> dict[str, Any]:
    return {"chan": ln["chan"], "kind": ln.get("kind", ""), "state": ln.get("state", ""),
            "caller": ln.get("caller", "") or "", "dialled": ln.get("dialled", "") or "",
            "owner": ln.get("owner") or "", "direction": ln.get("direction", "") or "",
            "call_id": ln.get("call_id", "") or "", "application": ln.get("application") or ""}


def _chan_key(chan: str) -> tuple[str, int, str]:
    span, _, rest = chan.partition("/")
    num = "".join(ch for ch in rest if ch.isdigit())
    return (span, int(num) if num else 0, rest)
