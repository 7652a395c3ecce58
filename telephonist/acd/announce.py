"""What a waiting caller hears of its place and wait: "you are number 3 in the queue; the wait is about
4 minutes", from recorded prompts and ivrd's read-out fragments (numbers in zh or en).

Prompts, under the prompts folder: {lang}/acd/you-are-number.wav, {lang}/acd/in-the-queue.wav,
{lang}/acd/expected-wait.wav, {lang}/acd/minutes.wav (`telephonist run --demo` renders them with
espeak-ng). A part whose prompts are missing is left out, so a site may keep only the position.
"""
from __future__ import annotations

import math
import os

from telephonist.ivrd.say import SayError, fragments

PARTS = ("you-are-number", "in-the-queue", "expected-wait", "minutes")


def announcement(prompts_dir: str, lang: str, position: int, wait_s: float) -> list[str]:
    def have(names: list[str]) -> bool:
        return all(os.path.isfile(os.path.join(prompts_dir, n)) for n in names)

    def prompt(part: str) -> str:
        return f"{lang}/acd/{part}.wav"
    items: list[str] = []
    try:
        where = [prompt("you-are-number"), *fragments("number", position, lang), prompt("in-the-queue")]
        minutes = max(1, math.ceil(wait_s / 60.0))
        wait = [prompt("expected-wait"), *fragments("number", minutes, lang), prompt("minutes")]
    except SayError:
        return []
    if position > 0 and have(where):
        items += where
    if have(wait):
        items += wait
    return items
