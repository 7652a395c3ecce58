"""What a node type is: its fields (checked when a flow is loaded) and what it does on a call.

Each node type is a subclass of NodeType registered with @register. The loader
checks every node's table against `fields` (unknown keys, wrong types, missing
required keys: all reported with file:line), lets the type check more with
`check`, and follows the fields of kind "node"/"node_map" to verify the flow's
graph (every target exists, every node can reach an end). At run time
`run(node, call)` does the work through the Call API (telephonist/ivrd/call.py)
and returns the name of the next node, or None when the call is finished
(hung up, transferred, handed off).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from telephonist.ivrd.call import Call
    from telephonist.ivrd.flow_model import Node


# Field kinds:
#   str, int, bool, float     plain values ("str" may hold ${var} references)
#   prompts                   a prompt name or a list of them: "zh/welcome.wav", "{lang}/menu.wav",
#                             {tone = "busy", ms = 500}, {silence = 300}
#   node                      the name of another node of the same flow (an exit)
#   node_map                  a table of key -> node name (menu choices: an exit per key)
#   str_map                   a table of key -> string (variables to set, query parameters ...)
#   str_list                  a list of strings
#   any                       a TOML value the type checks itself in check()
KINDS = ("str", "int", "bool", "float", "prompts", "node", "node_map", "str_map", "str_list", "any")


# The longest wait a flow may set (a time-out, a no-answer time, a tone or silence in prompts): these
# become engine timers and media lengths, which the engine itself bounds at 24 hours.
MAX_FLOW_MS = 600_000


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    required: bool = False
    default: Any = None
    help: str = ""
    range: tuple[int, int] | None = None      # "int": the values allowed (the loader refuses others at their line)

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind
        assert self.range is None or self.kind == "int", self.name


@dataclass
class CheckContext:
    """What a node type may consult when a flow is loaded; `problem` records an error at a key."""
    flow_name: str
    prompts_dir: str
    languages: tuple[str, ...]
    flow_names: set[str]                  # every flow loaded with this one (transfer to flow:NAME)
    schedules: dict[str, Any]             # schedules.toml: name -> Schedule (a node keeps the one it uses)
    lookup_sources: set[str]              # [ivrd.sources.NAME] in telephonist.toml
    problems: list[tuple[str, int, str]] = field(default_factory=list)
    _node: "Node | None" = None

    def problem(self, key: str | None, message: str) -> None:
        """An error at `key` of the node being checked (None: at the node's table)."""
        node = self._node
        assert node is not None
        line = node.key_lines.get(key, node.line) if key else node.line
        self.problems.append((node.file, line, f"node {node.name!r}: {message}"))


class NodeType:
    name: ClassVar[str]                    # the `type = "..."` of the node
    fields: ClassVar[tuple[Field, ...]] = ()
    # A node type that may end the call itself (hangup, transfer ...) says so: the graph check
    # accepts a node as an end when it is terminal or has no exits.
    terminal: ClassVar[bool] = False
    # The default `tag` of its steps (reports count self-service use by tag); a node may set its own.
    tag: ClassVar[str | None] = None

    def check(self, node: "Node", ctx: CheckContext) -> None:
        """Checks beyond field types (a pattern that compiles, a known schedule ...)."""

    async def run(self, node: "Node", call: "Call") -> str | None:
        raise NotImplementedError


REGISTRY: dict[str, NodeType] = {}


def register(cls: type[NodeType]) -> type[NodeType]:
    if cls.name in REGISTRY:
        raise ValueError(f"node type {cls.name!r} registered twice")
    REGISTRY[cls.name] = cls()
    return cls


# Fields every node has, whatever its type.
COMMON_FIELDS = (
    Field("type", "str", required=True),
    Field("tag", "str", help="the self-service type reports count this step under"),
    Field("comment", "str"),
)
