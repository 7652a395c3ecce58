"""An agent's state: one enum and one transition table, like a line's (chand/line.py).

Every change goes through `AgentMachine.signal`, which refuses what the table does not allow (an agent
is never in two calls, never offered a call while ringing with another) and reports each change so it
is persisted and logged for reports. The states an agent can be stuck in elsewhere (FreeSWITCH's
"Reserved", Asterisk's wrap-up after a transfer) each have a way out in the table, driven by the call's
own events: the caller gone while the phone rings, a phone that does not answer, a call that ends.
"""
from __future__ import annotations

import enum
from typing import Callable


class AgentState(str, enum.Enum):
    LOGGED_OUT = "logged_out"
    READY = "ready"
    NOT_READY = "not_ready"        # with a reason (break, meal, training, missed ...)
    RESERVED = "reserved"          # chosen for a caller; the phone is being rung
    RINGING = "ringing"            # the agent's phone rings with a caller waiting on it
    ON_CALL = "on_call"
    ON_HOLD = "on_hold"            # the caller is held (music) during the agent's call
    WRAP_UP = "wrap_up"            # after a call: notes, a disposition; ends on a timer or by the agent
    OUTBOUND = "outbound"          # the agent's own call out (click to dial, a preview campaign)


class AgentSignal(str, enum.Enum):
    LOGIN = "login"
    LOGOUT = "logout"
    READY = "ready"
    NOT_READY = "not_ready"
    RESERVE = "reserve"            # chosen for a caller
    RING = "ring"                  # the phone rings
    ANSWER = "answer"              # the agent lifted: connected to the caller
    NO_ANSWER = "no_answer"        # rang out, or the phone was busy or unplugged: not ready "missed"
    CANCEL = "cancel"              # the caller went away before the agent answered
    HOLD = "hold"
    UNHOLD = "unhold"
    HANGUP = "hangup"              # the agent's call ended: wrap-up
    WRAP_END = "wrap_end"          # wrap-up over (timer or the agent)
    DIAL = "dial"                  # the agent calls out
    FORCE_READY = "force_ready"    # a supervisor's word, from any state without a call
    FORCE_LOGOUT = "force_logout"


S, G = AgentState, AgentSignal
IDLE_STATES = (S.READY, S.NOT_READY, S.WRAP_UP)          # no call of the ACD's on the agent's phone
CALL_STATES = (S.RESERVED, S.RINGING, S.ON_CALL, S.ON_HOLD, S.OUTBOUND)

TRANSITIONS: dict[tuple[AgentState, AgentSignal], AgentState] = {
    (S.LOGGED_OUT, G.LOGIN): S.NOT_READY,
    (S.READY, G.NOT_READY): S.NOT_READY,
    (S.NOT_READY, G.NOT_READY): S.NOT_READY,              # another reason
    (S.NOT_READY, G.READY): S.READY,
    (S.WRAP_UP, G.READY): S.READY,                        # wrap-up ended by the agent
    (S.WRAP_UP, G.NOT_READY): S.NOT_READY,
    (S.WRAP_UP, G.WRAP_END): S.READY,
    (S.READY, G.RESERVE): S.RESERVED,
    (S.RESERVED, G.RING): S.RINGING,
    (S.RESERVED, G.CANCEL): S.READY,
    (S.RESERVED, G.NO_ANSWER): S.NOT_READY,               # the phone could not be rung (busy, unplugged)
    (S.RINGING, G.ANSWER): S.ON_CALL,
    (S.RINGING, G.NO_ANSWER): S.NOT_READY,
    (S.RINGING, G.CANCEL): S.READY,
    (S.ON_CALL, G.HOLD): S.ON_HOLD,
    (S.ON_HOLD, G.UNHOLD): S.ON_CALL,
    (S.ON_CALL, G.HANGUP): S.WRAP_UP,
    (S.ON_HOLD, G.HANGUP): S.WRAP_UP,
    (S.OUTBOUND, G.HANGUP): S.WRAP_UP,
    (S.OUTBOUND, G.ANSWER): S.OUTBOUND,                   # the called party answered: still the agent's own call
    (S.OUTBOUND, G.HOLD): S.ON_HOLD,                      # a call out taken on as a queue call (a consultation)
    (S.READY, G.DIAL): S.OUTBOUND,
    (S.NOT_READY, G.DIAL): S.OUTBOUND,
    (S.WRAP_UP, G.DIAL): S.OUTBOUND,
    (S.READY, G.LOGOUT): S.LOGGED_OUT,
    (S.NOT_READY, G.LOGOUT): S.LOGGED_OUT,
    (S.WRAP_UP, G.LOGOUT): S.LOGGED_OUT,
    (S.READY, G.FORCE_LOGOUT): S.LOGGED_OUT,
    (S.NOT_READY, G.FORCE_LOGOUT): S.LOGGED_OUT,
    (S.WRAP_UP, G.FORCE_LOGOUT): S.LOGGED_OUT,
    (S.RESERVED, G.FORCE_LOGOUT): S.LOGGED_OUT,
    (S.RINGING, G.FORCE_LOGOUT): S.LOGGED_OUT,
    (S.NOT_READY, G.FORCE_READY): S.READY,
    (S.WRAP_UP, G.FORCE_READY): S.READY,
}


class AgentStateError(Exception):
    """What the table does not allow: the agent stays as it was."""


Listener = Callable[["AgentMachine", AgentState, AgentSignal, str], None]


class AgentMachine:
    """The state of one agent. `reason` goes with not ready (and says why a logout or a miss happened)."""

    def __init__(self, number: str, listener: Listener, state: AgentState = S.LOGGED_OUT, reason: str = "",
                 since: float = 0.0) -> None:
        self.number = number
        self.state = state
        self.reason = reason
        self.since = since
        self.listener = listener

    def can(self, sig: AgentSignal) -> bool:
        return (self.state, sig) in TRANSITIONS

    def signal(self, sig: AgentSignal, now: float, reason: str = "") -> AgentState:
        nxt = TRANSITIONS.get((self.state, sig))
        if nxt is None:
            raise AgentStateError(f"agent {self.number} is {self.state.value}: cannot {sig.value}")
        prev = self.state
        self.state, self.since = nxt, now
        self.reason = reason if nxt in (S.NOT_READY, S.LOGGED_OUT) else ""
        self.listener(self, prev, sig, reason)
        return nxt
