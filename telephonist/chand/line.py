"""A line: one channel of a span as chand sees it, and the call it carries.

The line's state lives here and the call's state in the one `Call` object the
line holds while busy (call.py). The signalling in use
(analog FXO/FXS, E1) turns engine events into the line-level signals below
and carries out the line's actions on the wire; the transitions themselves
are one table, so every path a call can take is visible in one place.
"""
from __future__ import annotations

import enum
import logging
from typing import TYPE_CHECKING, Any, Callable

from telephonist.chand.call import Call, Disposition

if TYPE_CHECKING:
    from telephonist.chand.bridges import Bridge
    from telephonist.chand.signalling.base import Signalling

__all__ = ["Line", "LineState", "Signal", "TRANSITIONS", "LineListener", "Call", "Disposition"]

log = logging.getLogger(__name__)


class LineState(enum.Enum):
    IDLE = "idle"
    RINGING = "ringing"            # inbound: the line rings, not yet offered to an application
    OFFERED = "offered"            # inbound: an application has been told, it may answer
    DIALING = "dialing"            # outbound: seizing the line and sending the number
    PROCEEDING = "proceeding"      # outbound: the number is sent, waiting for answer
    UP = "up"                      # connected
    CLEARING = "clearing"          # we hung up; waiting for the line to settle (FXS phone still off hook)
    BLOCKED = "blocked"            # span alarm or out of service


class Signal(enum.Enum):
    INCOMING = "incoming"          # the far end calls us (ring, SETUP, phone off hook and dialled)
    OFFER = "offer"                # we told an application
    ANSWER = "answer"              # we answered
    DIAL = "dial"                  # we start an outbound call
    SENT = "sent"                  # the number has been sent
    REMOTE_ANSWER = "remote_answer"
    REMOTE_FAIL = "remote_fail"    # busy, congestion, unallocated, no answer
    REMOTE_HANGUP = "remote_hangup"
    HANGUP = "hangup"              # we hang up
    SETTLED = "settled"            # the line is idle again
    ALARM = "alarm"
    ALARM_CLEARED = "alarm_cleared"


S, G = LineState, Signal

# (state, signal) -> next state. A signal not listed for a state is ignored and logged.
TRANSITIONS: dict[tuple[LineState, Signal], LineState] = {
    (S.IDLE, G.INCOMING): S.RINGING,
    (S.IDLE, G.DIAL): S.DIALING,
    (S.RINGING, G.OFFER): S.OFFERED,
    (S.RINGING, G.ANSWER): S.UP,
    (S.RINGING, G.REMOTE_HANGUP): S.IDLE,
    (S.RINGING, G.HANGUP): S.CLEARING,
    (S.OFFERED, G.ANSWER): S.UP,
    (S.OFFERED, G.REMOTE_HANGUP): S.IDLE,
    (S.OFFERED, G.HANGUP): S.CLEARING,
    (S.DIALING, G.SENT): S.PROCEEDING,
    (S.DIALING, G.REMOTE_ANSWER): S.UP,
    (S.DIALING, G.REMOTE_FAIL): S.CLEARING,
    (S.DIALING, G.REMOTE_HANGUP): S.IDLE,
    (S.DIALING, G.HANGUP): S.CLEARING,
    (S.PROCEEDING, G.REMOTE_ANSWER): S.UP,
    (S.PROCEEDING, G.REMOTE_FAIL): S.CLEARING,
    (S.PROCEEDING, G.REMOTE_HANGUP): S.IDLE,
    (S.PROCEEDING, G.HANGUP): S.CLEARING,
    (S.UP, G.REMOTE_HANGUP): S.CLEARING,
    (S.UP, G.HANGUP): S.CLEARING,
    (S.CLEARING, G.SETTLED): S.IDLE,
    (S.CLEARING, G.REMOTE_HANGUP): S.CLEARING,
    (S.CLEARING, G.HANGUP): S.CLEARING,
    (S.IDLE, G.ALARM): S.BLOCKED,
    (S.BLOCKED, G.ALARM_CLEARED): S.IDLE,
}

BUSY_STATES = {S.RINGING, S.OFFERED, S.DIALING, S.PROCEEDING, S.UP, S.CLEARING}


class Line:
    """One channel of one span, with its signalling and (when busy) its call."""

    def __init__(self, name: str, span: str, index: int, chan: int, kind: str,
                 signalling: "Signalling", listener: "LineListener") -> None:
        self.name = name            # "pstn/3"
        self.span = span
        self.index = index          # 1-based within the span
        self.chan = chan            # engine channel id
        self.kind = kind            # fxo | fxs | e1
        self.sig = signalling
        self.listener = listener
        self.state = LineState.IDLE
        self.state_since_ms = 0
        self.call: Call | None = None       # the call on the line, with all its state (call.py)
        self.trunk_groups: list[str] = []
        self.calls_total = 0
        self.last_used_ms = 0
        self.extension: str | None = None   # FXS: the phone's extension number
        self.local = False                  # the sound card (drivers: local), driven by `telephonist phone`
        self.dahdi_channel: int | None = None   # drivers: dahdi, the DAHDI channel number (system.conf's)
        self.echo: Any = None               # drivers: dahdi, the channel's echo canceller (on while a call is up)

    # ---- state --------------------------------------------------------------------
    def signal(self, sig: Signal, now_ms: int, **info: Any) -> bool:
        nxt = TRANSITIONS.get((self.state, sig))
        if nxt is None:
            log.debug("event=signal_ignored line=%s state=%s signal=%s", self.name, self.state.value, sig.value)
            return False
        prev = self.state
        self.state = nxt
        self.state_since_ms = now_ms
        log.info("event=line_state line=%s from=%s to=%s signal=%s%s", self.name, prev.value, nxt.value,
                 sig.value, "".join(f" {k}={v}" for k, v in info.items()))
        self.listener.line_changed(self, prev, sig, info)
        return True

    @property
    def busy(self) -> bool:
        return self.state in BUSY_STATES

    @property
    def owner(self) -> str | None:
        """The application session the line's call belongs to (None when idle or chand's own)."""
        return self.call.owner if self.call else None

    @property
    def bridge(self) -> "Bridge | None":
        return self.call.bridge if self.call else None

    def new_call(self, direction: str, now_ms: int, **fields: Any) -> Call:
        self.call = Call(call_id=fields.pop("call_id", None) or Call.new_id(), direction=direction,
                         started_ms=now_ms, **fields)
        self.calls_total += 1
        self.last_used_ms = now_ms
        return self.call

    def take_over(self, other: Line, now_ms: int) -> None:
        """The call on `other` goes on on this idle line (a PRI call the far end put on another B-channel): the call
        object and its state move here, and `other` is idle again without the call having ended."""
        assert self.state == LineState.IDLE and other.call is not None
        log.info("event=call_moved from=%s to=%s state=%s call_id=%s", other.name, self.name, other.state.value,
                 other.call.call_id)
        self.call, other.call = other.call, None
        self.state, other.state = other.state, LineState.IDLE
        self.state_since_ms = other.state_since_ms = now_ms
        self.calls_total += 1
        self.last_used_ms = now_ms

    def describe(self, now_ms: int) -> dict[str, Any]:
        d: dict[str, Any] = {
            "chan": self.name, "kind": self.kind, "state": self.state.value,
            "since_ms": now_ms - self.state_since_ms, "owner": self.owner,
        }
        if self.call:
            c = self.call
            d.update(call_id=c.call_id, direction=c.direction, caller=c.caller, dialled=c.dialled,
                     application=c.application, leg_id=c.leg_id, record_committed=c.leg_committed)
            if c.bridge:
                d["conference" if c.bridge.named else "bridge"] = c.bridge.name.removeprefix("conf:")
            if c.transfer:
                d["transfer"] = c.transfer.other(self).name
            for key in ("agent", "queue"):
                if c.vars.get(key):
                    d[key] = c.vars[key]
        if self.extension:
            d["extension"] = self.extension
        if self.dahdi_channel is not None:
            d["dahdi_channel"] = self.dahdi_channel
        d.update(self.sig.describe())
        return d


class LineListener:
    """What a line tells the daemon about (chand's Switchboard implements it)."""

    def line_changed(self, line: Line, prev: LineState, sig: Signal, info: dict[str, Any]) -> None:
        raise NotImplementedError

    def number_complete(self, line: Line, dialled: str, caller: str) -> bool:
        """Overlap receiving: whether routing needs no more digits than these."""
        raise NotImplementedError

    def move_call(self, line: Line, chan: int) -> Line | None:
        """The line's call goes on on engine channel chan's line; that line, or None if it cannot take it."""
        raise NotImplementedError


Callback = Callable[[], None]
