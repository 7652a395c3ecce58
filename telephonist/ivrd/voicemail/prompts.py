"""The voicemail nodes' own prompts, "{lang}/vm/NAME.wav": what they say in English and in Mandarin.

telephonist/prompts.py makes them with espeak-ng for a fresh installation
(sites replace them with their own recordings); the node types check at load
time that every one exists for every language. Counts are read out as
the say fragments ({lang}/say/..., telephonist/ivrd/say) when
the site has them, else as vm/count-0 ... vm/count-9 and vm/count-many (more than nine).
"""
from __future__ import annotations

# name -> (English, Mandarin in espeak-ng's pinyin voice)
TEXTS: dict[str, tuple[str, str]] = {
    # leaving a message
    "leave-message": ("Please leave your message after the tone, and press the hash key when you are done.",
                      "qing3 zai4 di1 sheng1 hou4 liu2 yan2, wan2 bi4 hou4 qing3 an4 jing3 hao4 jian4."),
    "category": ("If this is a complaint, press 1. For a suggestion, press 2. For anything else, press 3.",
                 "tou2 su4 qing3 an4 yi1, jian4 yi4 qing3 an4 er4, qi2 ta1 shi4 xiang4 qing3 an4 san1."),
    "message-saved": ("Your message has been saved. Thank you.", "nin2 de liu2 yan2 yi3 bao3 cun2, xie4 xie4."),
    "too-short": ("Sorry, no message was recorded.", "dui4 bu4 qi3, mei2 you3 lu4 dao4 liu2 yan2."),
    "goodbye": ("Goodbye.", "zai4 jian4."),
    "invalid": ("Sorry, that is not a valid choice.", "dui4 bu4 qi3, nin2 de xuan3 ze2 wu2 xiao4."),
    # listening by phone
    "enter-mailbox": ("Please enter your mailbox number, followed by the hash key.",
                      "qing3 shu1 ru4 xin4 xiang1 hao4 ma3, yi3 jing3 hao4 jian4 jie2 shu4."),
    "enter-pin": ("Please enter your PIN, followed by the hash key.",
                  "qing3 shu1 ru4 mi4 ma3, yi3 jing3 hao4 jian4 jie2 shu4."),
    "wrong-pin": ("Sorry, that PIN is not correct.", "dui4 bu4 qi3, mi4 ma3 bu2 zheng4 que4."),
    "locked": ("This mailbox is locked after too many wrong PINs. Please try again later.",
               "mi4 ma3 cuo4 wu4 ci4 shu4 tai4 duo1, xin4 xiang1 yi3 suo3 ding4, qing3 shao1 hou4 zai4 shi4."),
    "you-have": ("You have", "nin2 you3"),
    "new-messages": ("new messages", "tiao2 xin1 liu2 yan2"),
    "and": ("and", "he2"),
    "saved-messages": ("saved messages", "tiao2 yi3 bao3 cun2 de liu2 yan2"),
    "main-menu": ("To listen to new messages, press 1. For saved messages, press 2. To record your greeting, "
                  "press 3. To change your PIN, press 4. To leave, press star.",
                  "ting1 xin1 liu2 yan2 qing3 an4 yi1, ting1 yi3 bao3 cun2 de liu2 yan2 qing3 an4 er4, "
                  "lu4 zhi4 wen4 hou4 yu3 qing3 an4 san1, xiu1 gai3 mi4 ma3 qing3 an4 si4, tui4 chu1 qing3 an4 xing1 hao4 jian4."),
    "message": ("Message.", "liu2 yan2."),
    "from": ("from", "lai2 dian4"),
    "received": ("received", "shi2 jian1"),
    "message-menu": ("To replay, press 1. To save, press 2. To delete, press 3. To forward, press 4. "
                     "For the next message, press 5. For the main menu, press star.",
                     "chong2 ting1 qing3 an4 yi1, bao3 cun2 qing3 an4 er4, shan1 chu2 qing3 an4 san1, "
                     "zhuan3 fa1 qing3 an4 si4, xia4 yi4 tiao2 qing3 an4 wu3, fan3 hui2 zhu3 cai4 dan1 qing3 an4 xing1 hao4 jian4."),
    "saved": ("Message saved.", "liu2 yan2 yi3 bao3 cun2."),
    "deleted": ("Message deleted.", "liu2 yan2 yi3 shan1 chu2."),
    "enter-forward-mailbox": ("Please enter the mailbox number to forward to, followed by the hash key.",
                              "qing3 shu1 ru4 yao4 zhuan3 fa1 dao4 de xin4 xiang1 hao4 ma3, yi3 jing3 hao4 jian4 jie2 shu4."),
    "no-such-mailbox": ("Sorry, there is no such mailbox.", "dui4 bu4 qi3, mei2 you3 zhe4 ge4 xin4 xiang1."),
    "forwarded": ("Message forwarded.", "liu2 yan2 yi3 zhuan3 fa1."),
    "no-more-messages": ("There are no more messages.", "mei2 you3 geng4 duo1 liu2 yan2 le."),
    "record-greeting": ("Please record your greeting after the tone, and press the hash key when you are done.",
                        "qing3 zai4 di1 sheng1 hou4 lu4 zhi4 wen4 hou4 yu3, wan2 bi4 hou4 qing3 an4 jing3 hao4 jian4."),
    "greeting-menu": ("To keep this greeting, press 1. To record it again, press 2. "
                      "To use the standard greeting, press 3.",
                      "bao3 liu2 zhe4 duan4 wen4 hou4 yu3 qing3 an4 yi1, chong2 xin1 lu4 zhi4 qing3 an4 er4, "
                      "shi3 yong4 biao1 zhun3 wen4 hou4 yu3 qing3 an4 san1."),
    "greeting-saved": ("Your greeting has been saved.", "wen4 hou4 yu3 yi3 bao3 cun2."),
    "greeting-cleared": ("The standard greeting will be used.", "jiang1 shi3 yong4 biao1 zhun3 wen4 hou4 yu3."),
    "enter-new-pin": ("Please enter your new PIN, four to sixteen digits, followed by the hash key.",
                      "qing3 shu1 ru4 xin1 mi4 ma3, si4 dao4 shi2 liu4 wei4 shu4 zi4, yi3 jing3 hao4 jian4 jie2 shu4."),
    "confirm-pin": ("Please enter the new PIN again.", "qing3 zai4 ci4 shu1 ru4 xin1 mi4 ma3."),
    "pin-changed": ("Your PIN has been changed.", "mi4 ma3 yi3 xiu1 gai3."),
    "pin-mismatch": ("The PINs did not match. Your PIN was not changed.",
                     "liang3 ci4 shu1 ru4 bu4 yi2 zhi4, mi4 ma3 wei4 xiu1 gai3."),
}
_EN_NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_ZH_NUMBERS = ["ling2", "yi4", "liang3", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3"]   # before a measure word
for _n in range(10):
    TEXTS[f"count-{_n}"] = (_EN_NUMBERS[_n], _ZH_NUMBERS[_n])
TEXTS["count-many"] = ("many", "hen3 duo1")

VOICES = {"en": "en-us", "zh": "cmn-latn-pinyin"}


def prompt(name: str) -> str:
    """The prompt name a node plays: "{lang}/vm/NAME.wav"."""
    assert name in TEXTS, name
    return f"{{lang}}/vm/{name}.wav"


def count_prompt(n: int) -> str:
    return prompt(f"count-{n}" if 0 <= n <= 9 else "count-many")


def all_prompts() -> list[str]:
    return [prompt(n) for n in TEXTS]


def espeak_table() -> dict[str, tuple[str, str]]:
    """For telephonist/prompts.py: "en/vm/NAME" -> (voice, text), the same for "zh/..."."""
    out: dict[str, tuple[str, str]] = {}
    for name, (en, zh) in TEXTS.items():
        out[f"en/vm/{name}"] = (VOICES["en"], en)
        out[f"zh/vm/{name}"] = (VOICES["zh"], zh)
    return out
