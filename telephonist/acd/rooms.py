"""An agent's call taken into a conference room (chand's [[conferences]], docs/conferences.md): the agent enters as
the room's leader without a PIN (the ACD answers for it) with its customer beside it, invites others, and mutes or
removes parties while it is in the room. A mixin of AcdService; requests.py checks the requests.

From the moment the call is in the room the room's rules hold (its limit, its lock, its recording, who stays when
someone leaves): the customer has left the ACD (as after a transfer to a number), the agent's call is `room` until
the agent hangs up (wrap-up), and the room goes on with whoever remains. The agent may act on its own room only,
and chand lets the ACD act on a room only while it holds a leader's line there.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from telephonist.acd.agent_state import AgentState as S
from telephonist.acd.agent_state import AgentStateError
from telephonist.acd.model import Agent, AgentCall, Leg
from telephonist.client import ApiCallError

log = logging.getLogger("telephonist.acd")
ROOM = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
NUMBER = re.compile(r"^[0-9*#]{1,32}$")


class AgentRooms:
    """The agent's side of conference rooms."""

    async def conf_take(self, agent: Agent, room: str) -> dict[str, Any]:
        """Agent and customer into `room`: the agent as leader, without a PIN; both or neither (a full room)."""
        if not ROOM.match(room or ""):
            raise ApiCallError("bad_request", "room: 1-32 letters, digits, _ or -")
        call = self._talking(agent)
        self._not_in_step(call)
        self._not_in_room(call)
        if any(leg.kind in ("consult", "supervisor") for leg in self._legs_of(agent)):
            raise AgentStateError(f"agent {agent.number} has a consultation or a supervisor on the call")
        if call.agent_chan is None or (call.outbound and call.answered_ms is None):
            raise AgentStateError(f"agent {agent.number}'s customer is not on the line yet")
        if agent.state == S.ON_HOLD:
            await self.unhold(agent)
        caller, customer = call.caller, call.customer_chan
        before = self.by_chan.get(customer)
        call.room = room                                # its unbridged, while the two move, is no end
        self.by_chan[customer] = Leg("room", customer, agent.number)
        try:
            r = await self.c.call("conf_enter_vouched", chan=call.agent_chan, conf=room, **{"with": customer})
        except ApiCallError:
            call.room = None
            if before is not None:
                self.by_chan[customer] = before
            raise
        await self._stop_recording(call)                # the room records itself
        if caller is not None:
            self.callers.pop(caller.call_id, None)      # the customer is the room's now
        log.info("event=acd_conf_take agent=%s room=%s parties=%s", agent.number, room, r.get("parties"))
        self.publish("room_entered", {"agent": agent.number, "call_id": self._call_id(call), "room": room})
        self.roster.call_changed(agent, "room")
        return {"room": room, "parties": r.get("parties")}

    def _not_in_room(self, call: AgentCall) -> None:
        if call.room is not None:
            raise AgentStateError(f"agent {call.agent}'s call is in conference room {call.room}: the room's controls")

    def _my_room(self, agent: Agent) -> AgentCall:
        """The agent's call, in a room the agent took it into: an agent elsewhere may not act on a room."""
        call = agent.call
        if call is None or call.room is None or agent.state not in (S.ON_CALL, S.OUTBOUND):
            raise ApiCallError("forbidden", f"agent {agent.number} is in no conference room")
        return call

    def conf_invite(self, agent: Agent, number: str) -> dict[str, Any]:
        """The agent may invite `number` to its room: the console dials it on the trunk group named here and hands
        the answered call to conf:ROOM, the supervisor's invitation (docs/conferences.md)."""
        call = self._my_room(agent)
        if not NUMBER.match(number or ""):
            raise ApiCallError("bad_request", "number: 1-32 digits, * or #")
        if not self.acd.outbound_trunk_group:
            raise ApiCallError("unavailable", "[acd] outbound_trunk_group is not set: agents cannot invite")
        log.info("event=acd_conf_invite agent=%s room=%s", agent.number, call.room)
        return {"room": call.room, "trunk_group": self.acd.outbound_trunk_group}

    async def conf_mute(self, agent: Agent, chan: str, muted: bool) -> dict[str, Any]:
        call = self._my_room(agent)
        await self.c.call("conf_mute", conf=call.room, chan=chan, muted=muted)
        return {"room": call.room}

    async def conf_kick(self, agent: Agent, chan: str) -> dict[str, Any]:
        call = self._my_room(agent)
        if chan == call.agent_chan:
            raise ApiCallError("bad_request", "the agent leaves the room by hanging up")
        await self.c.call("conf_kick", conf=call.room, chan=chan)
        return {"room": call.room}

    def _left_room(self, call: AgentCall) -> None:
        """The agent's call in a room ended: the customer (if still there) stays in the room, no longer the ACD's
        to follow."""
        if call.room is None:
            return
        for leg in [x for x in self.by_chan.values() if isinstance(x, Leg) and x.kind == "room"
                    and x.agent == call.agent]:
            self.by_chan.pop(leg.chan, None)
