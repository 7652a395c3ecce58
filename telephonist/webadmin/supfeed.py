"""The supervisor page's and the wallboard's live channel (``GET /supervisor/events``), on the console server's
event loop like the live board's and the desktops' (livestream.py).

The live part is the agent desktops' state (deskfeed.py: one subscription to the ACD's topic ``queue`` for the
whole console, every agent's last state, the callers waiting per queue): ``BoardFeed`` adds the whole board to
it (every queue and agent at once). An ACD event does not go to the browsers as such: it marks the board changed,
and the board goes out once ``BOARD_DELAY_S`` later, so a burst of events costs one message per page. The
figures of today and of the last 15 minutes (supboard.py) are read from the database in a worker thread after
the ACD said a call was answered or left, at most every ``FIGURES_MIN_S`` and at least every ``FIGURES_MAX_S``
(the 15 minutes slide), once for all open pages, never per page.

A stream's viewer is ``"supervisor"`` or ``"wallboard"``; a wallboard gets the queues only (no agents, no
callers' numbers).
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any, Callable

from telephonist.webadmin.deskfeed import DeskFeed
from telephonist.webadmin.livefeed import ChandFeed
from telephonist.webadmin.livestream import EventStreams

log = logging.getLogger(__name__)

BOARD_DELAY_S = 0.1                  # events closer than this go out as one board
FIGURES_MIN_S = 3.0                  # the database is read at most this often ...
FIGURES_MAX_S = 30.0                 # ... and at least this often while a page is open
MAX_CALLERS = 20                     # the waiting callers of one queue the page lists (the count is whole)
AGENT_FIELDS = ("agent", "name", "state", "reason", "extension", "since", "queues", "call_id", "caller",
                "call_queue")
CALL_STATES = ("reserved", "ringing", "on_call", "on_hold")
FIGURE_KINDS = ("call_answered", "caller_left", "caller_joined")


class BoardFeed(DeskFeed):
    """The desktops' feed, also keeping when each agent's current call began, and giving the whole board."""

    def __init__(self, feed: ChandFeed) -> None:
        super().__init__(feed)
        self._calls: dict[str, tuple[str, float]] = {}      # agent -> (call id, when the page first saw it)
        self._calls_lock = threading.Lock()
        self.listeners.add(self._call_began)

    def _call_began(self, msg: dict[str, Any]) -> None:
        if msg.get("type") != "agent_state":
            return
        agent, call = str(msg.get("agent")), msg.get("call_id")
        with self._calls_lock:
            if not call or msg.get("state") not in CALL_STATES:
                self._calls.pop(agent, None)
            elif self._calls.get(agent, ("", 0.0))[0] != call:
                self._calls[agent] = (str(call), time.time())

    def board(self, queues: list[str]) -> dict[str, Any]:
        """Every queue (those named, then any other the ACD spoke of) with its waiting callers and agents by
        state, and every agent with its state, since when, its current call and since when."""
        with self._lock:
            agents = [dict(a) for a in sorted(self._agents.values(), key=lambda a: a["agent"])]
            waiting = {q: sorted(c.values(), key=lambda c: c["since"]) for q, c in self._waiting.items()}
        with self._calls_lock:
            calls = dict(self._calls)
        names = list(queues) + sorted(({q for a in agents for q in a.get("queues", ())} | set(waiting)) - set(queues))
        rows = []
        for q in names:
            callers = waiting.get(q, [])
            by_state: dict[str, int] = {}
            for a in agents:
                if q in a.get("queues", ()):
                    by_state[a.get("state", "logged_out")] = by_state.get(a.get("state", "logged_out"), 0) + 1
            rows.append({"queue": q, "waiting": len(callers), "oldest": callers[0]["since"] if callers else None,
                         "callers": [{"caller": c.get("caller", ""), "since": c["since"],
                                      "priority": c.get("priority", 0), "web": bool(c.get("web"))}
                                     for c in callers[:MAX_CALLERS]],
                         "agents": by_state})
        out_agents = []
        for a in agents:
            view = {k: a.get(k) for k in AGENT_FIELDS}
            began = calls.get(a["agent"])
            view["call_since"] = (began[1] if began and began[0] == a.get("call_id") else a["since"]) \
                if a.get("call_id") and a.get("state") in CALL_STATES else None
            out_agents.append(view)
        return {"queues": rows, "agents": out_agents}


class SupervisorStreams(EventStreams):
    """The supervisor pages' and wallboards' streams: a snapshot (board, settings, figures), then ``board`` and
    ``figures`` messages as they change, and the chand feed's ``connection``."""

    def __init__(self, desk: BoardFeed, read_figures: Callable[[], dict[str, Any]]) -> None:
        super().__init__()
        self.desk = desk
        self.read_figures = read_figures       # supboard.read_board_figures bound to the app (a worker thread)
        self.figures: dict[str, Any] = {"settings": {}, "figures": {}, "calls_today": {}}
        self._board_due: asyncio.TimerHandle | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None

    # ---- life --------------------------------------------------------------------------------------
    def start(self) -> None:
        super().start()
        self._wake = asyncio.Event()
        self._wake.set()                       # the settings and figures, once at start
        self._task = asyncio.get_running_loop().create_task(self._keep_figures())

    def close(self) -> None:
        super().close()
        if self._task is not None:
            self._task.cancel()
        if self._board_due is not None:
            self._board_due.cancel()

    def attach(self) -> None:
        self.desk.listeners.add(self._changed)
        self.desk.feed.add_listener(self._connection)

    def detach(self) -> None:
        self.desk.listeners.remove(self._changed)
        self.desk.feed.remove_listener(self._connection)

    # ---- the source (the chand feed's thread) ------------------------------------------------------
    def _changed(self, msg: dict[str, Any]) -> None:
        if msg.get("type") in ("notice", "notice_withdrawn"):    # webadmin/notices.py: the big-screen ones only
            if msg.get("wallboard"):
                self.hand_over({k: v for k, v in msg.items() if k != "agents"})
            return
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._board_changed, msg.get("type") in FIGURE_KINDS)
            except RuntimeError:               # the loop has closed: the server is gone
                self.detach()

    def _connection(self, msg: dict[str, Any]) -> None:
        if msg.get("type") == "connection":
            self.hand_over(msg)

    # ---- on the loop ---------------------------------------------------------------------------------
    def _board_changed(self, figures_too: bool) -> None:
        if figures_too and self._wake is not None:
            self._wake.set()
        if self._board_due is None and self._loop is not None:
            self._board_due = self._loop.call_later(BOARD_DELAY_S, self._send_board)

    def _send_board(self) -> None:
        self._board_due = None
        if self.open_streams:
            self._fan_out({"type": "board", "board": self._board(), "now": time.time()})

    def _board(self) -> dict[str, Any]:
        return self.desk.board(list(self.figures["settings"]))

    async def _keep_figures(self) -> None:
        assert self._wake is not None
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), FIGURES_MAX_S)
            except asyncio.TimeoutError:
                if not self.open_streams:
                    continue
            self._wake.clear()
            try:
                self.figures = await asyncio.to_thread(self.read_figures)
            except Exception as exc:           # the database is away: the pages keep the last figures
                log.warning("event=supervisor_figures_failed error=%s", exc)
            else:
                self._fan_out({"type": "figures", **self.figures})
            await asyncio.sleep(FIGURES_MIN_S)

    # ---- what a stream says ----------------------------------------------------------------------------
    def first(self, viewer: str) -> dict[str, Any]:
        return {"type": "snapshot", "board": self._board(), **self.figures, "connected": self.desk.feed.connected,
                "now": time.time()}

    def render(self, viewer: str, msg: dict[str, Any]) -> dict[str, Any]:
        if viewer != "wallboard" or "board" not in msg:
            return msg
        queues = [{**q, "callers": []} for q in msg["board"]["queues"]]
        return {**msg, "board": {"queues": queues, "agents": []}}
