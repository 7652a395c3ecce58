"""An ACD that restarts (after a crash, kill -9, a lost connection) takes up what it left. A mixin of AcdService.

What it finds:
  * agents in the database: logged in stay logged in, at their phones;
  * callers who chose a call back and the website's call-back requests (acd_waiting, state callback): back in their
    queues at their places; those waiting for their next try (state retry): back when it is due;
  * callers who were waiting: chand held them with music (fallback `then = "return"`); `reclaim` gives them
    back and they rejoin their queues at the places they had (their rows in acd_waiting);
  * calls of agents that talked on without it (chand keeps bridges up): `reclaim` gives back both legs of each
    bridge, and the agent's call is rebuilt from them (the call legs name the agent and the queue);
  * an agent whose state says "in a call" that chand no longer shows goes to wrap-up; one reserved or ringing
    for a caller the old ACD offered is freed;
  * agents' persistent lines (lines.py), in a call or not: the agent's again.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telephonist.acd.agent_state import AgentSignal as G
from telephonist.acd.agent_state import AgentState as S
from telephonist.acd.lines import LINE_CALL_PREFIX
from telephonist.acd.model import AgentCall, Caller, CallerState

log = logging.getLogger("telephonist.acd")


class Recovery:
    """The ACD's restart."""

    def _settle_agents(self, status: dict[str, Any]) -> None:
        """Agents whose state the lines no longer bear out: nobody stays reserved or ringing for a caller this acd
        does not know, nobody stays in a call that chand shows no longer."""
        busy = {ln.get("agent") for ln in status["lines"] if ln.get("state") == "up" and ln.get("agent")
                and (ln.get("bridge") or not str(ln.get("call_id") or "").startswith(LINE_CALL_PREFIX))}
        for agent in self.roster.agents.values():
            if agent.state in (S.RESERVED, S.RINGING):
                self.roster.try_signal(agent, G.CANCEL)
            elif agent.state in (S.ON_CALL, S.ON_HOLD, S.OUTBOUND) and agent.number not in busy:
                self.roster.try_signal(agent, G.HANGUP)
                self._start_wrapup(agent, None)
            elif agent.state == S.WRAP_UP:
                self._start_wrapup(agent, None)

    def restore_waiting(self, rows: list[dict[str, Any]]) -> None:
        """Callers keeping their place for a call back go back in line; waiting callers are noted, to be taken
        back at their places when chand gives their calls back."""
        now = self.wall()
        for row in rows:
            if row["queue"] not in self.queues:
                continue
            if row["state"] == "waiting":
                self.returning[row["call_id"]] = row
                continue
            waited = int((now - row["entered_at"]).total_seconds() * 1000) if row["entered_at"] else 0
            retry = row["state"] == "retry"
            caller = Caller(chan=None, call_id=row["call_id"], number=row["caller"], queue=row["queue"],
                            priority=row["priority"], seq=row["seq"], entered_ms=self.now_ms - max(0, waited),
                            data=row["data"], state=CallerState.RETRY if retry else CallerState.CALLBACK,
                            callback_number=row["callback_number"], row=row.get("call_row"))
            self.callers[caller.call_id] = caller
            self.web_request_back(caller)
            if not retry:                 # a retry rejoins when its try is due (rearm_retries)
                self.dispatcher.enqueue(caller, self.now_ms)

    async def rearm_retries(self) -> None:
        """Call backs waiting for their next try: their timers again, for what is left (at least a moment)."""
        now = self.wall()
        for caller in [c for c in self.callers.values() if c.state == CallerState.RETRY]:
            try:
                due_ms = (datetime.fromisoformat(caller.data["retry_at"]) - now).total_seconds() * 1000
            except (KeyError, TypeError, ValueError):
                due_ms = 0
            await self._timer(max(1, int(due_ms)), "cbretry", caller.call_id)

    async def reclaim(self) -> None:
        """The calls chand held or kept up for the ACD while it was away."""
        offers = (await self.c.call("reclaim"))["calls"]
        bridges: dict[str, list[dict[str, Any]]] = {}
        for ev in offers:
            if ev["reason"] == "returned":
                await self._returned(ev)
            elif ev.get("bridge"):
                bridges.setdefault(ev["bridge"], []).append(ev)
            elif not await self._adopt_line(ev):
                await self._quietly(self.c.call("hangup", chan=ev["chan"]))
        for legs in bridges.values():
            await self._adopt(legs)
        self.returning.clear()

    async def _returned(self, ev: dict[str, Any]) -> None:
        if await self._adopt_line(ev):
            return
        row = self.returning.pop(ev["call_id"], None)
        if row is None:                   # not one of ours (waiting rows are ours): it goes
            await self._quietly(self.c.call("hangup", chan=ev["chan"]))
            return
        waited = int((self.wall() - row["entered_at"]).total_seconds() * 1000) if row["entered_at"] \
            else 0
        caller = Caller(chan=ev["chan"], call_id=ev["call_id"], number=row["caller"], queue=row["queue"],
                        priority=row["priority"], seq=row["seq"], entered_ms=self.now_ms - max(0, waited),
                        data=row["data"], row=row.get("call_row"))
        log.info("event=acd_caller_returned call=%s queue=%s seq=%s", caller.call_id, caller.queue, caller.seq)
        await self._join(caller)

    async def _adopt(self, legs: list[dict[str, Any]]) -> None:
        """An agent's call that went on while the ACD was away: the agent's leg (dialled to its extension) and the
        customer's; anything else in that bridge (a supervisor listening, a consultation) is let go."""
        agent = next((self.roster.agents[ev["agent"]] for ev in legs if ev.get("agent") in self.roster.agents), None)
        mine = [ev for ev in legs if agent and ev.get("direction") == "outbound" and ev.get("dialled") == agent.extension]
        theirs = [ev for ev in legs if agent and ev.get("agent") == agent.number and ev not in mine]
        if agent is None or len(mine) != 1 or len(theirs) != 1:
            log.warning("event=acd_adopt_unknown bridge=%s legs=%d", legs[0].get("bridge"), len(legs))
            for ev in legs:
                await self._quietly(self.c.call("hangup", chan=ev["chan"]))
            return
        for ev in legs:
            if ev is not mine[0] and ev is not theirs[0]:
                await self._quietly(self.c.call("hangup", chan=ev["chan"]))
        leg, cust = mine[0], theirs[0]
        queue = cust.get("queue") or next(iter(self.queues))
        caller = Caller(chan=cust["chan"], call_id=cust["call_id"], number=cust.get("caller") or "", queue=queue,
                        priority=0, seq=next(self._seq), entered_ms=self.now_ms, data=cust.get("data") or {},
                        state=CallerState.CONNECTED, offered_to=[agent.number])
        call = AgentCall(agent.number, leg["chan"], caller, caller.chan, queue, self.now_ms, answered_ms=self.now_ms)
        self.callers[caller.call_id] = caller
        self.by_chan[caller.chan] = caller
        self.by_chan[call.agent_chan] = call
        agent.call = call
        self._line_in_call_adopted(agent, leg)
        for sig in (G.RESERVE, G.RING, G.ANSWER):        # an agent the table has elsewhere is brought to its call
            if agent.state in (S.ON_CALL, S.ON_HOLD):
                break
            if agent.state == S.NOT_READY and sig == G.RESERVE:
                self.roster.signal(agent, G.READY)
            self.roster.try_signal(agent, sig, queue=queue, call_id=caller.call_id)
        log.info("event=acd_call_adopted agent=%s customer=%s bridge=%s", agent.number, caller.chan, cust["bridge"])
