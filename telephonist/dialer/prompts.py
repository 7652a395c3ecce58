"""The dialer's own prompt, "{lang}/dialer/abandon.wav": what an answered customer of a predictive campaign hears
when no agent is free within the campaign's wait limit (then the dialer hangs up). US and UK rules ask for a
message that names the caller and says the call was not a sales call left hanging; a site records its own
(the campaign's `abandon_prompt` names it) — this one makes a fresh installation say something at once.

telephonist/prompts.py makes it with espeak-ng, in English and Mandarin.
"""
from __future__ import annotations

VOICES = {"en": "en-us", "zh": "cmn-latn-pinyin"}
TEXTS: dict[str, tuple[str, str]] = {
    "abandon": ("Hello, this is a call from our service center. All our agents are busy at the moment. "
                "We will call you again later. Goodbye.",
                "nin2 hao3, zhe4 li3 shi4 ke4 hu4 fu2 wu4 zhong1 xin1. zuo4 xi2 zheng4 mang2, "
                "wo3 men5 hui4 shao1 hou4 zai4 gei3 nin2 da3 lai2. zai4 jian4."),
}


def espeak_table() -> dict[str, tuple[str, str]]:
    """For telephonist/prompts.py: "en/dialer/NAME" -> (voice, text), the same for "zh/..."."""
    out: dict[str, tuple[str, str]] = {}
    for name, (en, zh) in TEXTS.items():
        out[f"en/dialer/{name}"] = (VOICES["en"], en)
        out[f"zh/dialer/{name}"] = (VOICES["zh"], zh)
    return out
