"""What an agent starts rather than receives: its own call out (click to dial: its phone first, then the customer
with the queue's caller ID), a chosen waiting caller taken out of turn, keys sent to the customer, short messages
to colleagues. A mixin of AcdService; requests.py checks the requests.

An agent's call out is an AgentCall without a queue caller: the agent's leg (its phone, or its persistent line)
and the customer's leg (a Leg of kind "outbound" until it answers). The agent is `outbound` from the moment it
asks; when its phone answers the customer is dialled (the agent hears ringback), and the two are bridged when the
customer answers. A customer who does not answer, is busy or cannot be reached ends the agent's call (wrap-up) with
an `outbound_failed` event saying why; either side hanging up ends it like any call.
"""
from __future__ import annotations

import logging
import re
from collections import deque
from typing import Any

from telephonist.acd.agent_state import AgentSignal as G
from telephonist.acd.agent_state import AgentState as S
from telephonist.acd.agent_state import AgentStateError
from telephonist.acd.model import Agent, AgentCall, Caller, CallerState, Leg
from telephonist.client import ApiCallError

log = logging.getLogger("telephonist.acd")
NUMBER = re.compile(r"^[0-9*#+]{1,32}$")
DIGITS = re.compile(r"^[0-9*#A-Da-d]{1,32}$")
MESSAGES_KEPT = 200                # the last messages, for a desktop that opens later (status)
OUTBOUND_RING_MS = 45_000          # the customer's phone rings this long


class AgentCalls:
    """Calls and messages an agent starts."""

    # ---- click to dial -----------------------------------------------------------------------------------------
    async def dial_out(self, agent: Agent, number: str, queue_name: str | None,
                       via: dict[str, str] | None = None, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """via: the customer's leg's trunk_group, caller_id and chand call_id, when the asker sets them (a preview
        campaign's attempt: its trunk group, its caller ID, call id "dl-<attempt>"); data: what the customer takes
        on to whoever the agent transfers it to (the campaign's record)."""
        if not NUMBER.match(number or ""):
            raise ApiCallError("bad_request", "number: 1-32 digits, * # or a leading +")
        via = {k: v for k, v in (via or {}).items() if v}
        if not self.acd.outbound_trunk_group and not via.get("trunk_group"):
            raise ApiCallError("unavailable", "[acd] outbound_trunk_group is not set: agents cannot call out")
        queue = self.queues.get(queue_name or "") if queue_name else \
            next((self.queues[q] for q in agent.queues if q in self.queues), None)
        if queue_name and queue is None:
            raise ApiCallError("not_found", f"no queue {queue_name!r}")
        if agent.state not in (S.READY, S.NOT_READY, S.WRAP_UP) or agent.call is not None:
            raise AgentStateError(f"agent {agent.number} is {agent.state.value}: it cannot call out now")
        if agent.state == S.WRAP_UP:
            self.stop_wrapup_timer(agent)
        call = AgentCall(agent.number, None, None, None, queue.name if queue else None, self.now_ms)
        call.outbound = number
        call.outbound_via = via
        call.outbound_data = dict(data or {})
        agent.call = call
        self.roster.signal(agent, G.DIAL, queue=call.queue)
        line = self.idle_line(agent)
        if line is not None:                          # on its open line: the customer is dialled at once
            call.agent_chan = line.chan
            self.by_chan[line.chan] = call
            await self._dial_customer(call)
            return {"chan": line.chan}
        try:
            r = await self.c.call("dial", trunk_group=self.acd.agents_trunk_group, number=agent.extension,
                                  caller_id=number, timeout_ms=(queue.ring_timeout_s if queue else 15) * 1000)
        except ApiCallError:
            agent.call = None
            self.roster.try_signal(agent, G.HANGUP, queue=call.queue)
            self._start_wrapup(agent, call.queue)
            raise
        call.agent_chan = r["chan"]
        self.by_chan[r["chan"]] = call
        return {"chan": r["chan"]}

    async def _dial_customer(self, call: AgentCall) -> None:
        """The agent is on the line for its own call: now the customer is dialled (the agent hears ringback)."""
        agent = self.roster.get(call.agent)
        queue = self.queues.get(call.queue or "")
        await self._quietly(self.c.call("play", chan=call.agent_chan, items=[{"tone": "ringback", "ms": 0}], loop=True))
        try:
            via = call.outbound_via
            r = await self.c.call("dial", trunk_group=via.get("trunk_group") or self.acd.outbound_trunk_group,
                                  number=call.outbound, timeout_ms=OUTBOUND_RING_MS,
                                  caller_id=via.get("caller_id") or (queue.caller_id if queue else ""),
                                  **({"call_id": via["call_id"]} if via.get("call_id") else {}))
        except ApiCallError as exc:
            await self._outbound_failed(call, str(exc))
            return
        leg = Leg("outbound", r["chan"], agent.number)
        self.by_chan[leg.chan] = leg
        call.customer_chan = r["chan"]
        call.customer_call_id = str(r.get("call_id") or "")

    async def _outbound_answered(self, leg: Leg) -> None:
        agent = self.roster.agents.get(leg.agent)
        call = agent.call if agent else None
        if call is None or call.customer_chan != leg.chan or call.agent_chan is None:
            self.by_chan.pop(leg.chan, None)
            await self._quietly(self.c.call("hangup", chan=leg.chan))
            return
        leg.answered = True
        await self._quietly(self.c.call("stop", chan=call.agent_chan))
        try:
            await self.c.call("bridge", chans=[leg.chan, call.agent_chan])
        except ApiCallError as exc:
            await self._outbound_failed(call, str(exc))
            return
        call.answered_ms = self.now_ms
        self.roster.try_signal(agent, G.ANSWER, queue=call.queue)
        for chan in (leg.chan, call.agent_chan):
            self._spawn(self.c.call("annotate", chan=chan, agent=agent.number,
                                    **({"queue": call.queue} if call.queue else {})))
        queue = self.queues.get(call.queue or "")
        if queue is not None and queue.record == "all":
            self._spawn(self._start_recording(call))
        self.publish("outbound_answered", {"agent": agent.number, "number": call.outbound, "chan": leg.chan,
                                           "call_id": call.outbound_via.get("call_id")})

    async def _as_queue_call(self, agent: Agent, call: AgentCall) -> Caller:
        """The agent's own call out, its customer on the line, becomes a call of its queue, as if the customer had
        come through it (the customer connected to this agent), so that a transfer or a consultation takes it on
        like any queue call: the call id (a preview campaign's "dl-<attempt>") and the dial's data travel with it,
        and from now on it has its row in acd_calls. Its queue call already: nothing to do."""
        if call.caller is not None:
            return call.caller
        leg = self.by_chan.get(call.customer_chan or "")
        if not call.outbound or not isinstance(leg, Leg) or leg.kind != "outbound" or not leg.answered:
            raise AgentStateError(f"agent {agent.number}'s call out has no customer on the line yet")
        if call.queue not in self.queues:
            raise AgentStateError(f"agent {agent.number}'s call out belongs to no queue: it cannot be passed on")
        call_id = call.outbound_via.get("call_id") or call.customer_call_id or f"out-{leg.chan}-{self.now_ms}"
        caller = Caller(chan=leg.chan, call_id=call_id, number=call.outbound, queue=call.queue, priority=0,
                        seq=next(self._seq), entered_ms=call.answered_ms or self.now_ms, data=dict(call.outbound_data),
                        state=CallerState.CONNECTED, offered_to=[agent.number])
        call.caller = caller
        call.offered_ms = caller.entered_ms
        self.callers[call_id] = caller
        self.by_chan[leg.chan] = caller
        caller.row = await self.store.call_started(dict(call_id=call_id, queue=call.queue, caller=caller.number,
                                                        entered_at=self.wall(caller.entered_ms)))
        await self.store.call_update(caller.row, answered_at=self.wall(caller.entered_ms), agent=agent.number,
                                     outcome="answered", wait_ms=0)
        log.info("event=acd_call_out_taken_on agent=%s call=%s queue=%s", agent.number, call_id, call.queue)
        return caller

    async def _outbound_failed(self, call: AgentCall, why: str) -> None:
        """The customer could not be reached: the agent's call ends (wrap-up)."""
        self.publish("outbound_failed", {"agent": call.agent, "number": call.outbound, "why": why,
                                         "call_id": call.outbound_via.get("call_id")})
        if call.customer_chan:
            self.by_chan.pop(call.customer_chan, None)
            call.customer_chan = None
        await self._end_agent_leg(call)

    async def _outbound_leg_gone(self, leg: Leg) -> None:
        """The customer's leg of an agent's call out ended: before it answered (no answer, busy), the agent's call
        ends too; after, the agent's side hears the bridge end (unbridged) and ends there."""
        agent = self.roster.agents.get(leg.agent)
        call = agent.call if agent else None
        if call is not None and call.customer_chan == leg.chan and not leg.answered:
            await self._outbound_failed(call, "no answer")

    # ---- a chosen caller, keys, messages -------------------------------------------------------------------------
    def take(self, agent: Agent, call_id: str) -> None:
        """The agent takes a waiting caller out of turn (queues with `agent_pick = true`): its phone rings for it."""
        caller = self.callers.get(call_id)
        if caller is None or caller.state != CallerState.WAITING or not caller.chan:
            raise ApiCallError("not_found", f"no caller {call_id!r} waiting")
        queue = self.queues[caller.queue]
        if not queue.agent_pick:
            raise ApiCallError("forbidden", f"queue {queue.name} does not let agents pick callers (agent_pick)")
        if not agent.qualifies(queue):
            raise ApiCallError("forbidden", f"agent {agent.number} does not serve queue {queue.name}")
        if agent.state not in (S.READY, S.NOT_READY, S.WRAP_UP) or agent.call is not None:
            raise AgentStateError(f"agent {agent.number} is {agent.state.value}: it cannot take a caller now")
        if agent.state == S.WRAP_UP:
            self.stop_wrapup_timer(agent)
        if agent.state != S.READY:
            self.roster.signal(agent, G.READY)
        self.dispatcher.dequeue(caller)
        caller.state = CallerState.OFFERED
        self._ring(caller, agent)

    async def send_keys(self, agent: Agent, digits: str) -> dict[str, Any]:
        """DTMF to the customer of the agent's call (an outside IVR after a transfer, a voice mail system)."""
        if not DIGITS.match(digits or ""):
            raise ApiCallError("bad_request", "digits: 1-32 of 0-9 * # A-D")
        call = agent.call
        if call is None or call.customer_chan is None or agent.state not in (S.ON_CALL, S.ON_HOLD, S.OUTBOUND) \
                or (call.outbound and call.answered_ms is None):
            raise AgentStateError(f"agent {agent.number} is {agent.state.value}, not talking with a customer")
        return await self.c.call("send_dtmf", chan=call.customer_chan, digits=digits.upper())

    def message(self, sender: str, to: str, text: str) -> dict[str, Any]:
        """A short message to an agent (`agent:N`), a queue's agents (`queue:NAME`) or everyone (`all`)."""
        kind, _, name = to.partition(":")
        if kind == "agent" and name not in self.roster.agents:
            raise ApiCallError("not_found", f"no agent {name!r}")
        if kind == "queue" and name not in self.queues:
            raise ApiCallError("not_found", f"no queue {name!r}")
        if to != "all" and kind not in ("agent", "queue"):
            raise ApiCallError("bad_request", "to: agent:N, queue:NAME or all")
        text = " ".join((text or "").split())
        if not 0 < len(text) <= 500:
            raise ApiCallError("bad_request", "text: 1-500 characters")
        msg = {"from": sender, "to": to, "text": text, "time_ms": self.now_ms, "at": self.wall().isoformat()}
        self.messages.append(msg)
        self.publish("message", msg)
        return msg

    def messages_for(self, agent: Agent) -> list[dict[str, Any]]:
        mine = {f"agent:{agent.number}", "all", *(f"queue:{q}" for q in agent.queues)}
        return [m for m in self.messages if m["to"] in mine or m["from"] == agent.number]


def new_message_log() -> deque:
    return deque(maxlen=MESSAGES_KEPT)
