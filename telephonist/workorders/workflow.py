"""An order's states and the ONE table of moves between them, with who may make each.

    accepted ─dispatch→ dispatched ─start→ in_progress ─finish→ done ─close→ closed
        │                   │                                     │
        └──reject──→ rejected ←──reject─┘          reopen (done, closed, rejected) → reopened ─dispatch→ ...

Who: "office" is a user with the right workorders.dispatch (the back office that dispatches, rejects,
verifies and closes, reopens); "member" is the order's assignee or a member or head of the unit the order
is at (workorders.toml [[units]] members/head): the department or the field crew that does the work.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class State(str, enum.Enum):
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CLOSED = "closed"
    REJECTED = "rejected"
    REOPENED = "reopened"


OPEN_STATES = frozenset({State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS, State.REOPENED})
"""States in which the deadline counts (done waits for the office's check, which is not the crew's delay)."""
FINAL_STATES = frozenset({State.CLOSED, State.REJECTED})

OFFICE, MEMBER = "office", "member"


@dataclass(frozen=True)
class Move:
    name: str
    sources: frozenset[State]
    target: State
    who: frozenset[str]
    needs_note: bool = False           # finishing, rejecting and reopening say why
    sets_unit: bool = False            # dispatching says where (unit, assignee)


def _m(name: str, sources: set[State], target: State, who: set[str], **kw: bool) -> Move:
    return Move(name, frozenset(sources), target, frozenset(who), **kw)


MOVES: dict[str, Move] = {m.name: m for m in (
    _m("dispatch", {State.ACCEPTED, State.REOPENED, State.DISPATCHED}, State.DISPATCHED, {OFFICE}, sets_unit=True),
    _m("start", {State.DISPATCHED}, State.IN_PROGRESS, {OFFICE, MEMBER}),
    _m("finish", {State.IN_PROGRESS}, State.DONE, {OFFICE, MEMBER}, needs_note=True),
    _m("close", {State.DONE}, State.CLOSED, {OFFICE}),
    _m("reject", {State.ACCEPTED, State.DISPATCHED, State.REOPENED}, State.REJECTED, {OFFICE}, needs_note=True),
    _m("reopen", {State.DONE, State.CLOSED, State.REJECTED}, State.REOPENED, {OFFICE}, needs_note=True),
)}


class MoveRefused(ValueError):
    """The move is not allowed from this state or for this user; the message says why."""


def roles(is_office: bool, is_member: bool) -> frozenset[str]:
    return frozenset(({OFFICE} if is_office else set()) | ({MEMBER} if is_member else set()))


def allowed(state: State, who: frozenset[str]) -> list[Move]:
    """The moves a user with roles `who` may make on an order in `state`, in the table's order."""
    return [m for m in MOVES.values() if state in m.sources and m.who & who]


def check(name: str, state: State, who: frozenset[str], note: str) -> Move:
    move = MOVES.get(name)
    if move is None:
        raise MoveRefused(f"no move {name!r} (one of: {', '.join(MOVES)})")
    if state not in move.sources:
        raise MoveRefused(f"{name}: not from {state.value} (only from {', '.join(sorted(s.value for s in move.sources))})")
    if not move.who & who:
        raise MoveRefused(f"{name}: only " + " or ".join(
            {"office": "the office (right workorders.dispatch)", "member": "the unit's members"}[w]
            for w in sorted(move.who)))
    if move.needs_note and not note.strip():
        raise MoveRefused(f"{name}: say why (a note is needed)")
    return move
