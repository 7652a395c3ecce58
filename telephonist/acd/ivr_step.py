"""An IVR step in the middle of an agent's call: the agent sends the customer to a flow (a PIN, an ID card
number, a confirmation by key) and gets the customer back with what the flow found. A mixin of AcdService.

The agent asks `ivr_step` {agent, to: "ivr:FLOW[/NODE]"}. The customer leaves the agent's bridge and is handed
to ivrd with the call's data and {"return": {"app": "queue", "step": TOKEN}}; the agent stays on its phone, on
hold (what it would hear of the customer's PIN is nobody's business, and the recording pauses for the same
reason). When the flow runs out of nodes, ivrd hands the customer back to the ACD (reason `ivr_step`) with the
flow's variables; the ACD bridges customer and agent again and publishes `ivr_step_done` with the result. If the
customer hangs up inside the flow, ivrd says so with the request `ivr_step_ended`, and the agent's call ends as
when a customer hangs up. If the agent hung up meanwhile, the customer who comes back waits in the call's queue
again, with the result among its data.
"""
from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import Any

from telephonist.acd.agent_state import AgentSignal as G
from telephonist.acd.agent_state import AgentState as S
from telephonist.acd.agent_state import AgentStateError
from telephonist.acd.model import Agent, AgentCall, Caller, CallerState
from telephonist.client import ApiCallError

log = logging.getLogger("telephonist.acd")
RETURN_APP = "queue"                # the application ivrd hands the customer back to: this ACD
_tokens = itertools.count(1)


@dataclass(eq=False)
class IvrStep:
    token: str
    agent: str
    caller: Caller
    call: AgentCall
    flow: str                       # FLOW[/NODE]
    started_ms: int


class IvrSteps:
    """Customers lent to an IVR flow by their agent, by step token."""

    ivr_steps: dict[str, IvrStep]                   # step token -> the step (AcdService makes it)

    def step_of(self, call: AgentCall | None) -> IvrStep | None:
        return next((s for s in self.ivr_steps.values() if s.call is call), None) if call is not None else None

    def _not_in_step(self, call: AgentCall) -> None:
        if self.step_of(call) is not None:
            raise AgentStateError(f"agent {call.agent}'s customer is in an IVR step: wait for it or hang up")

    async def ivr_step(self, agent: Agent, target: str) -> dict[str, Any]:
        call = self._talking(agent)
        caller = call.caller
        if agent.state == S.OUTBOUND or caller is None:
            raise AgentStateError(f"agent {agent.number}'s call has no queue customer to send to an IVR step")
        if self.step_of(call) is not None:
            raise AgentStateError(f"agent {agent.number}'s customer is in an IVR step already")
        if any(leg.kind == "consult" for leg in self._legs_of(agent)):
            raise AgentStateError(f"agent {agent.number} is consulting: finish it first")
        if not target.startswith("ivr:") or not target[4:] or len(target) > 100:
            raise ApiCallError("bad_request", "an IVR step goes to ivr:FLOW or ivr:FLOW/NODE")
        flow, _, node = target[4:].partition("/")
        if agent.state == S.ON_HOLD:
            await self.unhold(agent)
        await self._stop_recording(call)                  # the customer's PIN is not recorded
        token = f"{caller.call_id}#{next(_tokens)}"
        step = IvrStep(token, agent.number, caller, call, target[4:], self.now_ms)
        self.ivr_steps[token] = step
        caller.state = CallerState.WAITING                # out of the agent's bridge: its unbridged is no end
        self.by_chan.pop(caller.chan, None)
        data = {**caller.data, "queue": caller.queue, "agent": agent.number,
                "return": {"app": RETURN_APP, "step": token}, **({"node": node} if node else {})}
        try:
            await self.c.call("unbridge", chan=caller.chan)
            await self.c.call("handoff", chan=caller.chan, app=f"ivr:{flow}", reason="ivr_step", data=data)
        except ApiCallError:
            self.ivr_steps.pop(token, None)
            caller.state = CallerState.CONNECTED
            self.by_chan[caller.chan] = caller
            raise
        self.roster.signal(agent, G.HOLD, queue=call.queue, call_id=caller.call_id)
        call.held_since_ms = self.now_ms
        self.publish("ivr_step_started", {"agent": agent.number, "call_id": caller.call_id, "to": target})
        log.info("event=acd_ivr_step agent=%s call=%s to=%s", agent.number, caller.call_id, target)
        return {"step": token}

    async def _step_back(self, ev: dict[str, Any]) -> None:
        """ivrd hands a customer back (offer, reason ivr_step): to its agent, or to the queue if the agent left."""
        data = ev.get("data") or {}
        step = self.ivr_steps.pop(str(data.get("step") or ""), None)
        if step is None:
            log.warning("event=acd_ivr_step_unknown chan=%s step=%s", ev.get("chan"), data.get("step"))
            await self._quietly(self.c.call("hangup", chan=ev["chan"]))
            return
        caller, call = step.caller, step.call
        result = {"flow": step.flow, "vars": (data.get("ivr") or {}).get("vars") or {},
                  **({"error": str(data["error"])[:200]} if data.get("error") else {})}
        caller.chan = ev["chan"]
        caller.data = {**caller.data, "ivr_step": result}
        agent = self.roster.agents.get(step.agent)
        body = {"agent": step.agent, "call_id": caller.call_id, "result": result,
                "ms": self.now_ms - step.started_ms}
        if agent is None or agent.call is not call or agent.state != S.ON_HOLD:
            self.publish("ivr_step_done", {**body, "back_to": f"queue:{caller.queue}"})
            caller.offered_to = []
            await self._requeue(caller, caller.queue)
            return
        caller.state = CallerState.CONNECTED
        self.by_chan[caller.chan] = caller
        call.customer_chan = caller.chan
        try:
            await self.c.call("bridge", chans=[caller.chan, call.agent_chan])
        except ApiCallError as exc:
            log.error("event=acd_ivr_step_bridge_failed caller=%s agent=%s error=%s", caller.chan, step.agent, exc)
            await self._quietly(self.c.call("hangup", chan=caller.chan))
            await self._end_agent_leg(call)
            return
        if call.held_since_ms is not None:
            call.hold_ms += self.now_ms - call.held_since_ms
            call.held_since_ms = None
        self.roster.signal(agent, G.UNHOLD, queue=call.queue, call_id=caller.call_id)
        self._record_by_policy(call)
        self.publish("ivr_step_done", {**body, "back_to": f"agent:{step.agent}"})

    async def step_ended(self, token: str, outcome: str) -> dict[str, Any]:
        """ivrd: the customer of a step did not come back (hung up in the flow, or the flow ended the call)."""
        step = self.ivr_steps.pop(token, None)
        if step is None:
            raise ApiCallError("not_found", f"no IVR step {token!r}")
        caller, call = step.caller, step.call
        self.callers.pop(caller.call_id, None)
        await self.store.call_update(caller.row, ended_at=self.wall())       # written before anyone is told
        self.publish("ivr_step_done", {"agent": step.agent, "call_id": caller.call_id, "ms": self.now_ms - step.started_ms,
                                       "result": {"flow": step.flow, "outcome": outcome}, "back_to": None})
        agent = self.roster.agents.get(step.agent)
        if agent is not None and agent.call is call:
            await self._end_agent_leg(call)               # as when a customer hangs up: wrap-up
        return {}
