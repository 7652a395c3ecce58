"""The ACD as the agent desktops see it: every agent's last state and the callers waiting in each queue,
kept from the ACD's events (topic ``queue``, through the chand feed's monitor connection) and from its
``status`` (each desktop page load asks it, so a console started before the ACD catches up), and the ACD's
requests (through the chand feed's app connection).

Which events concern which agent (``concerns``): its own state changes and calls (``agent_state``,
``call_answered``, ``transferred``, ``consulting``, ``conference``, ``supervising`` naming it) and the
comings and goings of callers in the queues it serves. Times are turned into the console's clock once,
here (``since``: seconds since the epoch), so that a browser shows how long a state or a wait has lasted
whatever the engine's clock is.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from telephonist.webadmin.livefeed import ChandFeed, Listeners
from telephonist.webadmin.livestream import EventStreams

TOPIC = "queue"                      # what the ACD publishes under (docs/acd.md, "Events")
AGENT_KINDS = ("agent_state", "call_answered", "transferred", "consulting", "conference", "supervising",
               "outbound_answered", "outbound_failed", "ivr_step_started", "ivr_step_done",
               "chat_offered", "chat_accepted", "chat_returned", "chat_message", "chat_ended")     # web chats: its own
MESSAGES_SHOWN = 20                    # the last messages for an agent a new desktop starts with
CALLER_KINDS = ("caller_joined", "caller_left", "callback_taken", "call_answered")
MAX_WAITING = 50                     # callers of one queue a desktop lists (as the ACD's status does)


class DeskFeed:
    def __init__(self, feed: ChandFeed) -> None:
        self.feed = feed
        self._lock = threading.Lock()
        self._agents: dict[str, dict[str, Any]] = {}
        self._waiting: dict[str, dict[str, dict[str, Any]]] = {}     # queue -> call_id -> caller
        self._messages: list[dict[str, Any]] = []                     # the last short messages (the ACD's status)
        self.listeners = Listeners()          # each event for the desktops (DeskStreams), on the feed's thread
        feed.add_topic_listener(TOPIC, self._on_event)

    # ---- asking the ACD (worker threads) ---------------------------------------------------------
    def ask(self, action: str, **args: Any) -> dict[str, Any]:
        """One ACD request; its answer. Raises ApiCallError (the ACD's refusal) or FeedUnavailable."""
        return self.feed.request(TOPIC, {"action": action, **args})

    def refresh(self) -> dict[str, Any]:
        """The ACD's status, taken into the cache; returns it."""
        status = self.ask("status")
        self.absorb(status)
        return status

    def absorb(self, status: dict[str, Any]) -> None:
        now, at = time.time(), status.get("time_ms", 0)
        with self._lock:
            for a in status.get("agents", []):
                self._keep_agent(a, at, now)
            for q in status.get("queues", []):
                self._waiting[q["queue"]] = {c["call_id"]: {**c, "queue": q["queue"],
                                                            "since": now - c.get("wait_ms", 0) / 1000.0}
                                             for c in q.get("callers", [])}
            if "messages" in status:
                self._messages = [m for m in status["messages"] if isinstance(m, dict)]

    def _keep_agent(self, a: dict[str, Any], at: int, now: float) -> dict[str, Any] | None:
        """An agent's state as of engine time ``at``, unless the cache has a later one."""
        old = self._agents.get(a["agent"])
        if old is not None and old["at_ms"] > at:
            return None
        since = now - max(0, at - a.get("since_ms", at)) / 1000.0
        if old is not None and old["state"] == a.get("state") and old.get("since_ms") == a.get("since_ms"):
            since = old["since"]                # the same state: keep the clock it started
        agent = {**a, "at_ms": at, "since": since}
        self._agents[a["agent"]] = agent
        return agent

    # ---- the ACD's events (the chand feed's thread) ----------------------------------------------
    def _on_event(self, body: dict[str, Any]) -> None:
        kind = body.get("kind")
        if not isinstance(kind, str):
            return
        now = time.time()
        msg = {**body, "type": kind}
        with self._lock:
            if kind == "agent_state" and isinstance(body.get("agent"), str):
                kept = self._keep_agent(body, body.get("time_ms", 0), now)
                if kept is None:
                    return
                msg = {**kept, "type": kind}
            elif kind == "caller_joined":
                waiting = self._waiting.setdefault(str(body.get("queue")), {})
                waiting[str(body.get("call_id"))] = {"call_id": body.get("call_id"), "caller": body.get("caller", ""),
                                                     "position": body.get("position"),
                                                     "priority": body.get("priority", 0),
                                                     "web": bool(body.get("web")),
                                                     "queue": body.get("queue"), "since": now}
                msg["since"] = now
            elif kind in ("caller_left", "call_answered", "callback_taken"):
                self._waiting.get(str(body.get("queue")), {}).pop(str(body.get("call_id")), None)
            elif kind == "message":
                self._messages = (self._messages + [body])[-200:]
        self.listeners.call(msg)

    # ---- what a desktop sees ---------------------------------------------------------------------
    def agent(self, number: str) -> dict[str, Any] | None:
        with self._lock:
            a = self._agents.get(number)
            return dict(a) if a else None

    def agents(self) -> list[dict[str, Any]]:
        """Every agent (number, name, state, queues): the pickers of a transfer, a consultation, a pickup."""
        with self._lock:
            return [{k: a.get(k) for k in ("agent", "name", "state", "queues", "call_id")}
                    for a in sorted(self._agents.values(), key=lambda a: a["agent"])]

    def snapshot(self, number: str) -> dict[str, Any]:
        with self._lock:
            agent = self._agents.get(number)
            queues = list(agent.get("queues", [])) if agent else []
            waiting = [dict(c) for q in queues
                       for c in sorted(self._waiting.get(q, {}).values(), key=lambda c: c["since"])[:MAX_WAITING]]
            messages = [m for m in self._messages if self._addressed(agent, number, m)][-MESSAGES_SHOWN:]
            return {"type": "snapshot", "agent": dict(agent) if agent else None, "waiting": waiting,
                    "messages": messages, "connected": self.feed.connected, "now": time.time()}

    @staticmethod
    def _addressed(agent: dict[str, Any] | None, number: str, m: dict[str, Any]) -> bool:
        """A message is the agent's: to it, to everyone, to one of its queues, or its own."""
        to = m.get("to")
        return to in (f"agent:{number}", "all") or m.get("from") == number or (
            bool(agent) and isinstance(to, str) and to.startswith("queue:") and to[6:] in agent.get("queues", ()))

    def concerns(self, number: str, msg: dict[str, Any]) -> bool:
        kind = msg.get("type")
        if kind in AGENT_KINDS and msg.get("agent") == number:
            return True
        if kind in CALLER_KINDS:
            with self._lock:
                agent = self._agents.get(number)
                return bool(agent) and msg.get("queue") in agent.get("queues", ())
        if kind == "message":
            with self._lock:
                return self._addressed(self._agents.get(number), number, msg)
        if kind in ("notice", "notice_withdrawn"):      # a supervisor's notice (webadmin/notices.py names its agents)
            return number in msg.get("agents", ())
        return kind == "connection"


class DeskStreams(EventStreams):
    """The agent desktops' event streams (``GET /agent/events``), on the console server's loop like the live
    board's: a stream's viewer is the agent number of the user it was admitted for, and it gets what
    ``DeskFeed.concerns`` that agent, starting from the agent's snapshot."""

    def __init__(self, desk: DeskFeed) -> None:
        super().__init__()
        self.desk = desk

    def attach(self) -> None:
        self.desk.listeners.add(self.hand_over)
        self.desk.feed.add_listener(self._connection)

    def detach(self) -> None:
        self.desk.listeners.remove(self.hand_over)
        self.desk.feed.remove_listener(self._connection)

    def _connection(self, msg: dict[str, Any]) -> None:
        if msg.get("type") == "connection":
            self.hand_over(msg)

    def first(self, viewer: str) -> dict[str, Any]:
        return self.desk.snapshot(viewer)

    def wants(self, viewer: str, msg: dict[str, Any]) -> bool:
        return self.desk.concerns(viewer, msg)

    def render(self, viewer: str, msg: dict[str, Any]) -> dict[str, Any]:
        """A notice without the list of the agents it went to (that list only routes it)."""
        if msg.get("type") in ("notice", "notice_withdrawn"):
            return {k: v for k, v in msg.items() if k != "agents"}
        return msg
