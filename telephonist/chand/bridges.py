"""Bridges and conferences: calls that hear each other, each group on an engine conference of its own.

A bridge joins two or more connected calls and dissolves when one is left
alone (the one left is told `unbridged`). A named conference lasts while
anyone is in it; its members speak, only listen, or whisper to one member.
Both are a `Bridge` holding its engine conference number and its members.

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

    def others(self, line: "Line") -> list["Line"]:
        return [m for m in self.members if m is not line]

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "members": {m.name: r.name.lower() for m, r in self.members.items()}}


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
            self._join(b, ln, ConfRole.SPEAK, -1)
        for ln in lines:
            self.board.record_event(ln, "bridge", bridge=b.name, with_=[o.name for o in b.others(ln)])
        return b

    def conference(self, line: "Line", name: str, role: ConfRole, whisper_to: "Line | None" = None) -> Bridge:
        key = "conf:" + name
        self.leave(line)
        b = self.by_name.get(key) or self._open(key, named=True)
        self._join(b, line, role, whisper_to.chan if whisper_to is not None else -1)
        self.board.record_event(line, "conference", conf=name, role=role.name.lower())
        return b

    def leave(self, line: "Line") -> None:
        b = line.bridge
        if b is None:
            return
        self._part(b, line)
        if not b.named:
            self.board.record_event(line, "unbridge", bridge=b.name)
            if len(b.members) == 1:
                alone = next(iter(b.members))
                self._part(b, alone)
                self.board.tell_owner(alone, "unbridged", bridge=b.name)

    # ---- the engine side ---------------------------------------------------------------------
    def _open(self, name: str, named: bool) -> Bridge:
        b = Bridge(name, self.numbers.take(), named)
        self.by_name[name] = b
        return b

    def _join(self, b: Bridge, line: "Line", role: ConfRole, whisper_to: int) -> None:
        try:
            self.engine.conf_join(b.number, line.chan, role, whisper_to)
        except Exception:
            if not b.members:
                self._close(b)
            raise
        b.members[line] = role
        assert line.call is not None
        line.call.bridge = b

    def _part(self, b: Bridge, line: "Line") -> None:
        if line.call is not None and line.call.bridge is b:
            line.call.bridge = None
        b.members.pop(line, None)
        self.engine.conf_leave(line.chan)
        if not b.members:
            self._close(b)

    def _close(self, b: Bridge) -> None:
        # the engine applies commands in order: every conf_leave above reaches it before any
        # conf_join of a later group that is given this number
        if self.by_name.get(b.name) is b:
            del self.by_name[b.name]
        self.numbers.give_back(b.number)
