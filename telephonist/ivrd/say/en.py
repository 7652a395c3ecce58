"""English read-outs: values -> fragment keys ("20", "3", "thousand", "23rd" ...; see fragments.py).

American style by default ("one hundred five"); `use_and` gives the British "one hundred and five".
Compound numbers are two fragments: twenty-three is "20" then "3".
"""
from __future__ import annotations

from telephonist.ivrd.say.values import (Number, SayError, parse_amount, parse_date, parse_digits, parse_number,
                                         parse_percent, parse_time)

_SCALES = ((10**15, "quadrillion"), (10**12, "trillion"), (10**9, "billion"), (10**6, "million"),
           (1000, "thousand"))
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINALS = {n: f"{n}{'th' if 4 <= n <= 20 or n == 30 else {1: 'st', 2: 'nd', 3: 'rd'}[n % 10]}"
            for n in list(range(1, 20)) + [20, 30]}
# currency -> (one, many, one hundredth, many hundredths)
CURRENCY_WORDS = {"CNY": ("yuan", "yuan", "fen", "fen"), "USD": ("dollar", "dollars", "cent", "cents"),
                  "EUR": ("euro", "euros", "cent", "cents")}


def _below_100(n: int) -> list[str]:
    if n < 20:
        return [str(n)]
    tens, ones = divmod(n, 10)
    return [str(tens * 10)] + ([str(ones)] if ones else [])


def _below_1000(n: int, use_and: bool) -> list[str]:
    hundreds, rest = divmod(n, 100)
    out = [str(hundreds), "hundred"] if hundreds else []
    if rest:
        out += (["and"] if hundreds and use_and else []) + _below_100(rest)
    return out


def integer(n: int, use_and: bool = False) -> list[str]:
    if n == 0:
        return ["0"]
    out: list[str] = []
    for scale, word in _SCALES:
        count, n = divmod(n, scale)
        if count:
            out += _below_1000(count, use_and) + [word]
    if n:
        out += (["and"] if out and use_and and n < 100 else []) + _below_1000(n, use_and)
    return out


def number(value: object, use_and: bool = False) -> list[str]:
    """"-3" -> minus three, "2.05" -> two point zero five, "0.5" -> zero point five."""
    return _decimal(parse_number(value), use_and)


def _decimal(n: Number, use_and: bool) -> list[str]:
    out = ["minus"] if n.negative else []
    out += integer(n.integer, use_and)
    return out + (["point"] + list(n.fraction) if n.fraction else [])


def money(value: object, currency: str = "CNY", use_and: bool = False) -> list[str]:
    """"12345.6" CNY -> twelve thousand three hundred forty five yuan and sixty fen; "1" USD -> one dollar."""
    if currency not in CURRENCY_WORDS:
        raise SayError(f"no English words for currency {currency!r}")
    one, many, one_minor, many_minor = CURRENCY_WORDS[currency]
    a = parse_amount(value)
    out = ["minus"] if a.negative else []
    if a.major or not a.minor:
        out += integer(a.major, use_and) + [one if a.major == 1 else many]
    if a.minor:
        out += (["and"] if a.major else []) + _below_100(a.minor) + [one_minor if a.minor == 1 else many_minor]
    return out


def ordinal(n: int) -> list[str]:
    """1..31: "23rd" is "20" then "3rd"."""
    if n in ORDINALS:
        return [ORDINALS[n]]
    tens, ones = divmod(n, 10)
    return [str(tens * 10), ORDINALS[ones]]


def year(y: int) -> list[str]:
    """2026 -> twenty twenty-six, 2005 -> two thousand five, 1905 -> nineteen oh five, 1900 -> nineteen hundred."""
    if y < 1000 or 2000 <= y <= 2009 or y % 1000 == 0:
        return integer(y)
    high, low = divmod(y, 100)
    if low == 0:
        return _below_100(high) + ["hundred"]
    return _below_100(high) + (["oh", str(low)] if low < 10 else _below_100(low))


def date(value: object, weekday: bool = True) -> list[str]:
    """(Monday,) November twenty-third, twenty twenty-six."""
    d = parse_date(value)
    out = [WEEKDAYS[d.weekday()]] if weekday else []
    return out + [MONTHS[d.month - 1]] + ordinal(d.day) + year(d.year)


def time(value: object) -> list[str]:
    """10:30 -> ten thirty a m, 14:05 -> two oh five p m, 00:00 -> twelve a m."""
    hour, minute = parse_time(value)
    out = _below_100(hour % 12 or 12)
    if minute:
        out += ["oh", str(minute)] if minute < 10 else _below_100(minute)
    return out + ["am" if hour < 12 else "pm"]


def digits(value: object) -> list[str]:
    """Digit by digit, 0 as "zero"."""
    return list(parse_digits(value))


def percent(value: object, use_and: bool = False) -> list[str]:
    """"12.5%" -> twelve point five percent."""
    return _decimal(parse_percent(value), use_and) + ["percent"]
