"""Mandarin read-outs: values -> fragment keys ("1", "wan", "liang" ...; see fragments.py).

The rules a listener expects:
- 十 alone at the head of a number (十, 十二, 十万), 一十 elsewhere (一百一十, 一万零一十);
- one 零 for a run of zeros inside a number, none for trailing zeros (一百零一, 一千万一千, 一亿零一千);
- 两 for 2 before 百/千 and for a bare 2 before 万/亿 or a measure word (两百, 两千, 两万, 两元, 两点),
  二 everywhere else (二, 十二, 二十, 零点二);
- decimals digit by digit after 点; money as 元/角/分 with 整 after a whole number of 元.
"""
from __future__ import annotations

from telephonist.ivrd.say.values import (Number, SayError, parse_amount, parse_date, parse_digits, parse_number,
                                         parse_percent, parse_time)

_UNITS = ("qian", "bai", "shi", "")          # 千 百 十 and the ones of a group of four digits
# Currencies other than the yuan are read as a number followed by the currency's name.
CURRENCY_WORDS = {"USD": "meiyuan", "EUR": "ouyuan"}


def _group(n: int, head: bool) -> list[str]:
    """1..9999, without the zeros before its first digit (the caller says 零 for them)."""
    out: list[str] = []
    started = zero = False
    for pos, ch in enumerate(f"{n:04d}"):
        d = int(ch)
        if d == 0:
            zero = started
            continue
        if zero:
            out.append("0")
            zero = False
        if pos == 2 and d == 1 and head and not started:
            out.append("shi")                 # 十二, not 一十二, at the head of a number
        else:
            out.append("liang" if d == 2 and pos < 2 else ch)
            if _UNITS[pos]:
                out.append(_UNITS[pos])
        started = True
    return out


def _big(high: list[str]) -> list[str]:
    return ["liang"] if high == ["2"] else high       # 两万, 两亿


def integer(n: int, head: bool = True, measure: bool = False) -> list[str]:
    """A whole number >= 0; `measure`: it stands before a measure word (两元, 两点)."""
    if n == 0:
        return ["0"]
    if n >= 10**8:
        high, low = divmod(n, 10**8)
        out = _big(integer(high, head)) + ["yi"]
        if low:
            out += (["0"] if low < 10**7 else []) + integer(low, head=False)
        return out
    if n >= 10**4:
        high, low = divmod(n, 10**4)
        out = _big(_group(high, head)) + ["wan"]
        if low:
            out += (["0"] if low < 1000 else []) + _group(low, head=False)
        return out
    out = _group(n, head)
    return ["liang"] if measure and out == ["2"] else out


def number(value: object) -> list[str]:
    """负 integer 点 digits: "-3" -> 负三, "2.05" -> 二点零五, "0.5" -> 零点五."""
    return _decimal(parse_number(value))


def _decimal(n: Number, prefix: tuple[str, ...] = ()) -> list[str]:
    out = ["fu"] if n.negative else []
    out += list(prefix) + integer(n.integer)
    return out + (["dian"] + list(n.fraction) if n.fraction else [])


def money(value: object, currency: str = "CNY") -> list[str]:
    """CNY: 一万两千三百四十五元六角, 十二元零五分, 一百元整, 五分; others: 十二点五美元."""
    a = parse_amount(value)
    out = ["fu"] if a.negative else []
    if currency != "CNY":
        if currency not in CURRENCY_WORDS:
            raise SayError(f"no Mandarin words for currency {currency!r}")
        cents = f"{a.minor:02d}".rstrip("0")
        out += integer(a.major, measure=not cents) + (["dian"] + list(cents) if cents else [])
        return out + [CURRENCY_WORDS[currency]]
    jiao, fen = divmod(a.minor, 10)
    if a.major or not a.minor:
        out += integer(a.major, measure=True) + ["yuan"]
    if not a.minor:
        return out + ["zheng"]
    if jiao:
        out += [str(jiao), "jiao"]
    elif a.major:
        out.append("0")                     # 十二元零五分
    if fen:
        out += [str(fen), "fen"]
    return out


def date(value: object, weekday: bool = True) -> list[str]:
    """二零二六年十一月二十三日 星期一 (the year digit by digit, Sunday as 星期日)."""
    d = parse_date(value)
    out = list(str(d.year)) + ["nian"] + integer(d.month) + ["yue"] + integer(d.day) + ["ri"]
    if weekday:
        wd = d.isoweekday()
        out += ["xingqi", "ri" if wd == 7 else str(wd)]
    return out


def _period(hour: int) -> tuple[str, int]:
    """The part of the day and the hour on a 12-hour clock as Mandarin speakers give it."""
    if hour < 6:
        return "lingchen", hour             # 凌晨零点, 凌晨三点
    if hour < 12:
        return "shangwu", hour
    if hour == 12:
        return "zhongwu", 12
    if hour < 18:
        return "xiawu", hour - 12
    return "wanshang", hour - 12


def time(value: object) -> list[str]:
    """上午十点三十分, 下午两点零五分, 中午十二点, 晚上八点."""
    hour, minute = parse_time(value)
    period, h12 = _period(hour)
    out = [period] + integer(h12, measure=True) + ["dian"]
    if minute:
        out += (["0", str(minute)] if minute < 10 else integer(minute)) + ["fen"]
    return out


def digits(value: object, yao: bool = False) -> list[str]:
    """Digit by digit; `yao`: 1 as 幺, the way phone numbers are read aloud."""
    return ["yao" if yao and ch == "1" else ch for ch in parse_digits(value)]


def percent(value: object) -> list[str]:
    """百分之十二点五, 负百分之三."""
    return _decimal(parse_percent(value), prefix=("baifenzhi",))
