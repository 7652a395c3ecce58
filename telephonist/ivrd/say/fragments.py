"""Every prompt fragment the read-outs use, per language, with what it says.

A fragment's prompt name is "{lang}/say/{key}.wav" under the prompts directory:
"zh/say/2.wav" (二), "zh/say/liang.wav" (两), "zh/say/wan.wav" (万), "en/say/20.wav"
(twenty), "en/say/23rd.wav" does not exist: twenty-third is "en/say/20.wav" + "en/say/3rd.wav".
Keys are digits and numbers for what is a number, pinyin (zh) or the English word (en) for the rest.
Sites record these (the texts below are the script for the voice talent); a fresh installation
renders them with espeak-ng (telephonist/prompts.py ensure_fragments).
"""
from __future__ import annotations

from telephonist.ivrd.say import en

_ZH_DIGITS = "零一二三四五六七八九"

ZH: dict[str, str] = {
    **{str(d): ch for d, ch in enumerate(_ZH_DIGITS)},
    "liang": "两", "yao": "幺",
    "shi": "十", "bai": "百", "qian": "千", "wan": "万", "yi": "亿",
    "dian": "点", "fu": "负", "baifenzhi": "百分之",
    "yuan": "元", "jiao": "角", "fen": "分", "zheng": "整", "meiyuan": "美元", "ouyuan": "欧元",
    "nian": "年", "yue": "月", "ri": "日", "xingqi": "星期",
    "lingchen": "凌晨", "shangwu": "上午", "zhongwu": "中午", "xiawu": "下午", "wanshang": "晚上",
}

_EN_NUMBERS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
               "fifteen sixteen seventeen eighteen nineteen").split()
_EN_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_EN_ORDINALS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
                "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth").split()

EN: dict[str, str] = {
    **{str(n): w for n, w in enumerate(_EN_NUMBERS)},
    **{str(10 * (i + 2)): w for i, w in enumerate(_EN_TENS)},
    **{en.ORDINALS[n + 1]: w for n, w in enumerate(_EN_ORDINALS)},
    "20th": "twentieth", "30th": "thirtieth",
    "hundred": "hundred", "thousand": "thousand", "million": "million", "billion": "billion",
    "trillion": "trillion", "quadrillion": "quadrillion",
    "point": "point", "minus": "minus", "and": "and", "oh": "oh", "percent": "percent",
    "am": "a.m.", "pm": "p.m.",
    **{w: w for words in en.CURRENCY_WORDS.values() for w in words},
    **{m: m for m in en.MONTHS},
    **{d: d for d in en.WEEKDAYS},
}

TEXTS: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}
# espeak-ng voices for rendering fragments and free text (cmn-latn-pinyin reads Hanzi and tone-numbered pinyin;
# plain "cmn" spells many Hanzi out as English letters).
VOICES: dict[str, str] = {"zh": "cmn-latn-pinyin", "en": "en-us"}


def fragment_name(lang: str, key: str) -> str:
    return f"{lang}/say/{key}.wav"


def fragment_names(lang: str) -> list[str]:
    """Every fragment of a language, as prompt names (what a site records, what tests make as tones)."""
    return [fragment_name(lang, key) for key in TEXTS[lang]]


def fragment_texts(lang: str) -> dict[str, str]:
    """Prompt name -> the words it says."""
    return {fragment_name(lang, key): text for key, text in TEXTS[lang].items()}
