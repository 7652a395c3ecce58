"""Reading the values a flow asks to say: numbers, amounts, dates, times, digit strings.

Values come from variables (digits the caller typed, columns a lookup returned),
so they arrive as text. Each parser accepts the usual spellings and raises
SayError with a sentence an operator understands when it cannot.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Large enough for any balance or count a hotline reads out (below ten thousand trillion).
MAX_INTEGER = 10**16 - 1
MAX_FRACTION_DIGITS = 12

_NUMBER = re.compile(r"([+-]?)(\d*)(?:\.(\d+))?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DIGITS_SEPARATORS = " -"


class SayError(ValueError):
    """The value cannot be read out as asked."""


@dataclass(frozen=True)
class Number:
    negative: bool
    integer: int
    fraction: str = ""          # the digits after the point, as written ("05" in 2.05)

    @property
    def is_zero(self) -> bool:
        return self.integer == 0 and not self.fraction.strip("0")


def parse_number(value: object) -> Number:
    """"12345.6", "-3", "+0.50", "1,234", ".5", 42, 2.5 -> Number; anything else is a SayError."""
    text = str(value).strip()
    if "," in text:                          # thousands separators, only where they belong
        if not _GROUPED.fullmatch(text):
            raise SayError(f"{value!r} is not a number")
        text = text.replace(",", "")
    m = _NUMBER.fullmatch(text)
    if not m or not (m.group(2) or m.group(3)):
        raise SayError(f"{value!r} is not a number")
    sign, whole, frac = m.group(1), m.group(2) or "0", m.group(3) or ""
    integer = int(whole)
    if integer > MAX_INTEGER:
        raise SayError(f"{value!r} is too large to read out")
    if len(frac) > MAX_FRACTION_DIGITS:
        raise SayError(f"{value!r} has too many decimals to read out")
    n = Number(sign == "-", integer, frac)
    return Number(False, n.integer, n.fraction) if n.is_zero else n     # no "minus zero"


@dataclass(frozen=True)
class Amount:
    negative: bool
    major: int                  # yuan, dollars
    minor: int                  # fen, cents (0..99)


def parse_amount(value: object) -> Amount:
    """A sum of money, rounded half up to the cent: "12345.6" -> 12345 and 60."""
    n = parse_number(value)
    try:
        cents = Decimal(f"{n.integer}.{n.fraction or '0'}").quantize(Decimal("0.01"), ROUND_HALF_UP)
    except InvalidOperation as exc:          # pragma: no cover - parse_number already vetted it
        raise SayError(f"{value!r} is not an amount") from exc
    major, minor = divmod(int(cents * 100), 100)
    if major > MAX_INTEGER:
        raise SayError(f"{value!r} is too large to read out")
    return Amount(n.negative and (major or minor) > 0, major, minor)


def parse_percent(value: object) -> Number:
    """"12.5", "12.5%", "-3 %" -> the number of percent."""
    text = str(value).strip()
    if text.endswith("%"):
        text = text[:-1].rstrip()
    return parse_number(text)


def parse_date(value: object) -> date:
    """"2026-11-23", "2026/11/23", "20261123", or a date-time whose date part is that."""
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?", text) or \
        re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not m:
        raise SayError(f"{value!r} is not a date (use YYYY-MM-DD)")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise SayError(f"{value!r} is not a date: {exc}") from exc


def parse_time(value: object) -> tuple[int, int]:
    """"10:30", "10:30:15", "1030", or a date-time -> (hour, minute); seconds are not read out."""
    text = str(value).strip()
    m = re.fullmatch(r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[T ])?(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?"
                     r"(?:Z|[+-]\d{2}:?\d{2})?", text) or re.fullmatch(r"(\d{2})(\d{2})", text)
    if not m:
        raise SayError(f"{value!r} is not a time of day (use HH:MM)")
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        raise SayError(f"{value!r} is not a time of day")
    return hour, minute


def parse_digits(value: object) -> str:
    """A phone, account or policy number read digit by digit; spaces and hyphens are ignored."""
    text = str(value).strip()
    digits = "".join(ch for ch in text if ch not in _DIGITS_SEPARATORS)
    if not digits or not digits.isascii() or not digits.isdigit():
        raise SayError(f"{value!r} is not a string of digits")
    return digits
