"""Read-outs as fragment lists, in Mandarin and English (pure functions, no call).

Assertions spell the fragments by what they say (each key says one thing), so a wrong
fragment shows as a wrong word: zh("number", "10010") == "一 万 零 一 十".
"""
from __future__ import annotations

import pytest

from telephonist.ivrd import say
from telephonist.ivrd.say.fragments import TEXTS, fragment_names


def zh(what: str, value: object, **kw) -> str:
    return " ".join(TEXTS["zh"][w] for w in say.words(what, value, "zh", **kw))


def en(what: str, value: object, **kw) -> str:
    return " ".join(TEXTS["en"][w] for w in say.words(what, value, "en", **kw))


@pytest.mark.parametrize("value, spoken", [
    ("0", "零"), ("2", "二"), ("10", "十"), ("12", "十 二"), ("20", "二 十"), ("22", "二 十 二"),
    ("101", "一 百 零 一"), ("110", "一 百 一 十"), ("200", "两 百"), ("1001", "一 千 零 一"),
    ("1010", "一 千 零 一 十"), ("1200", "一 千 两 百"), ("2002", "两 千 零 二"),
    ("10010", "一 万 零 一 十"), ("20000", "两 万"), ("12345", "一 万 两 千 三 百 四 十 五"),
    ("100000", "十 万"), ("120000", "十 二 万"), ("220000", "二 十 二 万"), ("1000001", "一 百 万 零 一"),
    ("10001000", "一 千 万 一 千"), ("10000100", "一 千 万 零 一 百"),
    ("100000000", "一 亿"), ("200000000", "两 亿"), ("1000000000", "十 亿"),
    ("100001000", "一 亿 零 一 千"), ("100010000", "一 亿 零 一 万"), ("100100000", "一 亿 零 一 十 万"),
    ("120000000", "一 亿 两 千 万"), ("1000000000000", "一 万 亿"), ("1000000000000001", "一 千 万 亿 零 一"),
    ("2.05", "二 点 零 五"), ("0.5", "零 点 五"), ("-3", "负 三"), ("-0.25", "负 零 点 二 五"),
    ("10.5", "十 点 五"), ("200.2", "两 百 点 二"), ("1,234", "一 千 两 百 三 十 四"), ("+7", "七"),
    (".5", "零 点 五"), ("-0", "零"), (42, "四 十 二"), (2.5, "二 点 五"),
])
def test_zh_numbers(value, spoken):
    assert zh("number", value) == spoken


@pytest.mark.parametrize("value, spoken", [
    ("0", "zero"), ("13", "thirteen"), ("20", "twenty"), ("21", "twenty one"), ("101", "one hundred one"),
    ("1001", "one thousand one"), ("10010", "ten thousand ten"), ("20000", "twenty thousand"),
    ("12345", "twelve thousand three hundred forty five"), ("100000000", "one hundred million"),
    ("1000000", "one million"), ("2000000001", "two billion one"), ("1000000000000", "one trillion"),
    ("2.05", "two point zero five"), ("0.5", "zero point five"), ("-3", "minus three"),
])
def test_en_numbers(value, spoken):
    assert en("number", value) == spoken


def test_en_numbers_with_and():
    assert en("number", "105", use_and=True) == "one hundred and five"
    assert en("number", "1005", use_and=True) == "one thousand and five"
    assert en("number", "1234", use_and=True) == "one thousand two hundred and thirty four"
    assert en("number", "1200", use_and=True) == "one thousand two hundred"


@pytest.mark.parametrize("value, spoken", [
    ("12345.6", "一 万 两 千 三 百 四 十 五 元 六 角"), ("12345.60", "一 万 两 千 三 百 四 十 五 元 六 角"),
    ("100", "一 百 元 整"), ("2", "两 元 整"), ("0", "零 元 整"), ("12.05", "十 二 元 零 五 分"),
    ("10.50", "十 元 五 角"), ("0.5", "五 角"), ("0.05", "五 分"), ("3.21", "三 元 二 角 一 分"),
    ("22", "二 十 二 元 整"), ("1002", "一 千 零 二 元 整"), ("-8.3", "负 八 元 三 角"),
    ("9.999", "十 元 整"), ("0.004", "零 元 整"), ("100000000", "一 亿 元 整"),
])
def test_zh_money_in_yuan(value, spoken):
    assert zh("money", value) == spoken


def test_zh_money_other_currencies():
    assert zh("money", "12.50", currency="USD") == "十 二 点 五 美元"
    assert zh("money", "2", currency="EUR") == "两 欧元"


@pytest.mark.parametrize("value, currency, spoken", [
    ("12345.6", "CNY", "twelve thousand three hundred forty five yuan and sixty fen"),
    ("1", "USD", "one dollar"), ("1.01", "USD", "one dollar and one cent"), ("0.5", "USD", "fifty cents"),
    ("0", "USD", "zero dollars"), ("20.25", "EUR", "twenty euros and twenty five cents"),
    ("-3", "CNY", "minus three yuan"),
])
def test_en_money(value, currency, spoken):
    assert en("money", value, currency=currency) == spoken


def test_dates():
    assert zh("date", "2026-11-23") == "二 零 二 六 年 十 一 月 二 十 三 日 星期 一"
    assert zh("date", "2026/02/01", weekday=False) == "二 零 二 六 年 二 月 一 日"
    assert zh("date", "20261129") == "二 零 二 六 年 十 一 月 二 十 九 日 星期 日"
    assert en("date", "2026-11-23", weekday=False) == "november twenty third twenty twenty six"
    assert en("date", "2026-11-23T08:00:00") == "monday november twenty third twenty twenty six"
    assert en("date", "2005-07-04", weekday=False) == "july fourth two thousand five"
    assert en("date", "1999-12-31", weekday=False) == "december thirty first nineteen ninety nine"
    assert en("date", "1905-01-20", weekday=False) == "january twentieth nineteen oh five"
    assert en("date", "1900-03-30", weekday=False) == "march thirtieth nineteen hundred"
    assert en("date", "2010-03-12", weekday=False) == "march twelfth twenty ten"


@pytest.mark.parametrize("value, zh_spoken, en_spoken", [
    ("10:30", "上午 十 点 三 十 分", "ten thirty a.m."),
    ("14:05", "下午 两 点 零 五 分", "two oh five p.m."),
    ("12:00", "中午 十 二 点", "twelve p.m."),
    ("00:00", "凌晨 零 点", "twelve a.m."),
    ("02:02", "凌晨 两 点 零 二 分", "two oh two a.m."),
    ("20:20:59", "晚上 八 点 二 十 分", "eight twenty p.m."),
    ("0910", "上午 九 点 十 分", "nine ten a.m."),
    ("2026-11-23T17:45:00+08:00", "下午 五 点 四 十 五 分", "five forty five p.m."),
])
def test_times(value, zh_spoken, en_spoken):
    assert zh("time", value) == zh_spoken
    assert en("time", value) == en_spoken


def test_digit_strings():
    assert zh("digits", "139 1234-5678") == "一 三 九 一 二 三 四 五 六 七 八"
    assert zh("digits", "10086", yao=True) == "幺 零 零 八 六"
    assert en("digits", "4008001234") == "four zero zero eight zero zero one two three four"


def test_percentages():
    assert zh("percent", "50") == "百分之 五 十"
    assert zh("percent", "12.5%") == "百分之 十 二 点 五"
    assert zh("percent", "-3 %") == "负 百分之 三"
    assert zh("percent", "100") == "百分之 一 百"
    assert en("percent", "12.5%") == "twelve point five percent"


def test_fragment_names():
    assert say.fragments("money", "12345.6", "zh") == [
        "zh/say/1.wav", "zh/say/wan.wav", "zh/say/liang.wav", "zh/say/qian.wav", "zh/say/3.wav", "zh/say/bai.wav",
        "zh/say/4.wav", "zh/say/shi.wav", "zh/say/5.wav", "zh/say/yuan.wav", "zh/say/6.wav", "zh/say/jiao.wav"]
    assert say.fragments("date", "2026-11-23", "en", weekday=False) == [
        "en/say/november.wav", "en/say/20.wav", "en/say/3rd.wav", "en/say/20.wav", "en/say/20.wav", "en/say/6.wav"]


SAMPLES = ["0", "7", "10", "19", "99", "100", "2002", "12345.678", "-40.5", "99999999", "100000000", "123456789012",
           "9999999999999999"]


@pytest.mark.parametrize("lang", say.LANGUAGES)
def test_every_fragment_read_out_is_listed(lang):
    """Whatever is read, its fragments are in fragments.py (so the generator and the sites make them)."""
    listed = set(fragment_names(lang))
    used: set[str] = set()
    cases = [("number", v) for v in SAMPLES] + [("percent", v) for v in SAMPLES] + \
            [("money", v, c) for v in SAMPLES for c in say.CURRENCIES] + \
            [("date", f"2026-{m:02d}-{d:02d}") for m in range(1, 13) for d in (1, 2, 3, 11, 12, 20, 21, 22, 23, 28)] + \
            [("time", f"{h:02d}:{m:02d}") for h in range(24) for m in (0, 1, 2, 10, 15, 30, 59)] + \
            [("digits", "0123456789")]
    for what, value, *currency in cases:
        for opts in ({}, {"yao": True, "use_and": True, "weekday": False}):
            used |= set(say.fragments(what, value, lang, currency=currency[0] if currency else "CNY", **opts))
    assert used <= listed, used - listed
    assert len(set(TEXTS[lang].values())) == len(TEXTS[lang])    # one fragment, one sound


@pytest.mark.parametrize("what, value", [
    ("number", ""), ("number", "abc"), ("number", "1e5"), ("number", "1.2.3"), ("number", "1,5"), ("number", "-"),
    ("number", "10000000000000000"), ("money", "12,34"), ("money", "NaN"), ("date", "2026-13-01"), ("date", "23/11/2026"),
    ("time", "24:00"), ("time", "10:61"), ("time", "ten"), ("digits", "12a4"), ("digits", ""), ("digits", "١٢٣"),
    ("percent", "%"),
])
def test_values_that_cannot_be_read(what, value):
    for lang in say.LANGUAGES:
        with pytest.raises(say.SayError):
            say.words(what, value, lang)


def test_unknown_language_kind_and_currency():
    with pytest.raises(say.SayError, match="language"):
        say.words("number", "1", "fr")
    with pytest.raises(say.SayError, match="cannot read"):
        say.words("colour", "1", "zh")
    with pytest.raises(say.SayError, match="currency"):
        say.words("money", "1", "en", currency="JPY")
