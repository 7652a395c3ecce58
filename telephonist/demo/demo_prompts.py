"""The demo flows' prompts, spoken by espeak-ng from a catalog of texts when their files are missing.

The catalog (etc/telephonist/demo-prompts.toml) maps a prompt name to its
text per language; Mandarin texts are pinyin with tone numbers, which
Debian's espeak-ng reads far better than characters. A site records its own
prompts over these (existing files are never replaced).
"""
from __future__ import annotations

import logging
import os
import tomllib

from telephonist.prompts import make_prompt, tools_available

log = logging.getLogger("telephonist.demo")
VOICES = {"zh": "cmn-latn-pinyin", "en": "en-us"}


def catalog_path(config_path: str) -> str:
    return os.path.join(os.path.dirname(os.path.abspath(config_path)), "demo-prompts.toml")


def load_catalog(path: str) -> dict[str, str]:
    """prompt name (zh/ins/welcome.wav) -> text."""
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    out: dict[str, str] = {}
    for name, texts in doc.get("prompts", {}).items():
        for lang, text in texts.items():
            out[f"{lang}/{name}.wav"] = text
    return out


def ensure_demo_prompts(prompts_dir: str, catalog: str) -> int:
    """Render the missing prompts of the catalog; returns how many were made."""
    if not os.path.exists(catalog):
        return 0
    if not tools_available():
        log.warning("event=demo_prompts_skipped reason=espeak-ng_or_sox_missing")
        return 0
    made = 0
    for name, text in load_catalog(catalog).items():
        path = os.path.join(prompts_dir, name)
        if not os.path.exists(path):
            make_prompt(path, VOICES[name.split("/", 1)[0]], text)
            made += 1
    if made:
        log.info("event=demo_prompts_made dir=%s count=%d", prompts_dir, made)
    return made


def ensure_all_prompts(cfg) -> None:
    """Everything a demo installation speaks, made when missing (`[system] demo_prompts = true`):
    the system prompts, the read-out fragments of each language, the demo flows' prompts."""
    from telephonist.ivrd.say import LANGUAGES
    from telephonist.prompts import ensure_fragments, ensure_prompts
    ensure_prompts(cfg.system.prompts_dir)
    for lang in (x for x in cfg.ivrd.languages if x in LANGUAGES):
        ensure_fragments(cfg.system.prompts_dir, lang)
    ensure_demo_prompts(cfg.system.prompts_dir, catalog_path(cfg.path))
