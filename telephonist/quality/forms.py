"""Scoring forms as text an operator can paste from a spreadsheet: one item per line,
``section; item; points`` with ``; fatal`` for an item whose failure makes the whole score 0.

    Opening; Greets with the company name and own number; 5
    Compliance; Verifies the caller before giving policy details; 10; fatal

Lines starting with # and blank lines are skipped. A mistake is refused with its line number.
"""
from __future__ import annotations

from dataclasses import dataclass

MAX_ITEMS = 200
MAX_POINTS = 100


class FormError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class ItemSpec:
    section: str
    label: str
    points: int
    fatal: bool = False


def parse_items(text: str) -> list[ItemSpec]:
    out: list[ItemSpec] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.replace("；", ";").split(";")]
        if len(parts) not in (3, 4):
            raise FormError(n, "write `section; item; points` (and `; fatal` for a fatal item)")
        section, label, points = parts[:3]
        if not section or not label:
            raise FormError(n, "the section and the item need a text")
        if len(section) > 80 or len(label) > 500:
            raise FormError(n, "a section is at most 80 characters, an item at most 500")
        if not points.isascii() or not points.isdigit() or not 1 <= int(points) <= MAX_POINTS:
            raise FormError(n, f"points are a whole number from 1 to {MAX_POINTS}")
        fatal = len(parts) == 4
        if fatal and parts[3].lower() not in ("fatal", "致命"):
            raise FormError(n, f"the fourth field can only be `fatal`, not `{parts[3]}`")
        out.append(ItemSpec(section, label, int(points), fatal))
        if len(out) > MAX_ITEMS:
            raise FormError(n, f"a form has at most {MAX_ITEMS} items")
    if not out:
        raise FormError(1, "a form needs at least one item")
    return out


def render_items(items: list[ItemSpec]) -> str:
    return "".join(f"{i.section}; {i.label}; {i.points}{'; fatal' if i.fatal else ''}\n" for i in items)


def score(items: list[tuple[int, int, bool]], given: dict[int, int]) -> tuple[float, bool]:
    """The score 0-100 of the points ``given`` per item id, for items (id, points, fatal); and whether a fatal item
    failed (then the score is 0). Every item needs its points: a fatal item its full points (passed) or 0."""
    total = earned = 0
    fatal_failed = False
    for item_id, points, fatal in items:
        if item_id not in given:
            raise ValueError("every item needs its points")
        got = given[item_id]
        if fatal and got not in (0, points):
            raise ValueError("a fatal item is passed (full points) or failed (0)")
        if not 0 <= got <= points:
            raise ValueError(f"points for an item are from 0 to {points}")
        fatal_failed |= fatal and got == 0
        total += points
        earned += got
    if set(given) - {i[0] for i in items}:
        raise ValueError("points for an item the form does not have")
    return (0.0 if fatal_failed else round(100.0 * earned / total, 1)), fatal_failed
