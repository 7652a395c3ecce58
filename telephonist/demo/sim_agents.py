"""Agents of the simulated center (the demo and flow tests): people at the sim phones of their extensions.

Each configured agent with an extension on a sim FXS port logs in there and becomes ready (through the
ACD, as an agent desktop would). When the phone rings the agent lifts it after `answer_after_rings`,
greets the caller (the greeting audio, if any) and keys its agent number (what a flow test listens for
on the caller's side: proof that caller and agent hear each other), talks for a while (`talk_s`, engine
time) and hangs up; wrap-up is the queue's. An agent who is offered a call while away from the desk does
not exist here: every phone is answered.

Only for sim spans: on real cards the people at the phones are real.
"""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Any

from telephonist.client import ApiCallError, Client
from telephonist.config.acd import AgentConfig

log = logging.getLogger("telephonist.demo.agents")
ACD_APP = "queue"


@dataclass(frozen=True)
class AgentHabits:
    answer_after_rings: int = 1
    greeting: str = ""                          # audio the agent says on lifting ("" : none)
    talk_s: tuple[float, float] = (0.0, 0.0)    # how long it talks after the greeting (uniform between)


class SimAgents:
    def __init__(self, client: Client, habits: AgentHabits, rng: random.Random | None = None) -> None:
        self.c = client
        self.habits = habits
        self.rng = rng or random.Random()
        self.phones: dict[str, str] = {}        # phone far end -> agent number
        self.timers: dict[int, str] = {}        # chand timer -> far end to hang up
        self.greeting: dict[str, int] = {}      # far end -> playback of its greeting
        self.keying: dict[str, int] = {}        # far end -> id of its agent number's DTMF
        client.on("far", self._far)
        client.on("timer", self._timer)

    async def start(self, agents: tuple[AgentConfig, ...] | list[AgentConfig], only: list[str] | None = None) -> list[str]:
        """Sits the agents at their phones, logged in and ready; returns who did."""
        lines = {ln.get("extension"): ln["chan"] for ln in (await self.c.call("status"))["lines"]
                 if ln.get("kind") == "fxs" and ln.get("extension")}
        seated = []
        for agent in agents:
            if (only is not None and agent.number not in only) or agent.extension not in lines:
                continue
            far = f"{lines[agent.extension]}~far"
            await self.c.call("sim.take", far=far, auto_answer_rings=self.habits.answer_after_rings)
            self.phones[far] = agent.number
            try:
                await self.c.request(ACD_APP, {"action": "login", "agent": agent.number, "extension": agent.extension})
            except ApiCallError as exc:
                if exc.code != "wrong_state":               # already logged in there (a restart of ours)
                    raise
            await self.c.request(ACD_APP, {"action": "ready", "agent": agent.number})
            seated.append(agent.number)
        log.info("event=sim_agents_ready agents=%s", ",".join(seated))
        return seated

    async def _far(self, ev: dict[str, Any]) -> None:
        far, what = ev.get("far"), ev.get("what")
        if far not in self.phones:
            return
        if what == "connected":
            if self.habits.greeting:
                self.greeting[far] = (await self.c.call("sim.play", far=far, items=[self.habits.greeting]))["playback"]
            else:
                await self._key_number(far)
        elif what == "play_done" and self.greeting.get(far) == ev.get("playback"):
            del self.greeting[far]
            await self._key_number(far)
        elif what == "dtmf_sent" and self.keying.get(far) == ev.get("id"):
            del self.keying[far]
            low, high = self.habits.talk_s
            talk_ms = round(self.rng.uniform(low, high) * 1000)
            if talk_ms > 0:
                self.timers[(await self.c.call("timer", ms=talk_ms, key=f"talk:{far}"))["timer"]] = far
            else:
                await self._hang_up(far)
        elif what == "hung_up":
            self.greeting.pop(far, None)
            self.keying.pop(far, None)

    async def _key_number(self, far: str) -> None:
        self.keying[far] = (await self.c.call("sim.dtmf", far=far, digits=self.phones[far]))["id"]

    async def _timer(self, ev: dict[str, Any]) -> None:
        far = self.timers.pop(ev.get("timer"), None)
        if far is not None:
            await self._hang_up(far)

    async def _hang_up(self, far: str) -> None:
        try:
            await self.c.call("sim.hangup", far=far)
        except ApiCallError as exc:                 # the caller went first: the phone is already on hook
            log.debug("event=sim_agent_hangup_refused far=%s error=%s", far, exc)

