"""The caller of the voicemail tests (the scripted caller on connections of its own), and speech for it
to say."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from telephonist.ivrd.flow_test.caller import ScriptedCaller


# The scripted caller now speaks-then-hangs-up and waits for a call's registration itself.
VoicemailCaller = ScriptedCaller


async def use_voicemail_caller(ivr) -> VoicemailCaller:
    """Replace the harness's scripted caller with this one."""
    c = await VoicemailCaller.attach(await ivr.chand.client("tester-vm"), await ivr.chand.client("monitor-vm", "monitor"),
                                     ivr.prompts_dir)
    ivr.caller = c
    return c


def make_speech(path: str, text: str = "Hello, my gas bill is far too high this month, please call me back.",
                voice: str = "en-us") -> int:
    """Speech by espeak-ng as 8 kHz mono 16-bit PCM; returns its length in ms."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    assert shutil.which("espeak-ng") and shutil.which("sox"), "espeak-ng and sox are part of the set-up"
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "raw.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-w", raw, text], check=True, capture_output=True)
        subprocess.run(["sox", raw, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", path],
                       check=True, capture_output=True)
    import wave
    with wave.open(path) as w:
        return w.getnframes() * 1000 // w.getframerate()
