"""Numbers typed into the console, read strictly: ASCII digits 0-9 only, within a range.

Python's ``int()``, ``str.isdigit()`` and ``re``'s ``\\d`` all take other scripts' digits ('١٢٣',
'１２３') and ``isdigit()`` even takes '²', which ``int()`` then refuses; an integer past 2**63
overflows the database. A phone keypad, DAHDI and the database know only 0-9, so anything else
is refused here with a message naming the field (the views answer 400 with it), never passed on.
"""
from __future__ import annotations

import re
from typing import Any

from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

DIGITS = re.compile(r"[0-9]+")
ROW_ID_MAX = 2**63 - 1
MAX_PAGE = 1_000_000


class BadNumber(ValueError):
    """The text is not a whole number in the range; the message says which field and what it takes."""


def whole(text: str, name: str, low: int, high: int) -> int:
    t = text.strip()
    if not DIGITS.fullmatch(t) or not low <= int(t) <= high:
        raise BadNumber(f"{name}: a whole number from {low} to {high} (digits 0-9)")
    return int(t)


def is_digits(text: str, low: int = 1, high: int = 64) -> bool:
    """``text`` is ``low`` to ``high`` ASCII digits."""
    return bool(DIGITS.fullmatch(text)) and low <= len(text) <= high


def arg(args: Any, name: str, default: int, low: int, high: int) -> int:
    """A whole-number query or form parameter (``default`` when absent or empty); 400 when it is not one."""
    text = args.get(name, "")
    if not text.strip():
        return default
    try:
        return whole(text, name, low, high)
    except BadNumber as exc:
        raise BadRequest(description=str(exc)) from None


def page(args: Any) -> int:
    """The ``page`` of a paged list (1 when absent)."""
    return arg(args, "page", 1, 1, MAX_PAGE)


class RowId(IntegerConverter):
    """``<int:...>`` in the console's URLs: ASCII digits and a database row id's range, else no match (404)."""
    regex = r"[0-9]+"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ROW_ID_MAX)
        super().__init__(map, *args, **kwargs)
