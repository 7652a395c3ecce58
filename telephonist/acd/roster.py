"""The agents as the ACD runs them: their state machines, where they sit, and what follows each change.

Every state change goes through `Roster.signal`: the table (agent_state.py) allows it or refuses it,
then the change is written (acd_agents, acd_agent_log), published to the ACD's subscribers (the
wallboard, the agent desktops) and given to the dispatcher (an agent who is ready can be offered a
caller; one who is not, not).
"""
from __future__ import annotations

import asyncio
import itertools
import logging
from datetime import datetime
from typing import Any, Callable

from telephonist.acd.agent_state import (
    AgentMachine,
    AgentSignal,
    AgentState,
    AgentStateError,
)
from telephonist.acd.dispatcher import Dispatcher
from telephonist.acd.model import Agent
from telephonist.acd.store import AcdStore
from telephonist.config.acd import AgentConfig

log = logging.getLogger("telephonist.acd")


class Roster:
    def __init__(self, configs: tuple[AgentConfig, ...], dispatcher: Dispatcher, store: AcdStore,
                 publish: Callable[[str, dict[str, Any]], None], now_ms: Callable[[], int],
                 wall: Callable[[], datetime], wrapup_ended: Callable[[Agent], None]) -> None:
        self.dispatcher = dispatcher
        self.store = store
        self.publish = publish
        self.now_ms = now_ms
        self.wall = wall
        self.wrapup_ended = wrapup_ended
        self.agents: dict[str, Agent] = {}
        self.by_extension: dict[str, Agent] = {}
        self.writes: set[asyncio.Future] = set()
        self._ready_seq = itertools.count(1)
        for order, c in enumerate(configs):
            agent = Agent.from_config(c, order, AgentMachine(c.number, self._changed))
            self.agents[c.number] = agent
            dispatcher.add_agent(agent)

    def get(self, number: str) -> Agent:
        agent = self.agents.get(number)
        if agent is None:
            raise AgentStateError(f"no agent {number!r}")
        return agent

    def restore(self, rows: dict[str, dict[str, Any]]) -> None:
        """The states a previous acd left (a restart): agents logged in stay logged in; what was a call of that
        acd is settled by the service once it sees chand's lines."""
        for number, row in rows.items():
            agent = self.agents.get(number)
            if agent is None or row["state"] == AgentState.LOGGED_OUT.value:
                continue
            agent.machine.state = AgentState(row["state"])
            agent.machine.reason = row.get("reason") or ""
            agent.extension = row.get("extension") or agent.extension
            if agent.extension:
                self.by_extension[agent.extension] = agent
            if agent.state == AgentState.READY:
                agent.ready_since_ms = self.now_ms()
                agent.ready_seq = next(self._ready_seq)
                self.dispatcher.agent_ready(agent)

    def signal(self, agent: Agent, sig: AgentSignal, reason: str = "", queue: str | None = None,
               call_id: str | None = None) -> AgentState:
        self._context = (queue, call_id)
        return agent.machine.signal(sig, self.now_ms() / 1000.0, reason)

    def try_signal(self, agent: Agent, sig: AgentSignal, **kw: Any) -> bool:
        if not agent.machine.can(sig):
            log.info("event=acd_agent_signal_ignored agent=%s state=%s signal=%s", agent.number, agent.state.value,
                     sig.value)
            return False
        self.signal(agent, sig, **kw)
        return True

    def _changed(self, machine: AgentMachine, prev: AgentState, sig: AgentSignal, reason: str) -> None:
        agent = self.agents[machine.number]
        queue, call_id = getattr(self, "_context", (None, None))
        self._context = (None, None)
        log.info("event=acd_agent_state agent=%s from=%s to=%s signal=%s reason=%s", agent.number, prev.value,
                 machine.state.value, sig.value, reason)
        if machine.state == AgentState.READY:
            agent.ready_since_ms = self.now_ms()
            agent.ready_seq = next(self._ready_seq)
            self.dispatcher.agent_ready(agent)
        elif prev == AgentState.READY:
            self.dispatcher.agent_busy(agent)
        if machine.state == AgentState.LOGGED_OUT:
            self.by_extension.pop(agent.extension, None)
        if prev == AgentState.WRAP_UP:
            self.wrapup_ended(agent)
        fut = self.store.agent_changed(agent.number, prev.value, machine.state.value, sig.value, machine.reason,
                                       agent.extension, queue, call_id, self.wall())
        self.writes.add(fut)
        fut.add_done_callback(self._written)
        self.publish("agent_state", self.describe(agent) | {"previous": prev.value, "signal": sig.value})

    def call_changed(self, agent: Agent, signal: str = "take") -> None:
        """The agent's call changed in the same state (a consulted agent took the caller over: "take"; its
        wrap-up was extended: "extend"): subscribers hear it as an agent_state with that signal, so that a
        desktop shows the caller it talks to now, or the wrap-up's new end."""
        self.publish("agent_state", self.describe(agent) | {"previous": agent.state.value, "signal": signal})

    def _written(self, fut: asyncio.Future) -> None:
        self.writes.discard(fut)
        if not fut.cancelled() and fut.exception() is not None:
            log.error("event=acd_agent_state_not_saved error=%s", fut.exception())

    async def drain(self) -> None:
        if self.writes:
            await asyncio.gather(*list(self.writes), return_exceptions=True)

    def describe(self, agent: Agent) -> dict[str, Any]:
        call = agent.call
        caller = call.caller if call else None
        return {"agent": agent.number, "name": agent.name, "state": agent.state.value, "reason": agent.machine.reason,
                "extension": agent.extension, "since_ms": int(agent.machine.since * 1000),
                "queues": list(agent.queues), "calls": agent.calls, "talk_ms": agent.talk_ms,
                "call": call.customer_chan if call else None,
                "room": call.room if call else None,        # a conference room the agent took the call into
                # who the call is with, for the agent desktop's screen pop (the handoff data travels with it)
                "call_id": caller.call_id if caller else None, "caller": caller.number if caller else "",
                "call_queue": call.queue if call else None, "data": caller.data if caller else {},
                "wait_ms": max(0, call.offered_ms - caller.entered_ms) if caller else 0,
                "line": ("open" if agent.line.open else "ringing") if agent.line else None,
                "wrapup_left_ms": max(0, agent.wrapup_due_ms - self.now_ms())
                if agent.wrapup_due_ms is not None and agent.state == AgentState.WRAP_UP else None,
                # in wrap-up: whom the call was with (a desktop opened again keeps its screen pop)
                "last_call": agent.last_call if agent.state == AgentState.WRAP_UP else None}
