"""What agents do and what happens to them between calls: login, ready, not ready, logout, the end of a
call and its wrap-up. A mixin of AcdService."""
from __future__ import annotations

import logging
from typing import Any

from telephonist.acd.agent_state import AgentSignal as G
from telephonist.acd.agent_state import AgentState as S
from telephonist.acd.agent_state import AgentStateError
from telephonist.acd.model import DEFAULT_HANDLE_S, Agent, AgentCall, CallerState

log = logging.getLogger("telephonist.acd")


class Desk:
    """The agents' side of the ACD."""

    async def _start_recording(self, call: AgentCall) -> dict[str, Any]:
        """The agent's call in stereo, recorded on the customer's line so that the customer is on the left and the
        agent on the right, and the file is bound to the customer's call record; it ends with the agent's call."""
        caller = call.caller
        chan = caller.chan if caller is not None else call.customer_chan
        if not chan:
            raise AgentStateError(f"agent {call.agent}'s call has no customer to record")
        name = caller.call_id if caller is not None else f"out-{call.agent}"
        r = await self.c.call("record", chan=chan, mode="stereo", name=f"{name}-agent-{call.agent}-{self.now_ms}")
        call.recording = r["recording"]
        if self.roster.get(call.agent).call is not call:       # the call ended while chand started it
            await self._stop_recording(call)
        return r

    async def _stop_recording(self, call: AgentCall | None) -> None:
        chan = (call.caller.chan if call.caller is not None else call.customer_chan) if call is not None else None
        if call is not None and call.recording is not None and chan:
            rec, call.recording = call.recording, None
            await self._quietly(self.c.call("stop_record", chan=chan, recording=rec))

    async def _agent_leg_gone(self, call: AgentCall) -> None:
        """The agent's phone hung up (or was hung up): a call of the agent's ends, wrap-up begins."""
        if call.agent_chan:
            self.by_chan.pop(call.agent_chan, None)
        agent = self.roster.get(call.agent)
        if agent.call is not call:
            return
        self._left_room(call)                          # a customer in the agent's room stays there
        self._cancel_timer(call.alert_timer)
        call.alert_timer = None
        await self._stop_recording(call)
        if call.cancelled:
            self._cancelled(agent, call)
            return
        consult = next((leg for leg in self._legs_of(agent) if leg.kind == "consult"), None)
        if consult is not None and call.customer_chan:
            await self._consult_orphaned(agent, call, consult)
        for leg in self._legs_of(agent):               # its own call out, the customer's phone still ringing
            if leg.kind == "outbound" and not leg.answered:
                self.by_chan.pop(leg.chan, None)
                self._spawn(self.c.call("hangup", chan=leg.chan))
        agent.call = None
        caller = call.caller
        if caller is not None and caller.state == CallerState.CALLING_BACK \
                and self.callers.get(caller.call_id) is caller:
            await self._call_back_dropped(caller)      # the agent left while the customer's phone rang
        agent.last_call = None if caller is None or call.answered_ms is None else {
            "call_id": caller.call_id, "caller": caller.number, "queue": call.queue, "data": caller.data,
            "wait_ms": max(0, call.offered_ms - caller.entered_ms)}
        if agent.state in (S.RESERVED, S.RINGING):
            if caller is not None:
                self._missed(agent, caller)
            return
        if call.answered_ms is not None:
            if call.held_since_ms is not None:
                call.hold_ms += self.now_ms - call.held_since_ms
                call.held_since_ms = None
            talk = self.now_ms - call.answered_ms - call.hold_ms
            agent.talk_ms += talk
            queue = call.queue or ""
            avg = self.handle_s.get(queue, DEFAULT_HANDLE_S)
            self.handle_s[queue] = 0.8 * avg + 0.2 * (talk + call.hold_ms) / 1000.0
            if caller is not None and caller.row is not None:
                agent.last_row = caller.row
                self._spawn(self.store.call_update(caller.row, talk_ms=talk, hold_ms=call.hold_ms))
        if self.roster.try_signal(agent, G.HANGUP, queue=call.queue, call_id=caller.call_id if caller else None):
            agent.wrapup_started_ms = self.now_ms
            self._start_wrapup(agent, call.queue)

    def _wrapup_ended(self, agent: Agent) -> None:
        """The agent left wrap-up (the timer, the agent, a supervisor): its length goes with the call."""
        started, agent.wrapup_started_ms = agent.wrapup_started_ms, None
        agent.last_call = None
        if started is not None and agent.last_row is not None:
            self._spawn(self.store.call_update(agent.last_row, wrapup_ms=self.now_ms - started))

    def _start_wrapup(self, agent: Agent, queue: str | None) -> None:
        seconds = agent.wrapup_s if agent.wrapup_s >= 0 else (self.queues[queue].wrapup_s if queue in self.queues
                                                             else 0)
        self._spawn(self._wrapup_timer(agent, seconds * 1000))

    async def _wrapup_timer(self, agent: Agent, ms: int) -> None:
        """Wrap-up ends in ms (its end moves when the agent asks for more time: the latest word wins)."""
        self.stop_wrapup_timer(agent)
        due = agent.wrapup_due_ms = self.now_ms + ms
        if ms <= 0:
            self._wrapup_over(agent)
            return
        handle = await self._timer(ms, "wrapup", agent.number)
        if agent.wrapup_due_ms != due:                 # extended (or ended) while chand set the timer
            self._cancel_timer(handle)
            return
        agent.wrapup_timer = handle

    def stop_wrapup_timer(self, agent: Agent) -> None:
        self._cancel_timer(agent.wrapup_timer)
        agent.wrapup_timer = None
        agent.wrapup_due_ms = None

    async def wrapup_extend(self, agent: Agent, seconds: int) -> None:
        """More time for the agent's notes: seconds more than it had left (at most an hour in all)."""
        if agent.state != S.WRAP_UP:
            raise AgentStateError(f"agent {agent.number} is {agent.state.value}, not wrapping up")
        left = max(0, (agent.wrapup_due_ms or self.now_ms) - self.now_ms)
        await self._wrapup_timer(agent, min(3600_000, left + seconds * 1000))
        self.roster.call_changed(agent, "extend")

    def _wrapup_over(self, agent: Agent) -> None:
        agent.wrapup_timer = None
        agent.wrapup_due_ms = None
        if agent.state != S.WRAP_UP:
            return
        after, agent.after_call = agent.after_call, ""
        if after == "logout":
            self.roster.signal(agent, G.LOGOUT)
            self.close_line(agent)
        elif after.startswith("not_ready:"):
            self.roster.signal(agent, G.NOT_READY, reason=after.partition(":")[2])
        else:
            self.roster.signal(agent, G.WRAP_END)
        self.match()

    def login(self, agent: Agent, extension: str, persistent_line: bool | None = None) -> None:
        """The agent sits at the extension's phone; on a persistent line (lines.py) that phone rings at once."""
        if not extension:
            raise AgentStateError(f"agent {agent.number} has no extension: say where the agent sits")
        sitting = self.roster.by_extension.get(extension)
        if sitting is not None and sitting is not agent:
            raise AgentStateError(f"extension {extension} is agent {sitting.number}'s now")
        agent.extension = extension
        self.roster.by_extension[extension] = agent
        self.roster.signal(agent, G.LOGIN)
        if agent.persistent_line if persistent_line is None else persistent_line:
            self.open_line(agent)

    def ready(self, agent: Agent) -> None:
        if agent.line is not None and not agent.line.open:
            raise AgentStateError(f"agent {agent.number}'s phone rings for its persistent line: lift it first")
        if agent.state == S.WRAP_UP:
            self.stop_wrapup_timer(agent)
        agent.after_call = ""
        self.roster.signal(agent, G.READY)
        self.match()

    def not_ready(self, agent: Agent, reason: str) -> None:
        if agent.state in (S.RESERVED, S.RINGING, S.ON_CALL, S.ON_HOLD, S.OUTBOUND):
            agent.after_call = f"not_ready:{reason}"          # after this call
            return
        if agent.state == S.WRAP_UP:
            self.stop_wrapup_timer(agent)
        self.roster.signal(agent, G.NOT_READY, reason=reason)

    def logout(self, agent: Agent, force: bool = False) -> None:
        if agent.state in (S.ON_CALL, S.ON_HOLD, S.OUTBOUND) or (agent.state in (S.RESERVED, S.RINGING)
                                                                 and not force):
            agent.after_call = "logout"                       # when the call ends
            return
        if agent.state in (S.RESERVED, S.RINGING) and agent.call and agent.call.caller:
            self._stop_ringing(agent, agent.call.caller)
        self.stop_wrapup_timer(agent)
        agent.after_call = ""
        self.roster.signal(agent, G.FORCE_LOGOUT if force else G.LOGOUT)
        self.close_line(agent)

    def wrapup_end(self, agent: Agent, code: str = "", note: str = "") -> None:
        if agent.state != S.WRAP_UP:
            raise AgentStateError(f"agent {agent.number} is {agent.state.value}, not wrapping up")
        if code or note:
            self.disposition(agent, code, note)
        self._cancel_timer(agent.wrapup_timer)
        self._wrapup_over(agent)

    def disposition(self, agent: Agent, code: str, note: str) -> None:
        """The agent's disposition code and note for its current or last queue call (during the call, in
        wrap-up or after it)."""
        row = agent.call.caller.row if agent.call and agent.call.caller and agent.call.answered_ms is not None \
            else agent.last_row
        if row is None:
            raise AgentStateError(f"agent {agent.number} has had no queue call to note")
        self._spawn(self.store.call_update(row, wrapup_code=code, note=note))
