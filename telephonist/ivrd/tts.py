"""Free text spoken by espeak-ng, rendered once per (voice, text) into the TTS cache directory.

Rendering runs as asynchronous subprocesses (espeak-ng, then sox to 8 kHz A-law) so the
event loop never waits on it; two calls asking for the same text at once share one rendering.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import shutil

from telephonist.prompts import espeak_command, sox_command

log = logging.getLogger("telephonist.ivrd")

MAX_TEXT = 2000                   # characters; a flow reading more than this wants a recording
RENDER_TIMEOUT_S = 60.0


class TtsError(RuntimeError):
    """The text could not be rendered (espeak-ng or sox missing or failing)."""


class TtsCache:
    def __init__(self, cache_dir: str) -> None:
        self.cache_dir = os.path.abspath(cache_dir)
        self._rendering: dict[str, asyncio.Lock] = {}

    def path_for(self, voice: str, text: str) -> str:
        key = hashlib.sha256(f"{voice}\n{text}".encode()).hexdigest()[:32]
        return os.path.join(self.cache_dir, key[:2], key + ".wav")

    async def render(self, voice: str, text: str) -> str:
        """The path of the WAV file saying `text` (made now if it is not cached yet)."""
        text = text.strip()
        if not text:
            raise TtsError("no text to speak")
        if len(text) > MAX_TEXT:
            raise TtsError(f"text of {len(text)} characters is longer than {MAX_TEXT}")
        path = self.path_for(voice, text)
        if await asyncio.to_thread(os.path.exists, path):
            return path
        lock = self._rendering.setdefault(path, asyncio.Lock())
        try:
            async with lock:
                if not await asyncio.to_thread(os.path.exists, path):
                    await self._make(path, voice, text)
        finally:
            if not lock.locked():
                self._rendering.pop(path, None)
        return path

    async def _make(self, path: str, voice: str, text: str) -> None:
        if not (shutil.which("espeak-ng") and shutil.which("sox")):
            raise TtsError("espeak-ng or sox is not installed")
        await asyncio.to_thread(os.makedirs, os.path.dirname(path), exist_ok=True)
        raw, out = f"{path}.{os.getpid()}.raw.wav", f"{path}.{os.getpid()}.tmp.wav"
        try:
            await _run(espeak_command(voice, text, raw))
            await _run(sox_command(raw, out))
            await asyncio.to_thread(os.replace, out, path)
        finally:
            for leftover in (raw, out):
                await asyncio.to_thread(_remove, leftover)
        log.info("event=tts_rendered voice=%s chars=%d path=%s", voice, len(text), path)


async def _run(cmd: list[str]) -> None:
    proc = await asyncio.create_subprocess_exec(*cmd, stdin=asyncio.subprocess.DEVNULL,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), RENDER_TIMEOUT_S)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise TtsError(f"{cmd[0]} took longer than {RENDER_TIMEOUT_S:.0f} s") from None
    if proc.returncode:
        raise TtsError(f"{cmd[0]} failed ({proc.returncode}): {err.decode(errors='replace').strip()[-200:]}")


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
