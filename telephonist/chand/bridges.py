"""Bridges and conferences: calls that hear each other, each group on an engine conference of its own.

A bridge joins two or more connected calls and dissolves when fewer than two
talking parties are left (those still in it are told `unbridged`). A named
conference lasts while anyone is in it. In both, a member speaks, only
listens, or whispers to one member (a supervisor listening to an agent's call,
coaching the agent, or barging in); a member on hold stays a member but is
out of the mix and hears music. Both are a `Bridge` holding its engine
conference number and its members.

An engine conference is a number. A number is in use from the first join
until the last member has left, and is never handed to another bridge or
conference meanwhile: two groups on one number hear each other.
"""
from __future__ import annotations

import heapq
import itertools
from typing import TYPE_CHECKING, Any, Iterable

from telephonist.engine import ConfRole, Engine

if TYPE_CHECKING:
    from telephonist.chand.line import Line


class ConferenceNumbers:
    """Engine conference numbers: the lowest free one is taken, a number comes back when its group ends."""

    def __init__(self) -> None:
        self._next = 1
        self._free: list[int] = []
        self.in_use: set[int] = set()

    def take(self) -> int:
        number = heapq.heappop(self._free) if self._free else self._next
        if number == self._next:
            self._next += 1
        self.in_use.add(number)
        return number

    def give_back(self, number: int) -> None:
        if number in self.in_use:
            self.in_use.remove(number)
            heapq.heappush(self._free, number)


class Bridge:
    """Calls that hear each other on one engine conference."""

    def __init__(self, name: str, number: int, named: bool) -> None:
        self.name = name            # "b12" for a bridge, "conf:NAME" for a named conference
        self.number = number        # the engine conference
        self.named = named          # a named conference (lasts while anyone is in it)
        self.members: dict["Line", ConfRole] = {}
        self.whisper_to: dict["Line", "Line"] = {}   # a whisperer -> the member who hears it
        self.held: set["Line"] = set()                # members on hold: out of the mix, hearing music

    def others(self, line: "Line") -> list["Line"]:
        return [m for m in self.members if m is not line]

    def talkers(self) -> list["Line"]:
        return [m for m, role in self.members.items() if role == ConfRole.SPEAK]

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "members": {m.name: r.name.lower() for m, r in self.members.items()},
                "held": sorted(m.name for m in self.held)}


class Bridges:
    """Every bridge and conference of a switchboard; the only code that joins or parts engine conferences."""

    def __init__(self, engine: Engine, board: Any) -> None:
        self.engine = engine
        self.board = board          # record_event / tell_owner
        self.numbers = ConferenceNumbers()
        self.by_name: dict[str, Bridge] = {}
        self._ids = itertools.count(1)

    def bridge(self, lines: Iterable["Line"]) -> Bridge:
        lines = list(lines)
        b = self._open(f"b{next(self._ids)}", named=False)
        for ln in lines:
            self.leave(ln)
            self._join(b, ln, ConfRole.SPEAK, None)
        for ln in lines:
            self.board.record_event(ln, "bridge", bridge=b.name, with_=[o.name for o in b.others(ln)])
        return b

    def conference(self, line: "Line", name: str, role: ConfRole, whisper_to: "Line | None" = None) -> Bridge:
        key = "conf:" + name
        self.leave(line)
        b = self.by_name.get(key) or self._open(key, named=True)
        self._join(b, line, role, whisper_to)
        self.board.record_event(line, "conference", conf=name, role=role.name.lower())
        return b

    def join(self, line: "Line", b: Bridge, role: ConfRole, whisper_to: "Line | None" = None) -> None:
        """Into a bridge or conference already running (a supervisor listens, coaches or barges in)."""
        if whisper_to is not None and whisper_to not in b.members:
            raise ValueError(f"{whisper_to.name} is not in {b.name}")
        self.leave(line)
        self._join(b, line, role, whisper_to)
        for ln in b.members:
            self.board.record_event(ln, "bridge_join", bridge=b.name, joined=line.name, role=role.name.lower())

    def leave(self, line: "Line") -> None:
        b = line.bridge
        if b is None:
            return
        self._part(b, line)
        if b.named:                         # a conference room follows its parties (conferences.py)
            self.board.conferences.left(line)
        for whisperer, target in list(b.whisper_to.items()):
            if target is line:              # coaching someone who left: the coach only listens now
                self._rejoin(b, whisperer, ConfRole.LISTEN, None)
        if not b.named:
            self.board.record_event(line, "unbridge", bridge=b.name)
            if len(b.talkers()) < 2:        # nobody left to talk to: listeners and whisperers go too
                for left in list(b.members):
                    self._part(b, left)
                    self.board.bridge_left_alone(left, b.name)

    def set_role(self, line: "Line", role: ConfRole) -> None:
        """The line speaks or only listens in its bridge from now on (a conference room's mute)."""
        b = line.bridge
        if b is None:
            raise ValueError(f"{line.name} is in no bridge")
        if line in b.held:
            b.members[line] = role          # it comes back from hold with its new role
        else:
            self._rejoin(b, line, role, None)

    def hold(self, line: "Line") -> bool:
        """The line's call goes out of its bridge's mix (it stays a member); False if it is in none."""
        b = line.bridge
        if b is None:
            return False
        if line not in b.held:
            self.engine.conf_leave(line.chan)
            b.held.add(line)
        return True

    def unhold(self, line: "Line") -> None:
        b = line.bridge
        if b is not None and line in b.held:
            self.engine.conf_join(b.number, line.chan, b.members[line],
                                  b.whisper_to[line].chan if line in b.whisper_to else -1)
            b.held.discard(line)

    # ---- the engine side ---------------------------------------------------------------------
    def _open(self, name: str, named: bool) -> Bridge:
        b = Bridge(name, self.numbers.take(), named)
        self.by_name[name] = b
        return b

    def _join(self, b: Bridge, line: "Line", role: ConfRole, whisper_to: "Line | None") -> None:
        try:
            self.engine.conf_join(b.number, line.chan, role, whisper_to.chan if whisper_to is not None else -1)
        except Exception:
            if not b.members:
                self._close(b)
            raise
        b.members[line] = role
        if whisper_to is not None:
            b.whisper_to[line] = whisper_to
        assert line.call is not None
        line.call.bridge = b

    def _rejoin(self, b: Bridge, line: "Line", role: ConfRole, whisper_to: "Line | None") -> None:
        self.engine.conf_leave(line.chan)
        b.whisper_to.pop(line, None)
        b.held.discard(line)
        self.engine.conf_join(b.number, line.chan, role, whisper_to.chan if whisper_to is not None else -1)
        b.members[line] = role
        if whisper_to is not None:
            b.whisper_to[line] = whisper_to

    def _part(self, b: Bridge, line: "Line") -> None:
        if line.call is not None and line.call.bridge is b:
            line.call.bridge = None
        b.members.pop(line, None)
        b.whisper_to.pop(line, None)
        b.held.discard(line)
        self.engine.conf_leave(line.chan)
        if not b.members:
            self._close(b)

    def _close(self, b: Bridge) -> None:
        # the engine applies commands in order: every conf_leave above reaches it before any
        # conf_join of a later group that is given this number
        if self.by_name.get(b.name) is b:
            del self.by_name[b.name]
        self.numbers.give_back(b.number)
