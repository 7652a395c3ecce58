"""Exits that fall through to another exit when unset (holiday -> closed, on_empty -> next ...).

The loader treats an unset optional exit of kind "node" as a place where the
call may end (the runner hangs up there). An exit that falls through to
another one when unset is not such an end, so it is declared as a "str" field
and listed by `extra_exits`: the loader still checks that its target exists,
and the graph check follows it, without counting the node as an end.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from telephonist.ivrd.flow_model import Node


class FallthroughExits:
    fallthrough_exits: ClassVar[tuple[str, ...]] = ()

    def extra_exits(self, node: "Node") -> list[tuple[str, str]]:
        return [(k, node.params[k]) for k in self.fallthrough_exits if isinstance(node.params.get(k), str)]
