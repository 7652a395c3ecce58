"""Web chats and e-mail as ACD media: an item's state (one enum, one transition table) and the board that queues
chats and e-mails and pairs them with agents. No I/O here: the service (chatdesk.py) writes, publishes, sends and
keeps the timers. An inbound e-mail is handled like a chat whose lines are mails: offered, accepted, answered
(each reply a line), ended.

A chat queue (`media = "chat"`, or `"email"`) keeps its waiting chats in a sorted list keyed (-priority, arrival), like the
callers of a voice queue, so chats keep FIFO and priority order. An agent takes chats while it is `ready` (its
voice state) and qualifies for the queue (names it and has its skills), up to its limit: the agent's own
`max_chats`, else the queue's (default 3), counted per medium (three chats and three e-mails at most, say).
Offered chats count toward the limit, so an agent is never offered
more than it may hold. Chats do not change the agent's voice state: voice stays one call at a time, and an agent
on a call (or not ready, in wrap-up ...) is offered no new chat until it is ready again; its open chats go on.
Among the agents who may take a chat the one holding the fewest goes first, then the one ready the longest;
an agent who let this chat's offer run out comes last.
"""
from __future__ import annotations

import enum
import heapq
from dataclasses import dataclass, field
from typing import Iterable

from sortedcontainers import SortedList

from telephonist.acd.agent_state import AgentState
from telephonist.acd.model import Agent
from telephonist.config.acd import QueueConfig


class ChatState(str, enum.Enum):
    WAITING = "waiting"
    OFFERED = "offered"        # shown on an agent's desktop, not yet accepted
    ACTIVE = "active"          # the agent and the visitor write to each other
    ENDED = "ended"


class ChatSignal(str, enum.Enum):
    OFFER = "offer"
    ACCEPT = "accept"
    NO_ANSWER = "no_answer"    # the agent did not accept in the queue's ring_timeout_s: back to its place
    RETURN = "return"          # the agent went away (logged out): back to its place
    END = "end"                # the visitor or the agent closed it (or the visitor left while it waited)


C, G = ChatState, ChatSignal
TRANSITIONS: dict[tuple[ChatState, ChatSignal], ChatState] = {
    (C.WAITING, G.OFFER): C.OFFERED,
    (C.OFFERED, G.ACCEPT): C.ACTIVE,
    (C.OFFERED, G.NO_ANSWER): C.WAITING,
    (C.OFFERED, G.RETURN): C.WAITING,
    (C.ACTIVE, G.RETURN): C.WAITING,
    (C.WAITING, G.END): C.ENDED,
    (C.OFFERED, G.END): C.ENDED,
    (C.ACTIVE, G.END): C.ENDED,
}


class ChatStateError(Exception):
    """What the table does not allow: the chat stays as it was."""


@dataclass(eq=False)
class Chat:
    id: int                         # its acd_chats row
    queue: str
    visitor: str
    seq: int                        # arrival order (kept across a restart)
    entered_ms: int
    priority: int = 0
    email: str = ""
    phone: str = ""
    customer_id: int | None = None
    state: ChatState = ChatState.WAITING
    agent: str | None = None        # offered to or held by
    offer_timer: int | None = None
    passed: set[str] = field(default_factory=set)     # agents whose offer of it ran out
    media: str = "chat"             # chat | email
    subject: str = ""               # an e-mail's

    def signal(self, sig: ChatSignal) -> tuple[ChatState, ChatState]:
        nxt = TRANSITIONS.get((self.state, sig))
        if nxt is None:
            raise ChatStateError(f"chat {self.id} is {self.state.value}: cannot {sig.value}")
        prev, self.state = self.state, nxt
        if nxt in (C.WAITING, C.ENDED):
            self.agent = None
        return prev, nxt

    def describe(self) -> dict:
        return {"chat": self.id, "queue": self.queue, "state": self.state.value, "visitor": self.visitor,
                "email": self.email, "phone": self.phone, "customer_id": self.customer_id, "agent": self.agent,
                "priority": self.priority, "media": self.media, "subject": self.subject}


class ChatBoard:
    """The chat queues: waiting chats in order, and who holds which chat."""

    def __init__(self, queues: Iterable[QueueConfig], limits: dict[str, int] | None = None) -> None:
        self.queues = {q.name: q for q in queues if q.media in ("chat", "email")}
        self.limits = dict(limits or {})                        # agent -> its own max_chats (0: the queue's)
        self.waiting: dict[str, SortedList] = {name: SortedList() for name in self.queues}
        self.chats: dict[int, Chat] = {}                        # every open chat
        self.held: dict[str, set[int]] = {}                     # agent -> chats offered to it or active with it

    # ---- chats -------------------------------------------------------------------------------------------
    def add(self, chat: Chat) -> None:
        """A new chat (or one a restart found waiting): in line at its place."""
        self.chats[chat.id] = chat
        if chat.state == ChatState.WAITING:
            self.waiting[chat.queue].add((-chat.priority, chat.seq, chat.id))
        elif chat.agent is not None:
            self.held.setdefault(chat.agent, set()).add(chat.id)

    def position(self, chat: Chat) -> int:
        """1 for the next to be served; 0 for one not waiting."""
        key = (-chat.priority, chat.seq, chat.id)
        line = self.waiting.get(chat.queue)
        return line.index(key) + 1 if line is not None and key in line else 0

    def waiting_in(self, queue: str) -> list[Chat]:
        return [self.chats[cid] for _, _, cid in self.waiting.get(queue, ())]

    def signal(self, chat: Chat, sig: ChatSignal) -> tuple[ChatState, ChatState]:
        """A change of the chat's state, with the lists that follow it: an offered chat leaves the line and
        counts for its agent; a chat back to waiting goes to its old place; an ended one is forgotten."""
        holder = chat.agent
        prev, nxt = chat.signal(sig)
        if prev == ChatState.WAITING:
            self.waiting[chat.queue].discard((-chat.priority, chat.seq, chat.id))
        if holder is not None and nxt in (ChatState.WAITING, ChatState.ENDED):
            mine = self.held.get(holder, set())
            mine.discard(chat.id)
            if not mine:
                self.held.pop(holder, None)
        if nxt == ChatState.WAITING:
            self.waiting[chat.queue].add((-chat.priority, chat.seq, chat.id))
        elif nxt == ChatState.ENDED:
            self.chats.pop(chat.id, None)
        return prev, nxt

    def held_by(self, agent: str) -> list[Chat]:
        return sorted((self.chats[c] for c in self.held.get(agent, ())), key=lambda c: c.seq)

    # ---- agents ------------------------------------------------------------------------------------------
    def limit(self, agent: Agent, queue: QueueConfig) -> int:
        return self.limits.get(agent.number) or queue.max_chats

    def holding(self, agent: str, media: str) -> int:
        return sum(1 for cid in self.held.get(agent, ()) if self.chats[cid].media == media)

    def may_take(self, agent: Agent, queue: QueueConfig) -> bool:
        return (agent.state == AgentState.READY and agent.qualifies(queue)
                and self.holding(agent.number, queue.media) < self.limit(agent, queue))

    # ---- matching ----------------------------------------------------------------------------------------
    def match(self, agents: Iterable[Agent]) -> list[tuple[Chat, Agent]]:
        """Every waiting chat that can be offered now, with its agent: the best waiting chat across the chat queues
        first (priority, then arrival); each pairing counts at once, so no agent passes its limit."""
        agents = list(agents)
        offers: list[tuple[Chat, Agent]] = []
        heads = [(line[0], name) for name, line in self.waiting.items() if line]
        heapq.heapify(heads)
        stuck: set[str] = set()                 # queues whose head found no agent: the rest of it waits too
        while heads:
            key, name = heapq.heappop(heads)
            if name in stuck:
                continue
            chat, queue = self.chats[key[2]], self.queues[name]
            free = [a for a in agents if self.may_take(a, queue)]
            if not free:
                stuck.add(name)
                continue
            agent = min(free, key=lambda a: (a.number in chat.passed, self.holding(a.number, queue.media),
                                              a.ready_since_ms, a.ready_seq, a.order))
            self.signal(chat, ChatSignal.OFFER)
            chat.agent = agent.number
            self.held.setdefault(agent.number, set()).add(chat.id)
            offers.append((chat, agent))
            line = self.waiting[name]
            if line:
                heapq.heappush(heads, (line[0], name))
        return offers
