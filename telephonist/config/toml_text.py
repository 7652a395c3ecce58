"""TOML from outside (configuration, flows, schedules) read without surprises: a file nested deep
enough to exhaust Python's recursion, or deeper than any of ours needs, is a TOML syntax error like
any other (tomllib.TOMLDecodeError), never a RecursionError out of a loader."""
from __future__ import annotations

import tomllib
from typing import Any

MAX_NESTING = 32            # tables and arrays inside one another; ours go four or five deep


def loads(text: str) -> dict[str, Any]:
    try:
        doc = tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError("arrays or tables nested too deep to read") from None
    if _depth(doc) > MAX_NESTING:
        raise tomllib.TOMLDecodeError(f"arrays or tables nested more than {MAX_NESTING} deep")
    return doc


def _depth(value: Any) -> int:
    """How deep tables and arrays nest in value (walked without recursion)."""
    deepest, todo = 0, [(value, 0)]
    while todo:
        v, d = todo.pop()
        if isinstance(v, dict):
            todo.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            todo.extend((x, d + 1) for x in v)
        else:
            continue
        deepest = max(deepest, d + 1)
        if deepest > MAX_NESTING:
            break
    return deepest
