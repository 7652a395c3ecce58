"""What the ACD knows: agents (who they are, where they sit, how their day goes) and callers waiting."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from telephonist.acd.agent_state import AgentMachine, AgentState
from telephonist.config.acd import AgentConfig, QueueConfig

DEFAULT_HANDLE_S = 180.0          # a queue's average handling time until it has its own


@dataclass(eq=False)
class Agent:
    number: str
    name: str
    skills: dict[str, int]
    queues: tuple[str, ...]
    order: int                      # its place in the configuration (the linear strategy's order)
    weight: int
    wrapup_s: int                   # -1: the queue's
    machine: AgentMachine
    extension: str = ""             # the phone it works at now (set at login)
    ready_since_ms: int = 0         # engine time it last became ready (longest idle) ...
    ready_seq: int = 0              # ... and in which order agents became ready at the same time
    calls: int = 0                  # answered today
    talk_ms: int = 0                # talked today
    version: int = 0                # bumped whenever it stops being ready (stale index entries are skipped)
    call: "AgentCall | None" = None
    after_call: str = ""            # asked during a call: "not_ready:REASON" or "logout", done when it ends
    wrapup_timer: int | None = None
    wrapup_due_ms: int | None = None  # engine time its wrap-up ends (the timer's, moved by wrapup_extend)
    wrapup_started_ms: int | None = None   # engine time its wrap-up began (its length goes in acd_calls)
    last_row: int | None = None     # acd_calls row of its last queue call (the disposition goes there)
    last_call: dict[str, Any] | None = None   # whom the call its wrap-up is for was with (its desktop's pop)
    persistent_line: bool = False   # by default it logs in on a persistent line (its configuration)
    line: "AgentLine | None" = None  # its persistent line, while the ACD rings or holds it open

    @classmethod
    def from_config(cls, cfg: AgentConfig, order: int, machine: AgentMachine) -> "Agent":
        return cls(cfg.number, cfg.name, dict(cfg.skills), tuple(cfg.queues), order, cfg.weight, cfg.wrapup_s,
                   machine, extension=cfg.extension, persistent_line=cfg.persistent_line)

    @property
    def state(self) -> AgentState:
        return self.machine.state

    def qualifies(self, queue: QueueConfig) -> bool:
        """Serves the queue: named in it and at least the skill levels it asks for."""
        return queue.name in self.queues and all(self.skills.get(s, 0) >= lvl for s, lvl in queue.skills.items())

    def skill_score(self, queue: QueueConfig) -> int:
        """The skills strategy's measure: the agent's levels in what the queue asks for."""
        return sum(self.skills.get(s, 0) for s in queue.skills) if queue.skills else max(self.skills.values(), default=0)


class CallerState(str, enum.Enum):
    WAITING = "waiting"
    OFFERED = "offered"             # an agent's phone rings for it
    CONNECTED = "connected"
    CALLBACK = "callback"           # left the line; keeps its place to be called back
    CALLING_BACK = "calling_back"   # its agent answered; the customer's number is being dialled
    RETRY = "retry"                 # the customer did not answer the call back: out of line until the next try


@dataclass(eq=False)
class Caller:
    chan: str
    call_id: str
    number: str                     # the caller's number
    queue: str
    priority: int                   # higher first
    seq: int                        # arrival order (kept across a restart and a call back)
    entered_ms: int                 # engine time it joined the queue
    data: dict[str, Any] = field(default_factory=dict)    # what came with the call (ivrd's handoff data); a call
                                    # back's tries (callback_attempts, retry_at), a web request's id and words
    state: CallerState = CallerState.WAITING
    offered_to: list[str] = field(default_factory=list)   # agents whose phones ring for it now
    sticky_agent: str | None = None
    sticky_wait_ms: int | None = None   # a preferred agent from the handoff (prefer_agent): wait this long for it
    version: int = 0                # bumped when it leaves the waiting list
    announce_timer: int | None = None
    timeout_timer: int | None = None
    playback: int | None = None     # the music (or an announcement) it hears
    callback_number: str = ""       # CALLBACK: where to call
    row: int | None = None          # its row in acd_calls
    transfers: int = 0              # how often an agent passed it on
    callback_offered: bool = False  # it heard the offer to be called back (its key now counts)
    hangup_after: int | None = None  # a playback at whose end the ACD hangs up (the call-back confirmation)
    announcement: int | None = None  # the playback of an announcement of its place
    dialog: str | None = None       # agreeing on a call back: "confirm" (the number) or "enter" (another)
    collect: int | None = None      # the question's collection in chand
    tries: int = 0                  # questions of the dialogue not answered or answered wrong


@dataclass(eq=False)
class AgentCall:
    """An agent's call: the agent's phone leg and the customer's."""
    agent: str
    agent_chan: str | None          # the agent's phone (None until it is rung)
    caller: Caller | None           # the customer, for a queue call
    customer_chan: str | None
    queue: str | None
    offered_ms: int
    answered_ms: int | None = None
    held: bool = False
    cancelled: bool = False         # the caller went (or another agent answered): the phone is being hung up
    held_since_ms: int | None = None
    hold_ms: int = 0
    recording: int | None = None    # chand's recording of this call (on the customer's line), while it runs
    alert: int | None = None        # on a persistent line: the alert (or the beep before an auto-answer) playing
    alert_timer: int | None = None  # on a persistent line: the ring timeout of an alert the agent must accept
    outbound: str = ""              # the agent's own call out: the number dialled (agent_calls.py)
    outbound_via: dict = field(default_factory=dict)    # its trunk_group, caller_id, call_id when the asker set them
    outbound_data: dict = field(default_factory=dict)   # the handoff data its customer takes on (a campaign's record)
    customer_call_id: str = ""      # chand's call id of the customer's leg (its own unless the asker set one)
    room: str | None = None         # the conference room the agent took the call into (rooms.py)


@dataclass(eq=False)
class Leg:
    """A leg the ACD dialled around an agent's call: a consulted party, a supervisor, or (after a transfer to a
    number) the two sides it keeps bridged."""
    kind: str                       # consult | supervisor | third_party | room (a customer in the agent's room)
    chan: str
    agent: str                      # whose call it belongs to
    other: str | None = None        # consult: the agent consulted (None: a number); supervisor: who supervises
    mode: str = ""                  # supervisor: listen | whisper | barge
    answered: bool = False
    beep: int | None = None         # on an agent's persistent line: the beep before it joins, while it plays


@dataclass(eq=False)
class AgentLine:
    """An agent's persistent line: the agent's phone, rung once at login and kept off-hook, on which the agent's
    calls are delivered without ringing (lines.py)."""
    agent: str
    chan: str
    open: bool = False              # lifted: calls can come on it (False: the ACD rings it)
    beep: int | None = None         # the beep that says so to the agent, while it plays
