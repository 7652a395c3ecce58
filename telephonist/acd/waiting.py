"""Callers in the queue: joining, the music and announcements they hear, how long they may wait, how they
leave (hung up, timed out to another target). A mixin of AcdService (service.py)."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from telephonist.acd.agent_state import AgentState as S
from telephonist.acd.model import DEFAULT_HANDLE_S, Caller, CallerState
from telephonist.client import ApiCallError

log = logging.getLogger("telephonist.acd")


class WaitingRoom:
    """The caller's side of the ACD."""

    async def _on_offer(self, ev: dict[str, Any]) -> None:
        if ev.get("reason") in ("adopted", "returned"):
            return                        # what reclaim gives back: recovery.py takes it from the reply
        if ev.get("reason") == "ivr_step":
            await self._step_back(ev)     # a customer an agent lent to an IVR flow (ivr_step.py)
            return
        chan, name = ev["chan"], ev.get("target") or ""
        queue = self.queues.get(name)
        if queue is None or queue.media != "voice":         # a chat queue takes no calls (chatdesk.py)
            log.error("event=acd_unknown_queue chan=%s queue=%s", chan, name)
            await self._quietly(self.c.call("hangup", chan=chan, cause="normal"))
            return
        if ev.get("state") != "up":
            try:
                await self.c.call("answer", chan=chan)
            except ApiCallError:
                return
        data = ev.get("data") or {}
        caller = Caller(chan=chan, call_id=ev["call_id"], number=ev.get("caller") or "", queue=queue.name,
                        priority=self._priority(queue, data), seq=next(self._seq), entered_ms=self.now_ms,
                        data=data)
        await self._join(caller)

    async def _join(self, caller: Caller) -> None:
        queue = self.queues[caller.queue]
        self.callers[caller.call_id] = caller
        if caller.chan:
            self.by_chan[caller.chan] = caller
            self._spawn(self.c.call("annotate", chan=caller.chan, queue=queue.name))
        if queue.sticky_days and queue.strategy == "sticky" and caller.number:
            since = self.wall() - timedelta(days=queue.sticky_days)
            caller.sticky_agent = await asyncio.to_thread(self.store.last_agent, caller.number, since)
        prefer = caller.data.get("prefer_agent")
        if isinstance(prefer, str) and prefer in self.roster.agents:     # a campaign's appointment: its agent first
            wait = caller.data.get("prefer_wait_s")
            caller.sticky_agent = prefer
            caller.sticky_wait_ms = max(0, min(int(wait), 3600)) * 1000 if isinstance(wait, int) else 60_000
        if caller.row is None:
            caller.row = await self.store.call_started(dict(
                call_id=caller.call_id, queue=queue.name, caller=caller.number,
                entered_at=self.wall(caller.entered_ms)))
        await self.store.waiting_put(self._waiting_row(caller))
        if queue.when_empty == "leave" and not self._anyone_for(queue.name):
            await self._leave(caller, "timeout", self._timeout_target(caller))
            return
        if caller.chan:
            await self._music(caller)
        limit_ms = self._wait_limit_ms(caller) if caller.chan else 0    # a web request (no line) waits its turn
        if limit_ms:
            caller.timeout_timer = await self._timer(max(1, limit_ms - (self.now_ms - caller.entered_ms)),
                                                     "timeout", caller.call_id)
        if queue.announce_every_s and caller.chan:
            caller.announce_timer = await self._timer(queue.announce_every_s * 1000, "announce", caller.call_id)
        if queue.callback.after_s and caller.chan and caller.state == CallerState.WAITING:
            await self._timer(queue.callback.after_s * 1000, "cboffer", caller.call_id)
        self.dispatcher.enqueue(caller, self.now_ms)
        if caller.sticky_agent and caller.state == CallerState.WAITING and \
                caller.seq not in self.dispatcher.queues[queue.name].callers:
            await self._timer(caller.sticky_wait_ms if caller.sticky_wait_ms is not None else queue.sticky_wait_s * 1000,
                              "sticky", caller.call_id)
        self.publish("caller_joined", {"queue": queue.name, "call_id": caller.call_id, "caller": caller.number,
                                       "position": self.dispatcher.position(caller), "priority": caller.priority,
                                       "web": "web_callback" in caller.data})
        self.match()

    def _wait_limit_ms(self, caller: Caller) -> int:
        """How long the caller waits for an agent before it leaves: the queue's max_wait_s, or the limit its
        handoff data sets for this one call (`wait_limit_ms`: the dialer's predictive campaigns, whose answered
        customers must hear a message within 2 s when no agent takes them)."""
        own = caller.data.get("wait_limit_ms")
        if isinstance(own, int) and not isinstance(own, bool) and own > 0:
            return own
        return self.queues[caller.queue].max_wait_s * 1000

    async def _rearm_wait_limit(self, caller: Caller) -> None:
        """A caller back in line after an agent's phone rang unanswered: its wait limit's timer (which fired, and
        was ignored, while the phone rang) runs again for what is left of it, at least a moment."""
        limit_ms = self._wait_limit_ms(caller)
        if limit_ms and caller.state == CallerState.WAITING:
            self._cancel_timer(caller.timeout_timer)
            caller.timeout_timer = await self._timer(max(1, limit_ms - (self.now_ms - caller.entered_ms)),
                                                     "timeout", caller.call_id)

    def _timeout_target(self, caller: Caller) -> str:
        """Where a caller goes at its wait limit: the handoff data's `on_wait_limit` ("app:NAME:TARGET", back to
        the application that handed it, e.g. the dialer's abandoned-call message) or the queue's on_timeout."""
        own = caller.data.get("on_wait_limit")
        return own if isinstance(own, str) and own.startswith("app:") else self.queues[caller.queue].on_timeout

    @staticmethod
    def _priority(queue, data: dict[str, Any]) -> int:
        """The queue's `priorities` against what came with the call: "vip" (set and truthy) or "vip=gold", in the
        handoff data itself or among the IVR's variables it carries (ivrd hands on {"ivr": {"vars": ...}})."""
        ivr = data.get("ivr")
        ivr_vars = ivr.get("vars") if isinstance(ivr, dict) else None
        ivr_vars = ivr_vars if isinstance(ivr_vars, dict) else {}
        total = 0
        for cond, weight in queue.priorities.items():
            var, _, value = cond.partition("=")
            got = data[var] if var in data else ivr_vars.get(var)
            if (value and str(got) == value) or (not value and got not in (None, "", False, 0, "0")):
                total += weight
        return total

    def _anyone_for(self, queue: str) -> bool:
        q = self.queues[queue]
        return any(a.state != S.LOGGED_OUT and a.qualifies(q) for a in self.roster.agents.values())

    def _waiting_row(self, caller: Caller) -> dict[str, Any]:
        return dict(call_id=caller.call_id, chan=caller.chan, queue=caller.queue, caller=caller.number,
                    priority=caller.priority, seq=caller.seq, entered_at=self.wall(caller.entered_ms),
                    state=self._waiting_state(caller),
                    callback_number=caller.callback_number, data=caller.data, call_row=caller.row)

    @staticmethod
    def _waiting_state(caller: Caller) -> str:
        """What a restart does with it: "waiting" (chand gives its line back), "callback" (no line: back in line at
        its place), "retry" (no line: back in line when its next try is due)."""
        if caller.state == CallerState.RETRY:
            return "retry"
        return "callback" if caller.state == CallerState.CALLBACK or caller.chan is None else "waiting"

    async def _music(self, caller: Caller) -> None:
        queue = self.queues[caller.queue]
        items = [queue.music] if queue.music else [{"tone": "ringback", "ms": 0}]
        try:
            caller.playback = (await self.c.call("play", chan=caller.chan, items=items, loop=True))["playback"]
        except ApiCallError as exc:
            log.warning("event=acd_music_failed chan=%s error=%s", caller.chan, exc)

    async def _caller_gone(self, caller: Caller) -> None:
        if caller.state in (CallerState.CALLBACK, CallerState.RETRY):
            self.by_chan.pop(caller.chan, None)   # it left the line after choosing a call back: it keeps its place
            caller.chan = None
            return
        if caller.state == CallerState.CALLING_BACK:
            await self._callback_failed(caller)
            return
        if self.callers.pop(caller.call_id, None) is None:
            return
        self.by_chan.pop(caller.chan, None)
        self._cancel_timer(caller.timeout_timer)
        self._cancel_timer(caller.announce_timer)
        queue = self.queues[caller.queue]
        now = self.wall()
        if caller.state == CallerState.CONNECTED:
            self._spawn(self.store.call_update(caller.row, ended_at=now))
            return                                             # the bridge's end takes the agent to wrap-up
        self.dispatcher.dequeue(caller)
        for number in list(caller.offered_to):
            self._stop_ringing(self.roster.get(number), caller)
        wait_ms = self.now_ms - caller.entered_ms
        await asyncio.gather(self.store.waiting_gone(caller.call_id),
                             self.store.call_update(caller.row, ended_at=now, outcome="abandoned", wait_ms=wait_ms))
        self.publish("caller_left", {"queue": queue.name, "call_id": caller.call_id, "caller": caller.number,
                                     "outcome": "abandoned", "wait_ms": wait_ms})

    async def _announce(self, caller: Caller) -> None:
        """The caller's place in the queue and the wait to expect, then the music again."""
        queue = self.queues[caller.queue]
        items = self._announcement(caller) if caller.dialog is None else []     # not into a call-back question
        if items:
            if caller.playback is not None:
                await self._quietly(self.c.call("stop", chan=caller.chan, playback=caller.playback))
            try:
                caller.announcement = (await self.c.call("play", chan=caller.chan, items=items))["playback"]
            except ApiCallError as exc:
                log.warning("event=acd_announcement_failed chan=%s error=%s", caller.chan, exc)
                await self._music(caller)
        caller.announce_timer = await self._timer(queue.announce_every_s * 1000, "announce", caller.call_id)

    def _announcement(self, caller: Caller) -> list[Any]:
        from telephonist.acd.announce import announcement
        position = self.dispatcher.position(caller)
        serving = sum(1 for a in self.roster.agents.values() if a.state not in (S.LOGGED_OUT, S.NOT_READY)
                      and a.qualifies(self.queues[caller.queue]))
        wait_s = position * self.handle_s.get(caller.queue, DEFAULT_HANDLE_S) / max(1, serving)
        lang = str(caller.data.get("language") or "zh")
        return announcement(self.cfg.system.prompts_dir, lang, position, wait_s)

    async def _leave(self, caller: Caller, outcome: str, target: str) -> None:
        """The caller leaves the queue for `target` (on_timeout: another queue, an IVR, a number, hang up)."""
        self.dispatcher.dequeue(caller)
        self.callers.pop(caller.call_id, None)
        self.by_chan.pop(caller.chan, None)
        self._cancel_timer(caller.timeout_timer)
        self._cancel_timer(caller.announce_timer)
        wait_ms = self.now_ms - caller.entered_ms
        await asyncio.gather(self.store.waiting_gone(caller.call_id), self.store.call_update(
            caller.row, ended_at=self.wall(), outcome=outcome, wait_ms=wait_ms))
        self.publish("caller_left", {"queue": caller.queue, "call_id": caller.call_id, "caller": caller.number,
                                     "outcome": outcome, "wait_ms": wait_ms, "to": target})
        kind, _, rest = target.partition(":")
        data = {**caller.data, "queue": caller.queue, "waited_ms": wait_ms}
        if caller.playback is not None:
            await self._quietly(self.c.call("stop", chan=caller.chan, playback=caller.playback))
        if kind in ("queue", "ivr"):
            flow, _, node = rest.partition("/")
            if node:
                data["node"] = node
            await self._quietly(self.c.call("handoff", chan=caller.chan, app=f"{kind}:{flow}", reason=outcome,
                                            data=data))
        elif kind == "app":                       # back to an application ("app:dialer:abandon"), with the data
            await self._quietly(self.c.call("handoff", chan=caller.chan, app=rest, reason=outcome, data=data))
        elif kind == "voicemail":                 # ivrd's built-in voicemail flow (flow_loader.py)
            await self._quietly(self.c.call("handoff", chan=caller.chan, app="ivr:voicemail", reason=outcome,
                                            data={**data, "flow": "voicemail", "mailbox": rest}))
        elif kind in ("number", "ext"):
            group = self.acd.outbound_trunk_group if kind == "number" else self.acd.agents_trunk_group
            await self._quietly(self.c.call("transfer", chan=caller.chan, trunk_group=group, number=rest))
        else:
            await self._quietly(self.c.call("hangup", chan=caller.chan))

    async def _on_play_done(self, ev: dict[str, Any]) -> None:
        if await self._on_line_played(ev):
            return
        caller = self.by_chan.get(ev["chan"])
        if not isinstance(caller, Caller):
            return
        if caller.hangup_after is not None and ev.get("playback") == caller.hangup_after:
            caller.hangup_after = None
            await self._quietly(self.c.call("hangup", chan=ev["chan"]))
        elif caller.state == CallerState.WAITING and caller.dialog is None and ev.get("playback") == caller.announcement:
            caller.announcement = None
            await self._music(caller)
