"""Conference rooms: [[conferences]] (docs/admin.md, "Conference rooms", is the reference).

A room is a named chand conference with rules around it: who may enter (a PIN, a leader PIN), how many
(at most 30), whether it is locked at start, whether it is recorded and whether tones mark entries and exits.
Callers reach it by the route target `conf:NAME` or by a flow's `conference` node.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

MAX_PARTIES = 30                        # the hard cap: the mix of 30 speakers is what the engine is measured for


@dataclass(frozen=True)
class ConferenceConfig:
    name: str                           # the route target conf:NAME and the flow node's room
    pin: str = ""                       # digits a caller keys to enter ("" : no PIN)
    leader_pin: str = ""                # the leader's (moderator's) digits: enters a locked room, never counted as wrong
    max_parties: int = MAX_PARTIES      # a caller beyond this hears the "full" message (1-30)
    record: bool = True                 # one recording per session, from the first party to the last
    entry_tone: bool = True             # everyone hears a short tone when a party enters ...
    exit_tone: bool = True              # ... and another when one leaves
    locked: bool = False                # the room starts locked (only a leader PIN enters)


def check_conferences(cfg: Any, problem: Callable[[tuple, str], None]) -> None:
    """Problems with [[conferences]]; problem(path, message) records each with its file:line."""
    seen: set[str] = set()
    for i, c in enumerate(cfg.conferences):
        p = ("conferences", i)
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", c.name):
            problem(p + ("name",), f"conference name '{c.name}' must be 1-32 letters, digits, '_' or '-'")
        elif c.name in seen:
            problem(p + ("name",), f"conference '{c.name}' is defined twice")
        seen.add(c.name)
        for key in ("pin", "leader_pin"):
            value = getattr(c, key)
            if value and not re.fullmatch(r"[0-9]{3,12}", value):
                problem(p + (key,), f"{key} must be 3-12 digits (or empty: none)")
        if c.pin and c.pin == c.leader_pin:
            problem(p + ("leader_pin",), "leader_pin must differ from pin (it is how the leader is told apart)")
        if not 1 <= c.max_parties <= MAX_PARTIES:
            problem(p + ("max_parties",), f"max_parties must be from 1 to {MAX_PARTIES}")
        if c.locked and not c.leader_pin:
            problem(p + ("locked",), "a room locked at start needs a leader_pin (else nobody could enter it)")


def conference_target_problem(target: str, cfg: Any) -> str | None:
    """`conf:NAME` must name a configured room."""
    name = target[len("conf:"):]
    if name not in {c.name for c in cfg.conferences}:
        known = ", ".join(c.name for c in cfg.conferences) or "none"
        return f"'{target}' names no [[conferences]] room (rooms: {known})"
    return None
