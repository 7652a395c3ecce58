"""Which ready agent (or agents) a waiting caller rings: a table of small strategies.

Each queue keeps its ready, qualified agents in a `ReadyIndex`: a sorted list keyed by what the queue's
strategy ranks them by (idle since, calls today, talk today, configuration order, skill level), so the
best agent is the first entry and a change costs a logarithmic insert or removal — no scan of every
agent per caller. A key is fixed while the agent is ready (none of those measures moves then), so the
entry an agent got when it became ready stays right until it leaves.

A strategy is a key (how the index sorts) and a pick (which of the index's agents to ring now):

    ring_all          every ready agent at once; the first to answer takes the call
    longest_idle      the one ready the longest
    least_calls       the one with the fewest answered calls today (then longest idle)
    least_talk        the one with the least talk time today (then longest idle)
    round_robin       the next after the one last given a call, in configuration order (with memory)
    linear            the first in configuration order
    random            any, with equal chances
    weighted_random   any, with chances by the agent's weight
    ring_progressive  the longest idle, then one more every progressive_step_s while nobody answers
    skills            the highest level in the queue's skills (then longest idle)
    sticky            the agent who last spoke with this caller, if ready (the caller waits sticky_wait_s
                      for it otherwise, see dispatcher.py), else longest idle
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from sortedcontainers import SortedList

from telephonist.acd.model import Agent, Caller
from telephonist.config.acd import QueueConfig

Key = Callable[[Agent, QueueConfig], tuple]
Pick = Callable[["ReadyIndex", Caller, int], list[Agent]]


class ReadyIndex:
    """A queue's ready, qualified agents, sorted by its strategy's key."""

    def __init__(self, queue: QueueConfig, key: Key, rng: random.Random | None = None) -> None:
        self.queue = queue
        self.key = key
        self.sorted = SortedList()                  # (key..., order, number)
        self.entries: dict[str, tuple] = {}
        self.agents: dict[str, Agent] = {}
        self.last_order = -1                        # round robin: the order of the agent given the last call
        self.rng = rng or random.Random()

    def __len__(self) -> int:
        return len(self.agents)

    def __contains__(self, number: str) -> bool:
        return number in self.agents

    def add(self, agent: Agent) -> None:
        if agent.number in self.agents:
            return
        entry = (*self.key(agent, self.queue), agent.order, agent.number)
        self.entries[agent.number] = entry
        self.agents[agent.number] = agent
        self.sorted.add(entry)

    def remove(self, agent: Agent) -> None:
        entry = self.entries.pop(agent.number, None)
        if entry is not None:
            self.sorted.remove(entry)
            del self.agents[agent.number]

    def first(self, skip: frozenset[str] = frozenset()) -> Agent | None:
        for entry in self.sorted:
            if entry[-1] not in skip:
                return self.agents[entry[-1]]
        return None

    def in_order(self) -> list[Agent]:
        return [self.agents[e[-1]] for e in self.sorted]


# ---- keys -------------------------------------------------------------------------------------------

def by_idle(a: Agent, q: QueueConfig) -> tuple:
    return (a.ready_since_ms, a.ready_seq)


def by_calls(a: Agent, q: QueueConfig) -> tuple:
    return (a.calls, a.ready_since_ms, a.ready_seq)


def by_talk(a: Agent, q: QueueConfig) -> tuple:
    return (a.talk_ms, a.ready_since_ms, a.ready_seq)


def by_order(a: Agent, q: QueueConfig) -> tuple:
    return ()


def by_skill(a: Agent, q: QueueConfig) -> tuple:
    return (-a.skill_score(q), a.ready_since_ms, a.ready_seq)


# ---- picks ------------------------------------------------------------------------------------------

def first(idx: ReadyIndex, caller: Caller, now_ms: int) -> list[Agent]:
    a = idx.first(frozenset(caller.offered_to))
    return [a] if a else []


def everyone(idx: ReadyIndex, caller: Caller, now_ms: int) -> list[Agent]:
    return [a for a in idx.in_order() if a.number not in caller.offered_to]


def next_in_turn(idx: ReadyIndex, caller: Caller, now_ms: int) -> list[Agent]:
    agents = [a for a in idx.in_order() if a.number not in caller.offered_to]     # sorted by order
    if not agents:
        return []
    chosen = next((a for a in agents if a.order > idx.last_order), agents[0])
    idx.last_order = chosen.order
    return [chosen]


def any_one(idx: ReadyIndex, caller: Caller, now_ms: int) -> list[Agent]:
    agents = [a for a in idx.agents.values() if a.number not in caller.offered_to]
    return [idx.rng.choice(agents)] if agents else []


def by_weight(idx: ReadyIndex, caller: Caller, now_ms: int) -> list[Agent]:
    agents = [a for a in idx.agents.values() if a.number not in caller.offered_to]
    if not agents:
        return []
    return [idx.rng.choices(agents, weights=[a.weight for a in agents])[0]]


def progressively(idx: ReadyIndex, caller: Caller, now_ms: int) -> list[Agent]:
    """One more agent each progressive_step_s the caller has been ringing agents without an answer."""
    step = max(1, idx.queue.progressive_step_s) * 1000
    ringing = len(caller.offered_to)
    wanted = 1 + max(0, now_ms - caller.entered_ms) // step
    return [a for a in idx.in_order() if a.number not in caller.offered_to][:max(0, wanted - ringing)]


def sticky(idx: ReadyIndex, caller: Caller, now_ms: int) -> list[Agent]:
    if caller.sticky_agent and caller.sticky_agent in idx and caller.sticky_agent not in caller.offered_to:
        return [idx.agents[caller.sticky_agent]]
    return first(idx, caller, now_ms)


@dataclass(frozen=True)
class Strategy:
    key: Key
    pick: Pick


STRATEGIES: dict[str, Strategy] = {
    "ring_all": Strategy(by_idle, everyone),
    "longest_idle": Strategy(by_idle, first),
    "least_calls": Strategy(by_calls, first),
    "least_talk": Strategy(by_talk, first),
    "round_robin": Strategy(by_order, next_in_turn),
    "linear": Strategy(by_order, first),
    "random": Strategy(by_order, any_one),
    "weighted_random": Strategy(by_order, by_weight),
    "ring_progressive": Strategy(by_idle, progressively),
    "skills": Strategy(by_skill, first),
    "sticky": Strategy(by_idle, sticky),
}
