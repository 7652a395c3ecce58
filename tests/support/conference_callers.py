"""Sim callers for conference rooms: each dials a room, keys its PIN when the flow asks, and notes the keys
it hears from the room (the far end's DTMF detector is the ear).

The PIN is keyed inside the event handler that saw the collection start (before chand's lockstep clock may
move on), as the flow test's scripted caller does; everything else waits for events, never for time."""
from __future__ import annotations

import asyncio
import math
import wave
from dataclasses import dataclass, field
from typing import Any

from telephonist.client import Client


@dataclass
class RoomCaller:
    number: str
    chan: str = ""
    far: str = ""
    heard: str = ""                                 # keys heard from the room, in order
    pins: list[str] = field(default_factory=list)   # what it keys at each PIN prompt
    prompts: list[str] = field(default_factory=list)


class RoomCallers:
    def __init__(self, tester: Client, monitor: Client, admin: Client, span: str) -> None:
        self.tester, self.monitor, self.admin, self.span = tester, monitor, admin, span
        self.by_chan: dict[str, RoomCaller] = {}
        self.by_far: dict[str, RoomCaller] = {}
        self.placing = 0
        self.registered = asyncio.Event()
        self._wanted: list[tuple[Any, asyncio.Future]] = []
        monitor.on("call_event", self._call_event)
        tester.on("far", self._far_event)

    @classmethod
    async def attach(cls, chand, span: str) -> "RoomCallers":
        tester = await chand.client("tester")
        monitor = await chand.client("monitor", "monitor")
        admin = await chand.client("supervisor", "admin")
        await tester.call("subscribe", lines=True)
        await monitor.call("subscribe", lines=True, calls=True)
        return cls(tester, monitor, admin, span)

    async def _call_event(self, ev: dict[str, Any]) -> None:
        while ev.get("chan", "") not in self.by_chan and self.placing:
            self.registered.clear()
            await self.registered.wait()
        who = self.by_chan.get(ev.get("chan", ""))
        if who is None:
            return
        if ev.get("what") in ("play", "collect_start"):
            who.prompts.extend(str(i) for i in ev.get("items", ev.get("prompt", [])))
        if ev.get("what") == "collect_start":
            keys = who.pins.pop(0) if who.pins else ""
            if keys:
                await self.tester.call("sim.dtmf", far=who.far, digits=keys + "#")
        self._check()

    async def _far_event(self, ev: dict[str, Any]) -> None:
        who = self.by_far.get(ev.get("far", ""))
        if who is not None and ev.get("what") == "dtmf":
            who.heard += str(ev.get("digit", ""))
            self._check()

    def _check(self) -> None:
        for pred, fut in list(self._wanted):
            if not fut.done() and pred():
                fut.set_result(None)
                self._wanted.remove((pred, fut))

    async def until(self, pred, timeout: float = 30.0) -> None:
        """Until pred() holds (looked at after every event of the callers)."""
        if pred():
            return
        fut = asyncio.get_running_loop().create_future()
        self._wanted.append((pred, fut))
        await asyncio.wait_for(fut, timeout)

    async def dial(self, number: str, dialled: str, pins: list[str] | None = None) -> RoomCaller:
        """A caller rings the room's number; returns once the call is placed (not yet in the room)."""
        who = RoomCaller(number, pins=list(pins or []))
        self.placing += 1
        try:
            r = await self.tester.call("sim.call", span=self.span, caller=number, dialled=dialled)
            who.chan, who.far = r["chan"], r["far"]
            self.by_chan[who.chan] = who
            self.by_far[who.far] = who
        finally:
            self.placing -= 1
            self.registered.set()
        return who

    async def enter(self, number: str, dialled: str, pin: str = "", room: str = "") -> RoomCaller:
        """A caller dials in, keys the PIN and is in the room (chand says conference_enter)."""
        mark = self.monitor.mark()
        who = await self.dial(number, dialled, [pin] if pin else [])
        await self.monitor.wait_for(lambda e: e.get("event") == "call_event" and e.get("chan") == who.chan
                                    and e.get("what") == "conference_enter", since=mark)
        return who

    async def refused(self, who: RoomCaller, mark: int) -> None:
        """The caller's line goes idle (the flow said its message and hung up)."""
        await self.tester.wait_for("line_state", chan=who.chan, state="idle", since=mark)

    async def say(self, who: RoomCaller, digit: str) -> None:
        await self.tester.call("sim.dtmf", far=who.far, digits=digit)


def loud_ms(path: str, threshold: int = 300) -> tuple[int, int]:
    """(milliseconds of the file, milliseconds whose 20 ms frame is louder than threshold RMS)."""
    with wave.open(path, "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000)
        data = w.readframes(w.getnframes())
    samples = memoryview(data).cast("h")
    loud = 0
    for i in range(0, len(samples) - 160 + 1, 160):
        frame = samples[i:i + 160]
        if math.sqrt(sum(s * s for s in frame) / 160) > threshold:
            loud += 20
    return len(samples) // 8, loud
