"""The node types of call flows; importing this package registers them all.

One module per family: prompting (play, menu, collect, language, hangup),
logic (branch, set), routing (transfer, fax), and the modules of the
self-service nodes (say, lookup, schedule, lists, authenticate, survey,
voicemail). A new node type is a NodeType subclass with @register in one of
them (or a new module imported here).
"""
from __future__ import annotations

import importlib
import pkgutil

from telephonist.ivrd.nodes.registry import REGISTRY, NodeType, register  # noqa: F401

for _mod in pkgutil.iter_modules(__path__):
    if _mod.name != "registry":
        importlib.import_module(f"{__name__}.{_mod.name}")
