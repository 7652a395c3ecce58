"""Who gets which caller: waiting lists, ready agents, and the matching between them. No I/O here.

Each queue has its waiting callers in a sorted list (priority first, then arrival: a VIP jumps ahead
by its weight, equal callers keep their order, and a caller's position is a logarithmic lookup) and its
ready qualified agents in a ReadyIndex sorted by the queue's strategy (strategies.py). `match()` pairs
them, best waiting caller across the queues first, and hands back each pair once: the caller leaves
the waiting list and the agents leave every ready index, so nothing is offered twice. The service
(service.py) rings the agents and puts back what does not work out.

A caller of a sticky queue whose last agent is not ready waits for that agent alone for
sticky_wait_s (held aside in `sticky`), then joins the waiting list at its place. So does a caller handed over
with a preferred agent (handoff data `prefer_agent`, `prefer_wait_s`: a campaign's appointment), in any queue.
"""
from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field

from sortedcontainers import SortedList

from telephonist.acd.agent_state import AgentState
from telephonist.acd.model import Agent, Caller, CallerState
from telephonist.acd.strategies import STRATEGIES, ReadyIndex
from telephonist.config.acd import QueueConfig


@dataclass
class QueueRuntime:
    cfg: QueueConfig
    index: ReadyIndex
    waiting: SortedList = field(default_factory=SortedList)     # (-priority, seq, caller id) ...
    callers: dict[int, Caller] = field(default_factory=dict)     # ... and the caller it names (by seq)

    def head(self) -> Caller | None:
        return self.callers[self.waiting[0][1]] if self.waiting else None

    def position(self, caller: Caller) -> int:
        """1 for the next to be served."""
        return self.waiting.index((-caller.priority, caller.seq)) + 1

    def qualifies(self, agent: Agent) -> bool:
        return agent.qualifies(self.cfg)


class Dispatcher:
    def __init__(self, queues: list[QueueConfig], rng: random.Random | None = None) -> None:
        rng = rng or random.Random()
        self.queues: dict[str, QueueRuntime] = {
            q.name: QueueRuntime(q, ReadyIndex(q, STRATEGIES[q.strategy].key, rng)) for q in queues}
        self.agents: dict[str, Agent] = {}
        self.sticky: dict[str, list[Caller]] = {}        # agent -> callers waiting for that agent alone
        self._dirty: set[str] = set()

    # ---- agents -------------------------------------------------------------------------------------
    def add_agent(self, agent: Agent) -> None:
        self.agents[agent.number] = agent
        if agent.state == AgentState.READY:
            self.agent_ready(agent)

    def agent_ready(self, agent: Agent) -> None:
        for q in self.queues.values():
            if q.qualifies(agent):
                q.index.add(agent)
                self._dirty.add(q.cfg.name)

    def agent_busy(self, agent: Agent) -> None:
        """The agent is no longer free for a caller (reserved, on a call, not ready, logged out)."""
        agent.version += 1
        for q in self.queues.values():
            q.index.remove(agent)

    def requalify(self, agent: Agent) -> None:
        """The agent's skills or queues changed."""
        self.agent_busy(agent)
        if agent.state == AgentState.READY:
            self.agent_ready(agent)

    # ---- callers ------------------------------------------------------------------------------------------
    def enqueue(self, caller: Caller, now_ms: int) -> None:
        q = self.queues[caller.queue]
        preferred = caller.sticky_wait_ms is not None          # the handoff's prefer_agent: first, even if others are
        wait_ms = caller.sticky_wait_ms if preferred else (q.cfg.sticky_wait_s * 1000 if q.cfg.strategy == "sticky" else 0)
        if caller.sticky_agent and wait_ms > 0:
            agent = self.agents.get(caller.sticky_agent)
            waited = now_ms - caller.entered_ms
            if agent and agent.state != AgentState.LOGGED_OUT and (preferred or agent.number not in q.index) \
                    and waited < wait_ms:
                self.sticky.setdefault(agent.number, []).append(caller)
                return
        caller.state = caller.state if caller.state == CallerState.CALLBACK else CallerState.WAITING
        q.callers[caller.seq] = caller
        q.waiting.add((-caller.priority, caller.seq))
        self._dirty.add(q.cfg.name)

    def release_sticky(self, caller: Caller, now_ms: int) -> None:
        """Its wait for its own agent is over: it joins the queue at its place."""
        for number, callers in list(self.sticky.items()):
            if caller in callers:
                callers.remove(caller)
                if not callers:
                    del self.sticky[number]
                caller.sticky_agent = None
                self.enqueue(caller, now_ms)
                return

    def dequeue(self, caller: Caller) -> None:
        """The caller leaves (answered elsewhere, hung up, timed out, offered)."""
        q = self.queues[caller.queue]
        if q.callers.pop(caller.seq, None) is not None:
            q.waiting.remove((-caller.priority, caller.seq))
        for number, callers in list(self.sticky.items()):
            if caller in callers:
                callers.remove(caller)
                if not callers:
                    del self.sticky[number]
        caller.version += 1

    def waiting(self, queue: str) -> list[Caller]:
        q = self.queues[queue]
        return [q.callers[seq] for _, seq in q.waiting]

    def position(self, caller: Caller) -> int:
        return self.queues[caller.queue].position(caller) if caller.seq in self.queues[caller.queue].callers else 0

    # ---- matching ----------------------------------------------------------------------------------------------
    def match(self, now_ms: int) -> list[tuple[Caller, list[Agent]]]:
        """Every caller that can be offered now, with the agents to ring; the best waiting caller first."""
        offers: list[tuple[Caller, list[Agent]]] = []
        for number in [n for n, cs in self.sticky.items() if cs]:
            agent = self.agents.get(number)
            if agent is not None and agent.state == AgentState.READY and any(number in q.index
                                                                             for q in self.queues.values()):
                caller = self.sticky[number].pop(0)
                if not self.sticky[number]:
                    del self.sticky[number]
                offers.append(self._offer(caller, [agent]))
        heads = []
        for name in self._dirty:
            q = self.queues[name]
            if q.waiting and q.index:
                heads.append((q.waiting[0], name))
        self._dirty.clear()
        heapq.heapify(heads)
        while heads:
            _, name = heapq.heappop(heads)
            q = self.queues[name]
            caller = q.head()
            if caller is None or not q.index:
                continue
            agents = STRATEGIES[q.cfg.strategy].pick(q.index, caller, now_ms)
            if not agents:
                continue
            self.dequeue(caller)
            offers.append(self._offer(caller, agents))
            if q.waiting and q.index:
                heapq.heappush(heads, (q.waiting[0], name))
        return offers

    def more_agents(self, caller: Caller, now_ms: int) -> list[Agent]:
        """More agents for a caller already ringing some (ring_progressive after another step)."""
        q = self.queues[caller.queue]
        agents = STRATEGIES[q.cfg.strategy].pick(q.index, caller, now_ms) if q.index else []
        for a in agents:
            self.agent_busy(a)
        return agents

    def _offer(self, caller: Caller, agents: list[Agent]) -> tuple[Caller, list[Agent]]:
        for a in agents:
            self.agent_busy(a)
        return caller, agents
