"""The ACD's own prompts, "{lang}/acd/NAME.wav": what waiting callers hear of their place, their wait and a
call back, in English and Mandarin.

telephonist/prompts.py makes them with espeak-ng for a fresh installation (sites replace them with their
own recordings). A missing one is left out (an announcement) or replaced by a tone (the call-back offer),
so the ACD never fails a caller for a prompt.
"""
from __future__ import annotations

VOICES = {"en": "en-us", "zh": "cmn-latn-pinyin"}

# name -> (English, Mandarin in espeak-ng's pinyin voice)
TEXTS: dict[str, tuple[str, str]] = {
    "you-are-number": ("You are number", "nin2 xian4 zai4 pai2 zai4 di4"),
    "in-the-queue": ("in the queue.", "wei4."),
    "expected-wait": ("The expected wait is about", "yu4 ji4 deng3 dai4 yue1"),
    "minutes": ("minutes.", "fen1 zhong1."),
    "callback-offer": ("To be called back instead of waiting, press 1. You keep your place in the queue.",
                       "ru2 xu1 hui2 bo1, qing3 an4 yi1. nin2 de pai2 dui4 wei4 zhi4 bu2 bian4."),
    "callback-number-is": ("We will call you back at", "wo3 men5 jiang1 hui2 bo1 nin2 de hao4 ma3"),
    "callback-confirm-or-change": ("If that is right, press 1. To give another number, press 2.",
                                   "que4 ren4 qing3 an4 yi1, geng1 huan4 hao4 ma3 qing3 an4 er4."),
    "callback-enter-number": ("Please enter the number to call back, followed by the hash key.",
                              "qing3 shu1 ru4 hui2 bo1 hao4 ma3, yi3 jing3 hao4 jian4 jie2 shu4."),
    "callback-confirm": ("Thank you. We will call you back when it is your turn. Goodbye.",
                         "xie4 xie4. lun2 dao4 nin2 shi2 wo3 men5 hui4 hui2 bo1 gei3 nin2. zai4 jian4."),
}


def prompt(name: str, lang: str) -> str:
    assert name in TEXTS, name
    return f"{lang}/acd/{name}.wav"


def espeak_table() -> dict[str, tuple[str, str]]:
    """For telephonist/prompts.py: "en/acd/NAME" -> (voice, text), the same for "zh/..."."""
    out: dict[str, tuple[str, str]] = {}
    for name, (en, zh) in TEXTS.items():
        out[f"en/acd/{name}"] = (VOICES["en"], en)
        out[f"zh/acd/{name}"] = (VOICES["zh"], zh)
    return out
