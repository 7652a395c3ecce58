"""What an agent (or a supervisor) does to a call in progress: hold, hang up, transfer (blind, or after a
consultation), a three-way conference, pick up a colleague's ringing call, record on demand; a
supervisor listens, coaches or barges in. A mixin of AcdService; requests.py checks the requests.

The data that came with the call (ivrd's handoff data) goes with it wherever it is transferred. A
consultation holds the customer (music) in the agent's bridge and brings the consulted party into that
same bridge; completing it takes the agent out (wrap-up) and the customer off hold, a conference only
takes the customer off hold.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from telephonist.acd.agent_state import AgentSignal as G
from telephonist.acd.agent_state import AgentState as S
from telephonist.acd.agent_state import AgentStateError
from telephonist.acd.model import Agent, AgentCall, Caller, CallerState, Leg
from telephonist.client import ApiCallError

log = logging.getLogger("telephonist.acd")
TARGET = re.compile(r"^(agent|queue|ivr|number|survey)(?::(.+))?$")


class CallControls:
    """Calls in progress, as the agent's desktop controls them."""

    def _talking(self, agent: Agent) -> AgentCall:
        call = agent.call
        if call is None or agent.state not in (S.ON_CALL, S.ON_HOLD, S.OUTBOUND) or call.customer_chan is None:
            raise AgentStateError(f"agent {agent.number} is {agent.state.value}, not on a call")
        return call

    async def hold(self, agent: Agent) -> None:
        call = self._talking(agent)
        self._not_in_room(call)
        if agent.state == S.OUTBOUND and call.caller is None:
            raise AgentStateError(f"agent {agent.number}'s own call out cannot be held")
        if agent.state == S.ON_HOLD:
            return
        queue = self.queues.get(call.queue or "")
        music = [queue.music] if queue and queue.music else None
        await self.c.call("hold", chan=call.customer_chan, **({"music": music} if music else {}))
        call.held_since_ms = self.now_ms
        self.roster.signal(agent, G.HOLD, queue=call.queue, call_id=self._call_id(call))

    async def unhold(self, agent: Agent) -> None:
        call = self._talking(agent)
        if agent.state != S.ON_HOLD:
            return
        self._not_in_step(call)
        await self.c.call("unhold", chan=call.customer_chan)
        if call.held_since_ms is not None:
            call.hold_ms += self.now_ms - call.held_since_ms
            call.held_since_ms = None
        self.roster.signal(agent, G.UNHOLD, queue=call.queue, call_id=self._call_id(call))

    async def hangup(self, agent: Agent) -> None:
        """The agent ends the call: the customer (and a consulted party) are hung up, wrap-up follows. On a
        persistent line the agent leaves the call instead, as if it had hung up its phone: the customer goes to the
        queue's survey if it has one."""
        call = self._talking(agent)
        if call.room is not None:                      # the agent leaves the room; the room goes on
            await self._end_agent_leg(call)
            return
        for leg in self._legs_of(agent):
            await self._hang_up_agent_side(leg.chan)
        if call.agent_chan in self.lines or self.step_of(call) is not None:    # a customer in an IVR step is not ours
            await self._end_agent_leg(call)
        else:
            await self._quietly(self.c.call("hangup", chan=call.customer_chan))

    async def transfer(self, agent: Agent, target: str) -> dict[str, Any]:
        """Blind transfer of the agent's customer: to another agent, a queue, an IVR flow (or node), a number,
        or the queue's satisfaction survey. The agent's call ends (wrap-up). The agent's own call out (a preview
        campaign's) is taken on as a call of its queue first (agent_calls.py), its call id and data with it."""
        call = self._talking(agent)
        self._not_in_step(call)
        self._not_in_room(call)
        kind, rest = _target(target)
        other = self._ready_colleague(rest) if kind == "agent" else None
        if kind == "queue" and rest not in self.queues:
            raise ApiCallError("not_found", f"no queue {rest!r}")
        caller = call.caller or (await self._as_queue_call(agent, call) if call.outbound else None)
        if caller is None:
            raise AgentStateError(f"agent {agent.number}'s call has no customer to transfer")
        if agent.state == S.ON_HOLD:
            await self.unhold(agent)
        await self._stop_recording(call)                      # before the customer may leave the ACD
        caller.state = CallerState.WAITING                   # out of the agent's call: its unbridged is no end
        caller.transfers += 1
        await self.c.call("unbridge", chan=call.customer_chan)
        self.publish("transferred", {"agent": agent.number, "call_id": caller.call_id, "to": target})
        if kind == "agent":
            caller.state, caller.offered_to = CallerState.OFFERED, []
            self._ring(caller, other)
        elif kind == "queue":
            await self._requeue(caller, rest)
        else:
            await self._hand_away(caller, kind, rest, agent)
        return {"to": target}

    def _record_by_policy(self, call: AgentCall | None) -> None:
        """A call a consulted agent took over is recorded as the queue says, like any agent call."""
        queue = self.queues.get(call.queue or "") if call is not None else None
        if call is not None and call.caller is not None and queue is not None and queue.record == "all":
            self._spawn(self._start_recording(call))

    def _ready_colleague(self, number: str) -> Agent:
        """The agent a call is passed or put through to: one that exists and is ready."""
        other = self.roster.agents.get(number)
        if other is None:
            raise ApiCallError("not_found", f"no agent {number!r}")
        if other.state != S.READY:
            raise AgentStateError(f"agent {other.number} is {other.state.value}, not ready")
        return other

    async def _requeue(self, caller: Caller, queue: str) -> None:
        caller.queue = queue
        caller.priority = self._priority(self.queues[queue], caller.data)
        caller.seq = next(self._seq)
        caller.entered_ms = self.now_ms
        caller.offered_to = []
        await self._join(caller)

    async def _hand_away(self, caller: Caller, kind: str, rest: str, agent: Agent) -> None:
        """The customer leaves the ACD: to an IVR, the survey, or a number chand dials and bridges."""
        self.callers.pop(caller.call_id, None)
        self.by_chan.pop(caller.chan, None)
        data = {**caller.data, "queue": caller.queue, "agent": agent.number}
        if kind == "number":
            await self._quietly(self.c.call("transfer", chan=caller.chan, trunk_group=self.acd.outbound_trunk_group,
                                            number=rest))
            return
        if kind == "survey":
            app = self.queues[caller.queue].survey or "ivr:survey"
        else:
            flow, _, node = rest.partition("/")
            app = f"ivr:{flow}"
            if node:
                data["node"] = node
        await self._quietly(self.c.call("handoff", chan=caller.chan, app=app, reason="transfer", data=data))

    # ---- consultation, conference ----------------------------------------------------------------------------
    async def consult(self, agent: Agent, target: str) -> dict[str, Any]:
        """Hold the customer and call another agent or a number; the agent talks to it in the same bridge."""
        call = self._talking(agent)
        self._not_in_step(call)
        self._not_in_room(call)
        if any(leg.kind == "consult" for leg in self._legs_of(agent)):
            raise AgentStateError(f"agent {agent.number} is consulting already")
        kind, rest = _target(target)
        if kind == "agent":
            other = self._ready_colleague(rest)
            group, number = self.acd.agents_trunk_group, other.extension
        elif kind == "number":
            other, group, number = None, self.acd.outbound_trunk_group, rest
        else:
            raise ApiCallError("bad_request", "a consultation calls agent:NUMBER or number:NUMBER")
        line = self.idle_line(other) if other is not None else None
        if call.caller is None and call.outbound:       # a call out (a preview campaign's): a queue call from now on
            await self._as_queue_call(agent, call)
        await self.hold(agent)
        if other is not None:
            self.roster.signal(other, G.RESERVE, queue=call.queue, call_id=self._call_id(call))
        try:
            chan = line.chan if line is not None else (await self.c.call(
                "dial", trunk_group=group, number=number, caller_id=agent.extension, call_id=self._call_id(call)))["chan"]
        except ApiCallError:
            if other is not None:
                self.roster.try_signal(other, G.CANCEL)
            await self.unhold(agent)
            raise
        leg = Leg("consult", chan, agent.number, other.number if other else None)
        self.by_chan[leg.chan] = leg
        if other is not None:
            other.call = AgentCall(other.number, leg.chan, None, None, call.queue, self.now_ms)
            self.roster.signal(other, G.RING, queue=call.queue, call_id=self._call_id(call))
        if line is not None:                  # a colleague on a persistent line is on at once, after a beep
            await self._join_on_line(leg)
        return {"consult": leg.chan}

    async def _leg_answered(self, leg: Leg) -> None:
        if leg.kind == "outbound":
            await self._outbound_answered(leg)
            return
        agent = self.roster.agents.get(leg.agent)
        call = agent.call if agent else None
        if call is None or call.agent_chan is None:
            await self._hang_up_agent_side(leg.chan)
            return
        if leg.kind == "consult":
            leg.answered = True
            if leg.other:
                self.roster.try_signal(self.roster.get(leg.other), G.ANSWER, queue=call.queue)
            await self._quietly(self.c.call("bridge_join", chan=leg.chan, role="speak", **{"with": call.agent_chan}))
            self.publish("consulting", {"agent": agent.number, "with": leg.other or leg.chan})
        elif leg.kind == "supervisor":
            args: dict[str, Any] = {"role": {"listen": "listen", "whisper": "whisper", "barge": "speak"}[leg.mode]}
            if leg.mode == "whisper":
                args["whisper_to"] = call.agent_chan
            await self._quietly(self.c.call("bridge_join", chan=leg.chan, **{"with": call.agent_chan}, **args))
            self.publish("supervising", {"agent": agent.number, "supervisor": leg.other, "mode": leg.mode})

    async def complete_transfer(self, agent: Agent) -> None:
        """The consulted party takes the customer; the agent leaves (wrap-up)."""
        call = self._talking(agent)
        leg = self._consult_leg(agent)
        await self.c.call("unhold", chan=call.customer_chan)
        self.by_chan.pop(leg.chan, None)
        caller = call.caller
        taken: AgentCall | None = None
        if leg.other is not None and caller is not None:          # another agent: the customer's call is theirs now
            other = self.roster.get(leg.other)
            other.call = taken = AgentCall(other.number, leg.chan, caller, caller.chan, call.queue, call.offered_ms,
                                           answered_ms=self.now_ms)
            self.by_chan[leg.chan] = other.call
            caller.offered_to = [other.number]
            self._spawn(self.c.call("annotate", chan=caller.chan, agent=other.number))
            self.roster.call_changed(other)
        elif caller is not None:                                  # a number: the customer leaves the ACD
            self.callers.pop(caller.call_id, None)
            self.by_chan[leg.chan] = Leg("third_party", leg.chan, agent.number, None)
            self.by_chan[caller.chan] = Leg("third_party", caller.chan, agent.number, None)
        call.customer_chan = None                                  # so the agent's unbridging ends only its call
        await self.c.call("unbridge", chan=call.agent_chan)
        await self._end_agent_leg(call)
        self._record_by_policy(taken)

    async def _consult_orphaned(self, agent: Agent, call: AgentCall, leg: Leg) -> None:
        """The agent hung up in the middle of a consultation: a consulted party on the line takes the caller
        (a transfer on hang-up); one still ringing is dropped and the caller waits again, first in line."""
        caller = call.caller
        other = self.roster.agents.get(leg.other) if leg.other else None
        answered = other.state in (S.ON_CALL, S.ON_HOLD) if other is not None else leg.answered
        if answered:
            await self._quietly(self.c.call("unhold", chan=call.customer_chan))
            self.by_chan.pop(leg.chan, None)
            if other is not None and caller is not None:
                other.call = AgentCall(other.number, leg.chan, caller, caller.chan, call.queue, call.offered_ms,
                                       answered_ms=self.now_ms)
                self.by_chan[leg.chan] = other.call
                caller.offered_to = [other.number]
                self._spawn(self.c.call("annotate", chan=caller.chan, agent=other.number))
                self.roster.call_changed(other)
                self._record_by_policy(other.call)
            elif caller is not None:
                self.callers.pop(caller.call_id, None)
                self.by_chan[leg.chan] = Leg("third_party", leg.chan, agent.number, None)
                self.by_chan[caller.chan] = Leg("third_party", caller.chan, agent.number, None)
            call.customer_chan = None
            return
        await self._leg_gone(leg)
        await self._hang_up_agent_side(leg.chan)
        if caller is not None and call.customer_chan:
            caller.state = CallerState.WAITING          # out of the agent's call: its unbridged is no end
            call.customer_chan = None
            await self._quietly(self.c.call("unbridge", chan=caller.chan))
            await self._quietly(self.c.call("unhold", chan=caller.chan))
            caller.offered_to = []
            await self._join(caller)                    # its first seq: first in line

    async def conference(self, agent: Agent) -> None:
        """The customer off hold: agent, customer and the consulted party talk together."""
        call = self._talking(agent)
        self._consult_leg(agent)
        await self.unhold(agent)
        self.publish("conference", {"agent": agent.number, "call_id": self._call_id(call)})

    async def cancel_consult(self, agent: Agent) -> None:
        self._talking(agent)
        leg = self._consult_leg(agent)
        self.by_chan.pop(leg.chan, None)
        if leg.other:
            other = self.roster.get(leg.other)
            other.call = None
            if self.roster.try_signal(other, G.HANGUP):
                self._start_wrapup(other, None)
        await self._hang_up_agent_side(leg.chan)
        await self.unhold(agent)

    def _consult_leg(self, agent: Agent) -> Leg:
        leg = next((leg for leg in self._legs_of(agent) if leg.kind == "consult"), None)
        if leg is None:
            raise AgentStateError(f"agent {agent.number} is not consulting anyone")
        return leg

    def _legs_of(self, agent: Agent) -> list[Leg]:
        return [leg for leg in self.by_chan.values() if isinstance(leg, Leg) and leg.agent == agent.number]

    async def _leg_gone(self, leg: Leg) -> None:
        """A consulted party, a supervisor, a third party or the customer of an agent's call out hung up (or was
        hung up)."""
        self.by_chan.pop(leg.chan, None)
        if leg.kind == "outbound":
            await self._outbound_leg_gone(leg)
            return
        agent = self.roster.agents.get(leg.agent)
        if leg.kind == "consult" and leg.other:
            other = self.roster.get(leg.other)
            if other.call is not None and other.call.agent_chan == leg.chan:
                other.call = None
                if other.state in (S.RESERVED, S.RINGING):
                    self.roster.try_signal(other, G.CANCEL)
                elif self.roster.try_signal(other, G.HANGUP):
                    self._start_wrapup(other, None)
        if leg.kind == "consult" and agent is not None and agent.state == S.ON_HOLD:
            await self._quietly(self.unhold(agent))           # the consulted party left: back to the customer
        elif leg.kind == "third_party":
            for other in [x for x in self.by_chan.values() if isinstance(x, Leg) and x.kind == "third_party"
                          and x.agent == leg.agent]:
                self.by_chan.pop(other.chan, None)
                await self._quietly(self.c.call("hangup", chan=other.chan))

    # ---- a colleague's ringing call, a supervisor, recording ----------------------------------------------------
    def pickup(self, agent: Agent, colleague: Agent) -> None:
        """The agent takes the caller ringing at a colleague's phone: it rings the agent's phone instead."""
        call = colleague.call
        if call is None or colleague.state not in (S.RESERVED, S.RINGING) or call.caller is None:
            raise AgentStateError(f"agent {colleague.number}'s phone is not ringing with a caller")
        if agent.state != S.READY:
            raise AgentStateError(f"agent {agent.number} is {agent.state.value}, not ready")
        caller = call.caller
        self._stop_ringing(colleague, caller)
        if colleague.number in caller.offered_to:
            caller.offered_to.remove(colleague.number)
        self.dispatcher.agent_busy(agent)
        self._ring(caller, agent)

    async def supervise(self, supervisor: str, agent: Agent, mode: str) -> dict[str, Any]:
        """Ring the supervisor's phone (an agent's number or an extension); once lifted it joins the agent's call
        to listen, whisper to the agent or barge in."""
        call = self._talking(agent)
        self._not_in_room(call)
        sup = self.roster.agents.get(supervisor)
        extension = sup.extension if sup else supervisor
        if not extension:
            raise ApiCallError("bad_request", f"{supervisor!r} has no phone to ring")
        line = self.idle_line(sup) if sup is not None else None
        chan = line.chan if line is not None else (await self.c.call(
            "dial", trunk_group=self.acd.agents_trunk_group, number=extension, caller_id=agent.extension,
            call_id=self._call_id(call)))["chan"]
        leg = Leg("supervisor", chan, agent.number, supervisor, mode)
        self.by_chan[leg.chan] = leg
        if line is not None:                  # a supervisor on a persistent line joins at once, after a beep
            await self._join_on_line(leg)
        return {"supervisor": leg.chan}

    async def record(self, agent: Agent, on: bool) -> dict[str, Any]:
        call = self._talking(agent)
        if on:
            if call.recording is not None:
                raise AgentStateError(f"agent {agent.number}'s call is being recorded already")
            r = await self._start_recording(call)
            return {"recording": r["recording"], "path": r["path"]}
        await self._stop_recording(call)
        return {}

    def force(self, agent: Agent, state: str, reason: str) -> None:
        """A supervisor's word: ready, not ready (with a reason) or logged out, whatever the agent says."""
        if state == "logout":
            self.logout(agent, force=True)
        elif state == "not_ready":
            self.not_ready(agent, reason)
        elif state == "ready":
            if agent.state == S.WRAP_UP or agent.state == S.NOT_READY:
                self.stop_wrapup_timer(agent)
                self.roster.signal(agent, G.FORCE_READY)
                self.match()
            elif agent.state != S.READY:
                raise AgentStateError(f"agent {agent.number} is {agent.state.value}")
        else:
            raise ApiCallError("bad_request", "state must be ready, not_ready or logout")

    @staticmethod
    def _call_id(call: AgentCall) -> str | None:
        return call.caller.call_id if call.caller else None


def _target(target: str) -> tuple[str, str]:
    m = TARGET.match(target or "")
    if not m or (m.group(1) != "survey" and not m.group(2)):
        raise ApiCallError("bad_request", f"{target!r} is not agent:N, queue:NAME, ivr:FLOW[/NODE], number:N or survey")
    return m.group(1), m.group(2) or ""
