"""A call back that keeps the caller's place. A mixin of AcdService.

After the queue's `callback.after_s` a waiting caller hears the offer ("press 1 to be called back; you keep
your place"). On the key, the number is confirmed or typed: "we will call you back at 139 1234 5678; if
that is right press 1, for another number press 2" (the caller's number, or the one ivrd's handoff data
gave), then "enter the number followed by #" and the new number read back. Once confirmed the caller
hangs up and keeps its place (acd_waiting, so a restart keeps it too). When its turn comes the agent's
phone rings first; when the agent answers the customer's number is dialled, the agent hearing ringback,
and they are bridged when the customer answers. A customer who does not answer (busy, no answer, no route) ends the
agent's call (wrap-up); the queue's `callback.retries` and `callback.retry_after_s` say whether it is called again:
it waits that long out of line (state RETRY, kept in acd_waiting as "retry"), then rejoins at its place; after the
last try it leaves the queue ("callback_failed").

The website's "call me back" (webcallback.py) is a caller that starts where this one ends up: no line, a place in
the queue, a number. From its turn on both go through the same path here (_call_back, _callback_answered,
_callback_failed), which also keeps the web request's own row (acd_web_callbacks) up to date.

During the dialogue the caller stays in line: if an agent comes free first the dialogue is cut short and
the caller is connected. Three unanswered or invalid tries put the caller back to the music.
"""
from __future__ import annotations

import logging
import os
import re
from typing import Any

from telephonist.acd.agent_state import AgentSignal as G
from telephonist.acd.model import Agent, AgentCall, Caller, CallerState
from telephonist.acd.prompts import prompt
from telephonist.client import ApiCallError
from telephonist.ivrd.say import SayError, fragments

log = logging.getLogger("telephonist.acd")
NUMBER = re.compile(r"^[0-9]{3,20}$")
TRIES = 3


class CallBacks:
    """Offering, agreeing on and making a call back."""

    async def _offer_callback(self, caller: Caller) -> None:
        """After callback.after_s in the queue: "press 1 to be called back; you keep your place"."""
        queue = self.queues[caller.queue]
        if caller.dialog is not None:
            return
        caller.callback_offered = True
        lang = self._lang(caller)
        offer = queue.callback.prompt or prompt("callback-offer", lang)
        items = [offer] if self._prompt_exists(offer) else [{"tone": "callwaiting", "ms": 800}]
        await self._stop_music(caller)
        try:
            caller.announcement = (await self.c.call("play", chan=caller.chan, items=items))["playback"]
        except ApiCallError:
            await self._music(caller)

    async def _callback_key(self, ev: dict[str, Any]) -> None:
        caller = self.by_chan.get(ev["chan"])
        if isinstance(caller, Caller) and caller.state == CallerState.WAITING and caller.callback_offered \
                and caller.dialog is None and ev.get("digit") == self.queues[caller.queue].callback.key:
            caller.callback_number = str(caller.data.get("callback_number") or caller.number or "")
            caller.tries = 0
            await self._ask(caller, "confirm" if caller.callback_number else "enter")

    async def _ask(self, caller: Caller, step: str) -> None:
        """One question of the dialogue: confirm the number (1 yes, 2 another) or type one."""
        lang = self._lang(caller)
        if step == "confirm":
            try:
                said = fragments("digits", caller.callback_number, lang)
            except SayError:
                said = []
            items = [prompt("callback-number-is", lang), *said, prompt("callback-confirm-or-change", lang)]
            spec = {"min": 1, "max": 1, "first_timeout_ms": 8000}
        else:
            items = [prompt("callback-enter-number", lang)]
            spec = {"min": 3, "max": 20, "terminators": "#", "first_timeout_ms": 10000, "inter_timeout_ms": 5000}
        if not all(self._prompt_exists(i) for i in items if isinstance(i, str)):
            if step == "confirm":                 # nothing to ask with: the number we have it is
                await self._take_callback(caller)
            else:                                 # no number and no way to ask for one: the caller waits on
                await self._back_to_music(caller)
            return
        await self._stop_music(caller)
        caller.dialog = step
        try:
            caller.collect = (await self.c.call("collect", chan=caller.chan, prompt=items, **spec))["collect"]
        except ApiCallError as exc:
            log.warning("event=acd_callback_dialog_failed chan=%s error=%s", caller.chan, exc)
            await self._back_to_music(caller)

    async def _on_collect_done(self, ev: dict[str, Any]) -> None:
        caller = self.by_chan.get(ev["chan"])
        if not isinstance(caller, Caller) or caller.collect != ev.get("collect") or caller.dialog is None:
            return
        caller.collect = None
        if caller.state != CallerState.WAITING or ev.get("reason") in ("stopped", "hangup", "replaced"):
            caller.dialog = None
            return
        digits = str(ev.get("digits") or "")
        if caller.dialog == "confirm" and digits == "1":
            caller.dialog = None
            await self._take_callback(caller)
        elif caller.dialog == "confirm" and digits == "2":
            await self._ask(caller, "enter")
        elif caller.dialog == "enter" and NUMBER.match(digits):
            caller.callback_number = digits
            await self._ask(caller, "confirm")
        else:
            caller.tries += 1
            if caller.tries >= TRIES:
                await self._back_to_music(caller)
            else:
                await self._ask(caller, caller.dialog)

    async def _back_to_music(self, caller: Caller) -> None:
        caller.dialog = None
        log.info("event=acd_callback_not_agreed call=%s", caller.call_id)
        await self._music(caller)

    async def _end_dialog(self, caller: Caller) -> None:
        """An agent takes the caller mid-dialogue: the question stops."""
        if caller.collect is not None and caller.chan:
            await self._quietly(self.c.call("stop", chan=caller.chan, collect=caller.collect))
        caller.collect = caller.dialog = None

    async def _take_callback(self, caller: Caller) -> None:
        """The caller leaves the line and keeps its place: when its turn comes the agent is rung first, then
        the caller's number is dialled."""
        if not caller.callback_number:
            await self._back_to_music(caller)
            return
        caller.state = CallerState.CALLBACK
        self._cancel_timer(caller.timeout_timer)
        self._cancel_timer(caller.announce_timer)
        await self.store.waiting_put(self._waiting_row(caller))
        if caller.row is not None:
            self._spawn(self.store.call_update(caller.row, outcome="callback"))
        self.publish("callback_taken", {"queue": caller.queue, "call_id": caller.call_id,
                                        "number": caller.callback_number, "position": self.dispatcher.position(caller)})
        confirm = prompt("callback-confirm", self._lang(caller))
        await self._stop_music(caller)
        try:
            caller.hangup_after = (await self.c.call("play", chan=caller.chan, items=[confirm] if self._prompt_exists(
                confirm) else [{"tone": "callwaiting", "ms": 400}]))["playback"]
        except ApiCallError:
            await self._quietly(self.c.call("hangup", chan=caller.chan))

    async def _call_back(self, caller: Caller, call: AgentCall, agent: Agent) -> None:
        """The agent is on the line for a caller who chose a call back: now its number is dialled (the agent hears
        ringback), and they are bridged when it answers."""
        queue = self.queues[caller.queue]
        self.roster.signal(agent, G.ANSWER, queue=queue.name, call_id=caller.call_id)
        caller.data["callback_attempts"] = attempts = int(caller.data.get("callback_attempts") or 0) + 1
        self._spawn(self.store.waiting_put(self._waiting_row(caller)))
        self._web_progress(caller, state="calling", attempts=attempts, agent=agent.number, next_at=None)
        await self._quietly(self.c.call("play", chan=call.agent_chan, items=[{"tone": "ringback", "ms": 0}], loop=True))
        try:
            r = await self.c.call("dial", trunk_group=queue.callback.trunk_group or self.acd.outbound_trunk_group,
                                  number=caller.callback_number, caller_id=queue.caller_id,
                                  timeout_ms=queue.ring_timeout_s * 2000, call_id=caller.call_id)
        except ApiCallError as exc:
            log.warning("event=acd_callback_failed call=%s number=%s error=%s", caller.call_id,
                        caller.callback_number, exc)
            await self._callback_failed(caller)
            return
        caller.chan = r["chan"]
        self.by_chan[caller.chan] = caller

    async def _callback_answered(self, caller: Caller) -> None:
        agent = self.roster.agents.get(caller.offered_to[0]) if caller.offered_to else None
        call = agent.call if agent else None
        if call is None or call.caller is not caller:
            await self._quietly(self.c.call("hangup", chan=caller.chan))
            return
        caller.state = CallerState.CONNECTED
        await self._quietly(self.c.call("stop", chan=call.agent_chan))
        self._web_progress(caller, state="answered", agent=agent.number, ended_at=self.wall())
        await self._connect(caller, call, agent, answered=False)

    async def _callback_failed(self, caller: Caller) -> None:
        """The customer did not answer the call back: the agent's call ends; the caller is called again later at
        its place (the queue's callback.retries) or leaves the queue."""
        self.by_chan.pop(caller.chan, None)
        caller.chan = None
        policy = self.queues[caller.queue].callback
        if int(caller.data.get("callback_attempts") or 0) <= policy.retries:
            await self._retry_later(caller, policy.retry_after_s * 1000)
        else:
            self.callers.pop(caller.call_id, None)
            self._spawn(self.store.waiting_gone(caller.call_id))
            if caller.row is not None:
                self._spawn(self.store.call_update(caller.row, ended_at=self.wall(), outcome="callback_failed"))
            self.publish("caller_left", {"queue": caller.queue, "call_id": caller.call_id, "caller": caller.number,
                                         "outcome": "callback_failed"})
            self._web_progress(caller, state="failed", ended_at=self.wall())
        agent = self.roster.agents.get(caller.offered_to[0]) if caller.offered_to else None
        if agent is not None and agent.call is not None and agent.call.caller is caller:
            call = agent.call
            call.customer_chan = None
            await self._end_agent_leg(call)

    async def _call_back_dropped(self, caller: Caller) -> None:
        """The agent hung up while the customer's phone rang: that call stops, and the call back waits again at its
        place for the next agent."""
        if caller.chan:
            self.by_chan.pop(caller.chan, None)
            self._spawn(self.c.call("hangup", chan=caller.chan))
        caller.chan = None
        caller.state = CallerState.CALLBACK
        caller.offered_to = []
        self._web_progress(caller, state="waiting")
        self.dispatcher.enqueue(caller, self.now_ms)
        self.match()

    async def _retry_later(self, caller: Caller, after_ms: int) -> None:
        """Out of line until the next try (a restart keeps it: acd_waiting "retry" with the time in its data)."""
        caller.state = CallerState.RETRY
        due = self.wall(self.now_ms + after_ms)
        caller.data["retry_at"] = due.isoformat()
        await self.store.waiting_put(self._waiting_row(caller))
        await self._timer(after_ms, "cbretry", caller.call_id)
        self._web_progress(caller, state="retry", next_at=due)
        self.publish("callback_retry", {"queue": caller.queue, "call_id": caller.call_id,
                                        "number": caller.callback_number, "attempts": caller.data["callback_attempts"],
                                        "retry_ms": after_ms})

    async def _retry_due(self, caller: Caller) -> None:
        """The next try: back in line at its place."""
        if caller.state != CallerState.RETRY or self.callers.get(caller.call_id) is not caller:
            return
        caller.state = CallerState.CALLBACK
        caller.offered_to = []
        caller.data.pop("retry_at", None)
        await self.store.waiting_put(self._waiting_row(caller))
        self._web_progress(caller, state="waiting", next_at=None)
        self.dispatcher.enqueue(caller, self.now_ms)
        self.match()

    # ---- helpers ------------------------------------------------------------------------------------------------
    @staticmethod
    def _lang(caller: Caller) -> str:
        return str(caller.data.get("language") or "zh")

    async def _stop_music(self, caller: Caller) -> None:
        """What the caller hears now stops (the music, an announcement, the offer) for what comes next."""
        for playback in (caller.playback, caller.announcement):
            if playback is not None and caller.chan:
                await self._quietly(self.c.call("stop", chan=caller.chan, playback=playback))
        caller.playback = caller.announcement = None

    def _prompt_exists(self, name: str) -> bool:
        return os.path.isfile(name if os.path.isabs(name) else os.path.join(self.cfg.system.prompts_dir, name))
