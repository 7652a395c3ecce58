"""From a match to a call: agents' phones rung, the first to answer bridged, the others stopped, a phone
that does not answer marking its agent 'missed' and putting the caller back. A mixin of AcdService."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from telephonist.acd.agent_state import AgentSignal as G
from telephonist.acd.agent_state import AgentState as S
from telephonist.acd.model import Agent, AgentCall, Caller, CallerState, Leg
from telephonist.client import ApiCallError

log = logging.getLogger("telephonist.acd")


class Ringing:
    """The agents' phones for a caller."""

    def match(self) -> None:
        for caller, agents in self.dispatcher.match(self.now_ms):
            caller.state = CallerState.OFFERED
            for agent in agents:
                self._ring(caller, agent)

    def _ring(self, caller: Caller, agent: Agent) -> None:
        queue = self.queues[caller.queue]
        self.roster.signal(agent, G.RESERVE, queue=queue.name, call_id=caller.call_id)
        caller.offered_to.append(agent.number)
        agent.call = AgentCall(agent.number, None, caller, caller.chan, queue.name, self.now_ms)
        self._spawn(self._dial_agent(caller, agent, queue))
        if queue.strategy == "ring_progressive" and len(caller.offered_to) == 1:
            self._spawn(self._progress_timer(caller, queue))

    async def _progress_timer(self, caller: Caller, queue) -> None:
        await self._timer(queue.progressive_step_s * 1000, "progress", caller.call_id)

    async def _dial_agent(self, caller: Caller, agent: Agent, queue) -> None:
        call = agent.call
        if self.idle_line(agent) is not None:
            if call.cancelled:                  # the caller went before the line had it
                self._cancelled(agent, call)
            else:
                await self._offer_on_line(caller, agent, queue)
            return
        try:
            r = await self.c.call("dial", trunk_group=self.acd.agents_trunk_group, number=agent.extension,
                                  caller_id=caller.number or queue.caller_id, timeout_ms=queue.ring_timeout_s * 1000,
                                  call_id=caller.call_id)
        except ApiCallError as exc:
            if call.cancelled:
                self._cancelled(agent, call)
                return
            log.warning("event=acd_agent_unreachable agent=%s extension=%s error=%s", agent.number,
                        agent.extension, exc)
            self._missed(agent, caller)
            return
        call.agent_chan = r["chan"]
        self.by_chan[r["chan"]] = call
        if call.cancelled:                  # the caller went while we dialled: the phone's end frees the agent
            await self._quietly(self.c.call("hangup", chan=r["chan"]))
            return
        self.roster.signal(agent, G.RING, queue=caller.queue, call_id=caller.call_id)

    def _missed(self, agent: Agent, caller: Caller) -> None:
        """The agent's phone did not answer (or could not ring): not ready "missed"; the caller goes back to
        its place if nobody else rings for it."""
        agent.call = None
        self.roster.try_signal(agent, G.NO_ANSWER, reason=self.acd.missed_reason, queue=caller.queue,
                               call_id=caller.call_id)
        if agent.number in caller.offered_to:
            caller.offered_to.remove(agent.number)
        self._back_in_line(caller)

    def _back_in_line(self, caller: Caller) -> None:
        if caller.state == CallerState.OFFERED and not caller.offered_to and caller.call_id in self.callers:
            caller.state = CallerState.CALLBACK if caller.chan is None else CallerState.WAITING
            self.dispatcher.enqueue(caller, self.now_ms)
            if caller.state == CallerState.WAITING:
                self._spawn(self._rearm_wait_limit(caller))    # its limit may have passed while the phone rang
            self.match()

    async def _on_answered(self, ev: dict[str, Any]) -> None:
        call = self.by_chan.get(ev["chan"])
        if isinstance(call, AgentCall):
            await self._agent_answered(call)
        elif isinstance(call, Leg):
            await self._leg_answered(call)
        elif isinstance(call, Caller) and call.state == CallerState.CALLING_BACK:
            await self._callback_answered(call)
        elif ev["chan"] in self.lines:
            await self._line_answered(self.lines[ev["chan"]])

    async def _agent_answered(self, call: AgentCall) -> None:
        if call.outbound:                               # the agent's own call out: now the customer is dialled
            if self.roster.get(call.agent).call is call:
                await self._dial_customer(call)
            return
        agent = self.roster.get(call.agent)
        caller = call.caller
        if caller is None or caller.state in (CallerState.CONNECTED, CallerState.CALLING_BACK) \
                or caller.call_id not in self.callers or agent.call is not call:
            await self._release_leg(call, agent)          # someone else answered first, or the caller is gone
            return
        calling_back = caller.chan is None            # it chose a call back: it has no line now
        caller.state = CallerState.CALLING_BACK if calling_back else CallerState.CONNECTED
        call.answered_ms = self.now_ms
        self.dispatcher.dequeue(caller)
        for other in list(caller.offered_to):
            if other != agent.number:
                self._stop_ringing(self.roster.get(other), caller)
        caller.offered_to = [agent.number]
        self._cancel_timer(caller.timeout_timer)
        self._cancel_timer(caller.announce_timer)
        if calling_back:
            await self._call_back(caller, call, agent)
            return
        await self._connect(caller, call, agent)

    async def _connect(self, caller: Caller, call: AgentCall, agent: Agent, answered: bool = True) -> None:
        """Caller and agent bridged: the agent's call begins."""
        queue = self.queues[caller.queue]
        call.customer_chan = caller.chan
        if caller.dialog is not None:
            await self._end_dialog(caller)
        try:
            if caller.playback is not None:
                await self._quietly(self.c.call("stop", chan=caller.chan, playback=caller.playback))
            await self.c.call("bridge", chans=[caller.chan, call.agent_chan])
        except ApiCallError as exc:
            log.error("event=acd_bridge_failed caller=%s agent=%s error=%s", caller.chan, agent.number, exc)
            await self._release_leg(call, agent)
            return
        if answered:
            self.roster.signal(agent, G.ANSWER, queue=queue.name, call_id=caller.call_id)
        agent.calls += 1
        wait_ms = self.now_ms - caller.entered_ms
        for chan in (caller.chan, call.agent_chan):
            self._spawn(self.c.call("annotate", chan=chan, agent=agent.number, queue=queue.name))
        if queue.record == "all":
            self._spawn(self._start_recording(call))
        await asyncio.gather(self.store.waiting_gone(caller.call_id), self.store.call_update(
            caller.row, answered_at=self.wall(), agent=agent.number, outcome="answered",
            wait_ms=wait_ms))
        self.publish("call_answered", {"queue": queue.name, "call_id": caller.call_id, "caller": caller.number,
                                       "agent": agent.number, "wait_ms": wait_ms})

    async def _on_dial_failed(self, ev: dict[str, Any]) -> None:
        self._line_gone(ev["chan"])                          # a persistent line nobody lifted
        call = self.by_chan.pop(ev["chan"], None)
        if isinstance(call, Caller) and call.state == CallerState.CALLING_BACK:
            await self._callback_failed(call)               # the customer did not answer the call back
        elif isinstance(call, Leg):
            await self._leg_gone(call)                      # a consulted party or a supervisor did not answer
        elif isinstance(call, AgentCall):
            agent = self.roster.get(call.agent)
            if call.cancelled:
                self._cancelled(agent, call)
            elif agent.call is call and call.caller is not None and agent.state in (S.RESERVED, S.RINGING):
                self._missed(agent, call.caller)
            elif agent.call is call and call.outbound:     # its own call out: its phone did not answer
                await self._agent_leg_gone(call)

    def _stop_ringing(self, agent: Agent, caller: Caller) -> None:
        """The caller no longer needs this agent: its phone stops ringing, and the agent is free once the
        phone's line is (ringing it again at once would find it still clearing)."""
        call = agent.call
        if call is None or call.caller is not caller or call.cancelled:
            return
        call.cancelled = True
        if call.agent_chan:
            self._spawn(self._hang_up_agent_side(call.agent_chan))

    def _cancelled(self, agent: Agent, call: AgentCall) -> None:
        self._cancel_timer(call.alert_timer)
        call.alert_timer = None
        if call.agent_chan:
            self.by_chan.pop(call.agent_chan, None)
        if agent.call is call:
            agent.call = None
            caller = call.caller
            self.roster.try_signal(agent, G.CANCEL, queue=call.queue, call_id=caller.call_id if caller else None)
            self.match()

    async def _release_leg(self, call: AgentCall, agent: Agent) -> None:
        """An agent's leg that answered too late (another agent was first, the caller went): hung up; the
        agent is free when its line is."""
        call.cancelled = True
        if call.agent_chan:
            await self._hang_up_agent_side(call.agent_chan)
        else:
            self._cancelled(agent, call)
