"""Agents on a persistent line: the phone is rung once, at login, and stays off-hook; the agent's calls are
delivered on that open line without ringing. A mixin of AcdService.

This is how an analog set (or any phone that cannot answer by itself) gets auto-answer: the agent lifts once,
wears the headset, and hears silence between calls. A queue with `auto_answer = true` puts its caller through
after a short beep; any other queue plays the call-waiting alert on the line and the agent accepts with `#` on
the phone or the `answer` request (the desktop's button), within the queue's `ring_timeout_s` (after it: "missed",
as a phone that rang out). During a call `*` on the phone ends it, like the `hangup` request. When a call ends the
line goes back to silence and stays open; it closes when the agent logs out, and when the agent hangs up the
phone, after which the agent's calls ring the phone again as for an agent without a persistent line.

The line is a call of its own in chand (call id `line-AGENT-TIME`, dialled to the agent's extension), bridged to
each customer in turn; a restarted ACD finds it among the calls chand kept for it and takes it up again.
"""
from __future__ import annotations

import logging
from typing import Any

from telephonist.acd.agent_state import AgentSignal as G
from telephonist.acd.agent_state import AgentState as S
from telephonist.acd.agent_state import AgentStateError
from telephonist.acd.model import Agent, AgentCall, AgentLine, Caller, Leg
from telephonist.client import ApiCallError

log = logging.getLogger("telephonist.acd")

LINE_CALL_PREFIX = "line-"
LINE_RING_MS = 30_000                      # the agent has this long to lift the phone at login
BEEP = {"tone": "callwaiting", "ms": 250}  # "a call is coming on your line" (zip tone)
ALERT = {"tone": "callwaiting", "ms": 0}   # the call-waiting cadence, until the agent accepts
ACCEPT_KEY = "#"
END_KEY = "*"


class AgentLines:
    """The agents' persistent lines (self.lines: chand channel -> line)."""

    # ---- opening and closing ------------------------------------------------------------------------------------
    def open_line(self, agent: Agent) -> None:
        """Ring the agent's phone; once lifted it stays open as the agent's persistent line."""
        if agent.line is None:
            self._spawn(self._dial_line(agent))

    async def _dial_line(self, agent: Agent) -> None:
        try:
            r = await self.c.call("dial", trunk_group=self.acd.agents_trunk_group, number=agent.extension,
                                  timeout_ms=LINE_RING_MS, call_id=f"{LINE_CALL_PREFIX}{agent.number}-{self.now_ms}")
        except ApiCallError as exc:
            log.warning("event=acd_line_failed agent=%s extension=%s error=%s", agent.number, agent.extension, exc)
            self.publish("agent_line", {"agent": agent.number, "line": "failed", "error": str(exc)})
            return
        if agent.state == S.LOGGED_OUT or agent.line is not None:       # logged out (or opened) meanwhile
            await self._quietly(self.c.call("hangup", chan=r["chan"]))
            return
        self._take_line(agent, AgentLine(agent.number, r["chan"]))

    def _take_line(self, agent: Agent, line: AgentLine) -> None:
        agent.line = line
        self.lines[line.chan] = line
        self._line_changed(agent, "open" if line.open else "ringing")

    async def _line_answered(self, line: AgentLine) -> None:
        agent = self.roster.agents.get(line.agent)
        if agent is None or agent.line is not line:
            self.lines.pop(line.chan, None)
            await self._quietly(self.c.call("hangup", chan=line.chan))
            return
        line.open = True
        self._spawn(self.c.call("annotate", chan=line.chan, agent=agent.number))
        try:                                   # "open" once the agent has heard the beep (or a call replaced it)
            line.beep = (await self.c.call("play", chan=line.chan, items=[BEEP]))["playback"]
        except ApiCallError:
            self._line_changed(agent, "open")

    def _line_gone(self, chan: str) -> None:
        """The agent hung the phone up (or it could not be rung): calls ring the phone again."""
        line = self.lines.pop(chan, None)
        agent = self.roster.agents.get(line.agent) if line else None
        if agent is not None and agent.line is line:
            agent.line = None
            self._line_changed(agent, "closed")

    def close_line(self, agent: Agent) -> None:
        """The agent logged out: its line is hung up."""
        line, agent.line = agent.line, None
        if line is not None:
            self.lines.pop(line.chan, None)
            self._spawn(self.c.call("hangup", chan=line.chan))
            self._line_changed(agent, "closed")

    def _line_changed(self, agent: Agent, state: str) -> None:
        log.info("event=acd_agent_line agent=%s line=%s", agent.number, state)
        self.publish("agent_line", {"agent": agent.number, "line": state,
                                    "chan": agent.line.chan if agent.line else None})

    def idle_line(self, agent: Agent) -> AgentLine | None:
        """The agent's open line with no call on it, if it has one."""
        line = agent.line
        return line if line is not None and line.open and line.chan not in self.by_chan else None

    # ---- calls on the line --------------------------------------------------------------------------------------
    async def _offer_on_line(self, caller: Caller, agent: Agent, queue) -> None:
        """The caller comes on the agent's open line: after a beep (auto-answer) or once the agent accepts it."""
        call, line = agent.call, agent.line
        call.agent_chan = line.chan
        self.by_chan[line.chan] = call
        self.roster.signal(agent, G.RING, queue=queue.name, call_id=caller.call_id)
        try:
            if queue.auto_answer:
                call.alert = (await self.c.call("play", chan=line.chan, items=[BEEP]))["playback"]
                return                                   # connected when the beep is over (_on_line_played)
            call.alert = (await self.c.call("play", chan=line.chan, items=[ALERT], loop=True))["playback"]
            call.alert_timer = await self._timer(queue.ring_timeout_s * 1000, "line_offer", agent.number)
        except ApiCallError as exc:
            log.warning("event=acd_line_offer_failed agent=%s error=%s", agent.number, exc)
            if agent.call is call and not call.cancelled:
                await self._accept_on_line(call)

    async def _on_line_played(self, ev: dict[str, Any]) -> bool:
        """A beep on a line is over: the login's (the line is open), the one before an auto-answer (the caller is
        put through) or before a consultation or a supervisor (they join). True if the playback was a line's."""
        line = self.lines.get(ev["chan"])
        if line is None:
            return False
        playback, who = ev.get("playback"), self.by_chan.get(ev["chan"])
        if playback == line.beep:
            line.beep = None
            agent = self.roster.agents.get(line.agent)
            if agent is not None and agent.line is line:
                self._line_changed(agent, "open")
        elif isinstance(who, AgentCall) and who.alert == playback:
            who.alert = None
            if who.alert_timer is None and who.answered_ms is None and not who.cancelled:
                await self._agent_answered(who)
        elif isinstance(who, Leg) and who.beep == playback:
            who.beep = None
            await self._leg_answered(who)
        return True

    async def _join_on_line(self, leg: Leg) -> None:
        """A consultation or a supervisor on an agent's open line: a beep, then it joins the call."""
        try:
            leg.beep = (await self.c.call("play", chan=leg.chan, items=[BEEP]))["playback"]
        except ApiCallError:
            await self._leg_answered(leg)

    async def _accept_on_line(self, call: AgentCall) -> None:
        self._cancel_timer(call.alert_timer)
        call.alert_timer = None
        if call.alert is not None:
            playback, call.alert = call.alert, None
            await self._quietly(self.c.call("stop", chan=call.agent_chan, playback=playback))
        await self._agent_answered(call)

    def _offered_on_line(self, agent: Agent) -> AgentCall:
        call = agent.call
        if call is None or agent.state != S.RINGING or agent.line is None or call.agent_chan != agent.line.chan:
            raise AgentStateError(f"agent {agent.number} has no call waiting on a persistent line"
                                  + (" (its phone rings: lifting it answers)" if agent.state == S.RINGING else ""))
        return call

    async def answer(self, agent: Agent) -> None:
        """The agent accepts the call offered on its persistent line (the desktop's answer button)."""
        call = self._offered_on_line(agent)
        if call.alert_timer is not None:
            await self._accept_on_line(call)

    async def _line_no_answer(self, agent: Agent, timer: int) -> None:
        call = agent.call
        if call is None or call.alert_timer != timer or agent.state != S.RINGING:
            return
        call.alert_timer = None
        if call.alert is not None:
            await self._quietly(self.c.call("stop", chan=call.agent_chan, playback=call.alert))
            call.alert = None
        self.by_chan.pop(call.agent_chan, None)
        log.info("event=acd_line_not_accepted agent=%s", agent.number)
        self._missed(agent, call.caller)

    async def _line_key(self, line: AgentLine, digit: str) -> None:
        """`#` accepts the call offered on the line, `*` ends the call on it."""
        agent = self.roster.agents.get(line.agent)
        call = agent.call if agent else None
        if call is None or call.agent_chan != line.chan:
            return
        if digit == ACCEPT_KEY and agent.state == S.RINGING and call.alert_timer is not None:
            await self._accept_on_line(call)
        elif digit == END_KEY and agent.state in (S.ON_CALL, S.ON_HOLD):
            await self._quietly(self.hangup(agent))

    async def _hang_up_agent_side(self, chan: str) -> None:
        """Hang up the agent's side of a call: a phone leg is hung up; a persistent line is taken out of the call
        (and what its end would do is done) but stays open."""
        if chan not in self.lines:
            await self._quietly(self.c.call("hangup", chan=chan))
            return
        await self._quietly(self.c.call("unbridge", chan=chan))
        await self._quietly(self.c.call("stop", chan=chan))
        await self._gone(self.by_chan.pop(chan, None))

    async def _end_agent_leg(self, call: AgentCall) -> None:
        """The agent's call is over on the agent's side: wrap-up begins, and its phone leg is hung up (a persistent
        line goes back to silence)."""
        if call.agent_chan in self.lines:
            await self._hang_up_agent_side(call.agent_chan)
            await self._agent_leg_gone(call)          # nothing more if that was done already
            return
        await self._agent_leg_gone(call)
        if call.agent_chan:
            await self._quietly(self.c.call("hangup", chan=call.agent_chan))

    # ---- after a restart ----------------------------------------------------------------------------------------
    async def _adopt_line(self, ev: dict[str, Any]) -> bool:
        """A line chand kept for the ACD while it was away, not in a call: the agent's again if it is still logged
        in at that phone, hung up if not. False if the call is no persistent line."""
        call_id = str(ev.get("call_id") or "")
        if not call_id.startswith(LINE_CALL_PREFIX):
            return False
        number = call_id[len(LINE_CALL_PREFIX):].rpartition("-")[0]
        agent = self.roster.agents.get(number)
        if agent is None or agent.state == S.LOGGED_OUT or agent.line is not None \
                or ev.get("dialled") != agent.extension or ev.get("state") != "up":
            await self._quietly(self.c.call("hangup", chan=ev["chan"]))
            return True
        await self._quietly(self.c.call("stop", chan=ev["chan"]))
        self._take_line(agent, AgentLine(agent.number, ev["chan"], open=True))
        log.info("event=acd_line_adopted agent=%s chan=%s", agent.number, ev["chan"])
        return True

    def _line_in_call_adopted(self, agent: Agent, leg: dict[str, Any]) -> None:
        if str(leg.get("call_id") or "").startswith(LINE_CALL_PREFIX) and agent.line is None:
            self._take_line(agent, AgentLine(agent.number, leg["chan"], open=True))
