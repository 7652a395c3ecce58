"""The caller of the voicemail tests (the scripted caller, one that can also speak and hang up, without
a race at call set-up), and speech for it to say."""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from typing import Any

from telephonist.ivrd.flow_test.caller import CallOutcome, ScriptedCaller


class VoicemailCaller(ScriptedCaller):
    """The scripted caller, plus:
    - {"speak": ..., "hangup": true}: the far end says it all, then hangs up (in the event handler,
      before acknowledging, so a lockstep clock gives the same recording on every machine);
    - no race at call set-up: the call's events (on the monitor connection) can arrive before the answer
      to sim.call (on the tester connection) has registered the call; they used to be ignored, and on a
      fast clock the flow then ran past its first input point alone. Now they wait for the registration
      (holding the acknowledgement, so the clock waits too)."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.hangup_after_speech: set[str] = set()
        self.placing = 0
        self.registered = asyncio.Event()

    async def call(self, actions: list[dict[str, Any]], dialled: str, caller: str = "", span: str = "",
                   chan: str = "", timeout_s: float = 120.0) -> CallOutcome:
        args: dict[str, Any] = {"caller": caller, "dialled": dialled}
        args.update({"chan": chan} if chan else {"span": span})
        self.placing += 1
        try:
            r = await self.tester.call("sim.call", **args)
            out = CallOutcome(chan=r["chan"])
            done: asyncio.Future = asyncio.get_running_loop().create_future()
            self.active[r["chan"]] = (out, list(actions), r["far"], done)
        finally:
            self.placing -= 1
            self.registered.set()
            self.registered = asyncio.Event()
        try:
            await asyncio.wait_for(done, timeout_s)
        finally:
            self.active.pop(r["chan"], None)
        return out

    async def _event(self, ev: dict[str, Any]) -> None:
        while ev.get("chan", "") not in self.active and self.placing:
            await self.registered.wait()
        await super()._event(ev)

    async def _act(self, out: CallOutcome, actions: list[dict[str, Any]], far: str) -> None:
        if actions and actions[0].get("speak") and actions[0].get("hangup"):
            action = actions.pop(0)
            self.hangup_after_speech.add(far)
            out.hung_up_by_caller = True
            await self.tester.call("sim.play", far=far, items=[action["speak"]])
            return
        await super()._act(out, actions, far)

    async def _far_event(self, ev: dict[str, Any]) -> None:
        if ev.get("what") == "play_done" and ev.get("far") in self.hangup_after_speech:
            self.hangup_after_speech.discard(ev["far"])
            await self.tester.call("sim.hangup", far=ev["far"])
            return
        await super()._far_event(ev)


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
