"""Reading values aloud from recorded fragments: numbers, money, dates, times, digit strings, percentages.

    fragments("money", "12345.6", "zh")  ->  ["zh/say/1.wav", "zh/say/wan.wav", "zh/say/liang.wav",
                                              "zh/say/qian.wav", ... "zh/say/yuan.wav", "zh/say/6.wav",
                                              "zh/say/jiao.wav"]

Pure functions, one module per language (zh.py, en.py); fragments.py lists every fragment.
A value that cannot be read raises SayError.
"""
from __future__ import annotations

from telephonist.ivrd.say import en, zh
from telephonist.ivrd.say.fragments import fragment_name
from telephonist.ivrd.say.values import SayError

LANGUAGES = ("zh", "en")
# What the say node reads from fragments ("text" is spoken by espeak-ng instead).
KINDS = ("number", "money", "date", "time", "digits", "percent")
CURRENCIES = ("CNY", "USD", "EUR")

__all__ = ["CURRENCIES", "KINDS", "LANGUAGES", "SayError", "fragments", "words"]


def words(what: str, value: object, lang: str, *, currency: str = "CNY", weekday: bool = True,
          yao: bool = False, use_and: bool = False) -> list[str]:
    """The fragment keys that read `value` as `what` in `lang` (options that do not apply are ignored)."""
    if lang == "zh":
        readers = {"number": lambda: zh.number(value), "money": lambda: zh.money(value, currency),
                   "date": lambda: zh.date(value, weekday), "time": lambda: zh.time(value),
                   "digits": lambda: zh.digits(value, yao), "percent": lambda: zh.percent(value)}
    elif lang == "en":
        readers = {"number": lambda: en.number(value, use_and), "money": lambda: en.money(value, currency, use_and),
                   "date": lambda: en.date(value, weekday), "time": lambda: en.time(value),
                   "digits": lambda: en.digits(value), "percent": lambda: en.percent(value, use_and)}
    else:
        raise SayError(f"no read-outs for language {lang!r} (have {', '.join(LANGUAGES)})")
    if what not in readers:
        raise SayError(f"cannot read a {what!r} (can: {', '.join(KINDS)})")
    return readers[what]()


def fragments(what: str, value: object, lang: str, **options: object) -> list[str]:
    """The prompt names ("zh/say/2.wav" ...) that read `value` as `what` in `lang`."""
    return [fragment_name(lang, w) for w in words(what, value, lang, **options)]   # type: ignore[arg-type]
