"""A simulated customer: calls in on a sim span, answers the flow's questions, notes what it heard.

It follows the call as chand's subscriber (call_event) and acts at the
moments a real caller would: whenever the flow waits for input (a collect or
a recording starts) it takes the next action of its script: press keys, say
something, stay silent, or hang up. It acts inside the event handler, before
acknowledging, so on a lockstep engine clock the run is the same on every
machine.

Actions (one per input point, in order):
    {"press": "123#"}                keys, 100 ms each
    {"silent": true}                 press nothing (the flow's time-out runs)
    {"speak": "en/hello.wav", "press": "#"}   play audio into the line (optionally keys after it)
    {"speak": "en/hello.wav", "hangup": true} say it all, then hang up
    {"hangup": true}                 hang up
When the script has no action left, the caller hangs up at the next input point.
"""
from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from typing import Any

from telephonist.client import Client


@dataclass
class Heard:
    kind: str                      # prompt, tone, silence
    name: str                      # a prompt's name under prompts_dir (or its path), a tone's name, ms of silence


@dataclass
class CallOutcome:
    chan: str
    call_id: str = ""
    heard: list[Heard] = field(default_factory=list)
    inputs: int = 0                # input points the flow offered
    actions_left: int = 0          # script actions never used (the flow ended sooner than the script)
    events: list[dict[str, Any]] = field(default_factory=list)   # every call_event, in order
    hung_up_by_caller: bool = False
    heard_digits: str = ""         # keys the caller heard from the other end (a scripted agent keys its number)

    @property
    def prompts(self) -> list[str]:
        return [h.name for h in self.heard if h.kind == "prompt"]


class ScriptedCaller:
    def __init__(self, tester: Client, monitor: Client, prompts_dir: str, run_dir: str = "") -> None:
        self.tester = tester
        self.monitor = monitor
        self.prompts_dir = os.path.abspath(prompts_dir)
        self.run_dir = os.path.abspath(run_dir) if run_dir else ""     # the run's own files (TTS) are named from here
        self.active: dict[str, tuple[CallOutcome, list[dict[str, Any]], str, asyncio.Future]] = {}
        self.press_after_speech: dict[str, str] = {}      # far -> keys to press when its speech ends
        self.hangup_after_speech: set[str] = set()        # far ends that hang up when their speech ends
        self.placing = 0                                  # sim.call requests not answered yet
        self.registered = asyncio.Event()
        monitor.on("call_event", self._event)
        tester.on("far", self._far_event)

    @classmethod
    async def attach(cls, tester: Client, monitor: Client, prompts_dir: str, run_dir: str = "") -> "ScriptedCaller":
        await monitor.call("subscribe", lines=False, calls=True)
        return cls(tester, monitor, prompts_dir, run_dir)

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

    def _name(self, item: Any) -> Heard:
        if isinstance(item, list):                 # [kind, value] pairs as chand notes them
            d = dict(item) if all(isinstance(x, list) for x in item) else {item[0]: item[1]}
            item = d
        if isinstance(item, dict):
            if "tone" in item:
                return Heard("tone", str(item["tone"]))
            return Heard("silence", str(item.get("silence", "")))
        path = os.path.abspath(str(item))
        for root in (self.prompts_dir, self.run_dir):
            if root and path.startswith(root + os.sep):
                return Heard("prompt", os.path.relpath(path, root))
        return Heard("prompt", str(item))

    async def _event(self, ev: dict[str, Any]) -> None:
        # a call's first events (monitor connection) may come before the answer to sim.call (tester
        # connection) has registered it: they wait for it, holding their acknowledgement (and a
        # lockstep clock with it), instead of being lost
        while ev.get("chan", "") not in self.active and self.placing:
            await self.registered.wait()
        entry = self.active.get(ev.get("chan", ""))
        if entry is None:
            return
        out, actions, far, done = entry
        out.events.append(ev)
        out.call_id = ev.get("call_id", out.call_id)
        what = ev.get("what")
        if what == "play":
            out.heard.extend(self._name(i) for i in ev.get("items", []))
        elif what == "collect_start":
            out.heard.extend(self._name(i) for i in ev.get("prompt", []))
        if what in ("collect_start", "record_start"):
            out.inputs += 1
            await self._act(out, actions, far)
        elif what == "state" and ev.get("state") == "idle":
            out.actions_left = len(actions)
            if not done.done():
                done.set_result(out)

    async def _act(self, out: CallOutcome, actions: list[dict[str, Any]], far: str) -> None:
        action = actions.pop(0) if actions else {"hangup": True}
        if action.get("speak") and action.get("hangup"):
            self.hangup_after_speech.add(far)
            out.hung_up_by_caller = True
            await self.tester.call("sim.play", far=far, items=[action["speak"]])
            return
        if action.get("hangup"):
            out.hung_up_by_caller = True
            await self.tester.call("sim.hangup", far=far)
            return
        if action.get("speak"):
            if action.get("press"):
                self.press_after_speech[far] = str(action["press"])
            await self.tester.call("sim.play", far=far, items=[action["speak"]] if isinstance(action["speak"], str)
                                   else action["speak"])
        elif action.get("press"):
            await self.tester.call("sim.dtmf", far=far, digits=str(action["press"]))

    async def _far_event(self, ev: dict[str, Any]) -> None:
        """The far end finished speaking: press the keys that were to follow (in the handler, so a
        lockstep clock waits for them). Keys it hears are noted."""
        if ev.get("what") == "dtmf":
            out = next((o for o, _, far, _ in self.active.values() if far == ev.get("far")), None)
            if out is not None:
                out.heard_digits += str(ev.get("digit", ""))
            return
        if ev.get("what") == "play_done" and ev.get("far") in self.hangup_after_speech:
            self.hangup_after_speech.discard(ev["far"])
            await self.tester.call("sim.hangup", far=ev["far"])
            return
        if ev.get("what") == "play_done" and ev.get("far") in self.press_after_speech:
            await self.tester.call("sim.dtmf", far=ev["far"], digits=self.press_after_speech.pop(ev["far"]))
