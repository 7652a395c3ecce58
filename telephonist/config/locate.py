"""Find the line of a key in a TOML file, so that every configuration error can say file:line.

tomllib gives positions only for syntax errors; for a semantic error (an
unknown span, a bad time zone) we know the key's path, e.g.
("spans", 2, "channels"), and find it by walking the source's table headers
and keys. Good enough for the shapes configuration files use: [table],
[[array]], dotted keys, and key = value lines.
"""
from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*(\]\]?)\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*=""")


def _parts(dotted: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.split(r"\.(?=(?:[^\"']*[\"'][^\"']*[\"'])*[^\"']*$)", dotted)]


def key_line(source: str, path: tuple) -> int:
    """1-based line of the deepest part of path found in source (1 if nothing matches)."""
    best = 1
    table: list = []
    array_counts: dict[tuple, int] = {}
    # TOML ends lines with \n only; splitlines() would also split at \r, \f, \x1c, U+2028 ... and
    # give a line number no editor shows
    for lineno, line in enumerate(source.split("\n"), start=1):
        m = _HEADER.match(line)
        if m and not line.lstrip().startswith("#"):
            names = _within_arrays(_parts(m.group(2)), array_counts)
            if m.group(1) == "[[":
                key = tuple(names)
                idx = array_counts.get(key, -1) + 1
                array_counts[key] = idx
                table = names + [idx]
            else:
                table = names
            if _prefix_len(table, path) == len(table) and len(table) <= len(path):
                best = lineno
            continue
        k = _KEY.match(line)
        if k:
            full = table + _parts(k.group(1))
            n = _prefix_len(full, path)
            if n == len(full) and n <= len(path) and _prefix_len(table, path) == len(table):
                best = lineno
    return best


def _within_arrays(names: list[str], array_counts: dict[tuple, int]) -> list:
    """[[spans.ports]] lies in the latest [[spans]]: ["spans", "ports"] -> ["spans", 0, "ports"]."""
    out: list = []
    for i, name in enumerate(names):
        out.append(name)
        if i < len(names) - 1 and tuple(out) in array_counts:
            out.append(array_counts[tuple(out)])
    return out


def _prefix_len(a: list, b: tuple) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
