"""A loaded call flow: its settings and its nodes, each remembering the file and line it came from."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Node:
    name: str
    type: str
    params: dict[str, Any]                 # the node's table, with defaults filled in
    file: str
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)
    compiled: dict[str, Any] = field(default_factory=dict)    # what check() prepared (expressions, patterns)

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    def get(self, key: str, default: Any = None) -> Any:
        value = self.params.get(key)
        return default if value is None else value


@dataclass
class Flow:
    name: str
    file: str
    start: str
    nodes: dict[str, Node]
    numbers: tuple[str, ...] = ()          # dialled numbers (patterns with a trailing *) that enter this flow
    language: str = ""                     # the language a call starts in ("" = ivrd's default)
    description: str = ""
    fallback_prompt: str = ""              # "" = ivrd's
    fallback: str = ""                     # "" = ivrd's


@dataclass
class FlowSet:
    """Every flow of the flows directory, and the schedules they use: what one reload applies."""
    flows: dict[str, Flow] = field(default_factory=dict)
    schedules: dict[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    def for_number(self, dialled: str) -> Flow | None:
        """The flow claiming a dialled number: an exact number first, then the longest prefix."""
        best: tuple[int, Flow] | None = None
        for flow in self.flows.values():
            for pattern in flow.numbers:
                if pattern == dialled:
                    return flow
                if pattern.endswith("*") and dialled.startswith(pattern[:-1]):
                    if best is None or len(pattern) > best[0]:
                        best = (len(pattern), flow)
        return best[1] if best else None
