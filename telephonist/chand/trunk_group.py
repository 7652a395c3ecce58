"""Trunk groups: which lines an outbound call may take, and in which order.

Hunting strategies are a table of small functions, each choosing among the
group's free lines.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from telephonist.chand.line import Line, LineState


def _ascending(group: "TrunkGroup", free: list[Line]) -> Line:
    return free[0]


def _descending(group: "TrunkGroup", free: list[Line]) -> Line:
    return free[-1]


def _round_robin(group: "TrunkGroup", free: list[Line]) -> Line:
    order = {ln.name: i for i, ln in enumerate(group.lines)}
    after = [ln for ln in free if order[ln.name] > group.last_index]
    chosen = after[0] if after else free[0]
    group.last_index = order[chosen.name]
    return chosen


def _least_used(group: "TrunkGroup", free: list[Line]) -> Line:
    return min(free, key=lambda ln: (ln.calls_total, ln.last_used_ms))


HUNTING: dict[str, Callable[["TrunkGroup", list[Line]], Line]] = {
    "ascending": _ascending,
    "descending": _descending,
    "round_robin": _round_robin,
    "least_used": _least_used,
}


@dataclass
class TrunkGroup:
    name: str
    lines: list[Line]
    hunting: str = "ascending"
    caller_id: str = ""
    max_calls: int = 0                  # 0: as many as there are lines
    last_index: int = -1
    record: bool = False                # its calls are recorded whole from the answer
    active: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.hunting not in HUNTING:
            raise ValueError(f"trunk group {self.name}: unknown hunting {self.hunting!r}; "
                             f"one of {', '.join(HUNTING)}")

    def extension(self, number: str) -> Line | None:
        """The phone of this group whose extension is `number` (FXS spans), free or not."""
        return next((ln for ln in self.lines if getattr(ln, "extension", None) == number), None)

    def pick(self) -> Line | None:
        """A free line by the group's hunting order, or None when all are busy (or the limit is reached)."""
        in_use = sum(1 for ln in self.lines if ln.state != LineState.IDLE or ln.owner)
        if self.max_calls and in_use >= self.max_calls:
            return None
        free = [ln for ln in self.lines if ln.state == LineState.IDLE and ln.owner is None]
        if not free:
            return None
        return HUNTING[self.hunting](self, free)
