"""System and demo prompts, spoken by espeak-ng and converted to 8 kHz A-law WAV with sox.

Sites record their own prompts (the web admin uploads them); these make a
fresh installation speak at once, in Mandarin and English.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

from telephonist.acd.prompts import espeak_table as acd_prompts
from telephonist.dialer.prompts import espeak_table as dialer_prompts
from telephonist.ivrd.nodes.conference import espeak_table as conference_prompts
from telephonist.ivrd.voicemail.prompts import espeak_table as voicemail_prompts

log = logging.getLogger(__name__)

# name -> (voice, text)
PROMPTS: dict[str, tuple[str, str]] = {
    "en/welcome": ("en-us", "Welcome to Telephonist. For opening hours press 1. To leave a message press 2. "
                            "To hear this menu again press 9."),
    "en/hours": ("en-us", "We are open Monday to Friday, from nine in the morning to six in the evening."),
    "en/leave-message": ("en-us", "Please leave your message after the tone, and press the hash key when you are done."),
    "en/thanks": ("en-us", "Thank you for calling. Goodbye."),
    "en/invalid": ("en-us", "Sorry, that is not a valid choice."),
    "en/try-later": ("en-us", "Sorry, we cannot take your call right now. Please try again later."),
    "en/hello": ("en-us", "Hello, this is the simulated customer speaking."),
    "en/machine": ("en-us", "You have reached the voice mail of the simulated customer. Please leave a message after the tone."),
    "en/fax-document": ("en-us", "Please enter the number of the document you want, followed by the hash key."),
    "en/fax-how": ("en-us", "To receive it on this call, press 1. To have it sent to another fax number, press 2."),
    "en/fax-press-start": ("en-us", "Please press the start key on your fax machine now."),
    "en/fax-number": ("en-us", "Please enter the fax number, followed by the hash key."),
    "en/fax-queued": ("en-us", "Thank you. The document will be sent to your fax shortly."),
    "en/fax-unknown": ("en-us", "Sorry, there is no document with that number."),
    "zh/welcome": ("cmn-latn-pinyin", "huan1 ying2 zhi4 dian4. cha2 xun2 ying2 ye4 shi2 jian1 qing3 an4 yi1. "
                                       "liu2 yan2 qing3 an4 er4."),
    "zh/try-later": ("cmn-latn-pinyin", "dui4 bu4 qi3, xian4 zai4 wu2 fa3 jie1 ting1, qing3 shao1 hou4 zai4 bo1."),
}
PROMPTS.update(voicemail_prompts())      # the voicemail nodes' own ({lang}/vm/...), kept with those nodes
PROMPTS.update(acd_prompts())            # the ACD's ({lang}/acd/...): places, waits, call backs
PROMPTS.update(dialer_prompts())         # the dialer's ({lang}/dialer/...): the abandoned-call message
PROMPTS.update(conference_prompts())     # the conference node's ({lang}/conf/...): PIN, full, locked


def tools_available() -> bool:
    return bool(shutil.which("espeak-ng") and shutil.which("sox"))


def espeak_command(voice: str, text: str, wav: str) -> list[str]:
    return ["espeak-ng", "-v", voice, "-s", "150", "-w", wav, "--", text]     # "--": text may start with "-"


def sox_command(raw: str, out: str, trim: bool = False) -> list[str]:
    """espeak-ng's 22 kHz output as the line hears it: 8 kHz mono A-law. `trim`: cut the silence
    espeak-ng puts around a word (fragments are played back to back) and keep a short gap after it."""
    effects = ["silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse",
               "pad", "0", "0.05"] if trim else []
    return ["sox", raw, "-r", "8000", "-c", "1", "-e", "a-law", "-b", "8", out] + effects


def make_prompt(path: str, voice: str, text: str, trim: bool = False) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "raw.wav")
        subprocess.run(espeak_command(voice, text, raw), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        out = f"{path}.{os.getpid()}.tmp.wav"     # two daemons may render the same prompt at once
        subprocess.run(sox_command(raw, out, trim), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.replace(out, path)


def ensure_prompts(prompts_dir: str, names: list[str] | None = None) -> list[str]:
    """Make the missing ones; returns the names made. Existing files (a site's own recordings) are kept."""
    made = []
    if not tools_available():
        log.warning("event=prompts_skipped reason=espeak-ng_or_sox_missing dir=%s", prompts_dir)
        return made
    for name in names or list(PROMPTS):
        voice, text = PROMPTS[name]
        path = os.path.join(prompts_dir, name + ".wav")
        if not os.path.exists(path):
            make_prompt(path, voice, text)
            made.append(name)
    if made:
        log.info("event=prompts_made dir=%s count=%d", prompts_dir, len(made))
    return made


def ensure_fragments(prompts_dir: str, lang: str, workers: int = 4) -> list[str]:
    """Render the read-out fragments of a language that are missing (telephonist/ivrd/say/fragments.py:
    "zh/say/2.wav" ...); returns the names made. A site's own recordings are kept."""
    from telephonist.ivrd.say.fragments import VOICES, fragment_texts
    if not tools_available():
        log.warning("event=fragments_skipped reason=espeak-ng_or_sox_missing dir=%s lang=%s", prompts_dir, lang)
        return []
    missing = {name: text for name, text in fragment_texts(lang).items()
               if not os.path.exists(os.path.join(prompts_dir, name))}
    voice = VOICES[lang]
    with ThreadPoolExecutor(max_workers=workers) as pool:     # two subprocesses each: run a few at once
        list(pool.map(lambda item: make_prompt(os.path.join(prompts_dir, item[0]), voice, item[1], trim=True),
                      missing.items()))
    if missing:
        log.info("event=fragments_made dir=%s lang=%s count=%d", prompts_dir, lang, len(missing))
    return sorted(missing)
