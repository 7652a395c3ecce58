"""The ACD as a chand application: callers handed to `queue:NAME` wait, agents' phones ring, calls connect.

chand hands a caller over (an IVR's transfer to a queue, or a route straight to one); the ACD answers
it if needed, plays the queue's music, and puts it in the dispatcher's waiting list. When the
dispatcher pairs it with agents, their phones are rung (dial by extension on [acd] agents_trunk_group,
the caller's number on the display); the first to answer is bridged to the caller and the others stop
ringing. A phone that does not answer (or cannot ring) makes its agent not ready "missed" and puts the
caller back where it was. When the call ends the agent wraps up for the queue's wrap-up time.

Events of chand's reach `on_event`; every wait of the ACD's (wrap-up, a caller's longest wait, the next
announcement, a sticky agent) is a chand timer on the engine clock. Desktops and supervisors talk to
it through chand's request/respond to the application "queue" (requests.py); what changes is published
on the topic "queue".
"""
from __future__ import annotations

import asyncio
import itertools
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from telephonist.acd.agent_state import AgentSignal as G, AgentState as S, AgentStateError
from telephonist.acd.dispatcher import Dispatcher
from telephonist.acd.model import Agent, AgentCall, Caller, CallerState
from telephonist.acd.roster import Roster
from telephonist.acd.store import AcdStore
from telephonist.client import ApiCallError, Client
from telephonist.config.model import Config

log = logging.getLogger("telephonist.acd")
DEFAULT_HANDLE_S = 180.0          # until the queue has its own average handling time
TOPIC = "queue"                  # what the ACD publishes under (its application name)


class AcdService:
    def __init__(self, client: Client, cfg: Config, store: AcdStore, rng=None) -> None:
        self.c = client
        self.cfg = cfg
        self.acd = cfg.acd
        self.queues = {q.name: q for q in cfg.queues}
        self.store = store
        self.now_ms = 0                               # the engine clock, as the last event said
        self.dispatcher = Dispatcher(list(cfg.queues), rng=rng)
        self.roster = Roster(cfg.agents, self.dispatcher, store, self.publish, lambda: self.now_ms)
        self.callers: dict[str, Caller] = {}          # call id -> caller in a queue (waiting, offered, connected)
        self.by_chan: dict[str, Caller | AgentCall] = {}
        self.timers: dict[int, tuple[str, str]] = {}  # chand timer -> (what, whose)
        self._seq = itertools.count(1)
        self.handle_s: dict[str, float] = {}          # queue -> average handling time (moving average)
        self.tasks: set[asyncio.Task] = set()
        for kind in ("offer", "answered", "dial_failed", "hangup", "ended", "unbridged", "timer", "dtmf",
                     "play_done", "request"):
            client.on(kind, self._timed(getattr(self, f"_on_{kind}", None)))

    # ---- start and the clock -----------------------------------------------------------------------
    async def start(self) -> None:
        status = await self.c.call("status")
        self.now_ms = status["time_ms"]
        self.roster.restore(await asyncio.to_thread(self.store.agents))
        self._seq = itertools.count(await asyncio.to_thread(self.store.last_seq) + 1)
        self._settle_agents(status)
        await self.c.call("subscribe", lines=False)
        self.match()

    def _settle_agents(self, status: dict[str, Any]) -> None:
        """After a restart: an agent left in a call state whose phone no longer carries a call of ours goes to
        wrap-up (or ready); nobody stays reserved or ringing for a caller this acd does not know."""
        busy = {ln.get("agent") for ln in status["lines"] if ln.get("state") == "up" and ln.get("agent")}
        for agent in self.roster.agents.values():
            if agent.state in (S.RESERVED, S.RINGING):
                self.roster.try_signal(agent, G.CANCEL)
            elif agent.state in (S.ON_CALL, S.ON_HOLD, S.OUTBOUND) and agent.number not in busy:
                self.roster.try_signal(agent, G.HANGUP)
                self._start_wrapup(agent, None)
            elif agent.state == S.WRAP_UP:
                self._start_wrapup(agent, None)

    def _timed(self, handler):
        """The handler, after the ACD's clock has taken the event's engine time."""
        async def run(ev: dict[str, Any]) -> None:
            if isinstance(ev.get("time_ms"), int) and ev["time_ms"] > self.now_ms:
                self.now_ms = ev["time_ms"]
            if handler is not None:
                await handler(ev)
        return run

    def publish(self, kind: str, body: dict[str, Any]) -> None:
        self._spawn(self.c.call("publish", topic=TOPIC, event={"kind": kind, "time_ms": self.now_ms, **body}))

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(self._quietly(coro))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    @staticmethod
    async def _quietly(coro) -> None:
        try:
            await coro
        except (ApiCallError, ConnectionError) as exc:
            log.info("event=acd_command_refused error=%s", exc)

    async def _timer(self, ms: int, what: str, whose: str) -> int:
        handle = (await self.c.call("timer", ms=max(1, int(ms)), key=f"{what}:{whose}"))["timer"]
        self.timers[handle] = (what, whose)
        return handle

    def _cancel_timer(self, handle: int | None) -> None:
        if handle is not None and self.timers.pop(handle, None) is not None:
            self._spawn(self.c.call("timer_cancel", timer=handle))

    # ---- a caller arrives -------------------------------------------------------------------------------
    async def _on_offer(self, ev: dict[str, Any]) -> None:
        chan, name = ev["chan"], ev.get("target") or ""
        queue = self.queues.get(name)
        if queue is None:
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
            since = datetime.now(timezone.utc) - timedelta(days=queue.sticky_days)
            caller.sticky_agent = await asyncio.to_thread(self.store.last_agent, caller.number, since)
        caller.row = await self.store.call_started(dict(
            call_id=caller.call_id, queue=queue.name, caller=caller.number, entered_at=datetime.now(timezone.utc)))
        await self.store.waiting_put(self._waiting_row(caller))
        if queue.when_empty == "leave" and not self._anyone_for(queue.name):
            await self._leave(caller, "timeout", queue.on_timeout)
            return
        if caller.chan:
            await self._music(caller)
        if queue.max_wait_s:
            caller.timeout_timer = await self._timer(queue.max_wait_s * 1000 - (self.now_ms - caller.entered_ms),
                                                     "timeout", caller.call_id)
        if queue.announce_every_s:
            caller.announce_timer = await self._timer(queue.announce_every_s * 1000, "announce", caller.call_id)
        self.dispatcher.enqueue(caller, self.now_ms)
        if caller.sticky_agent and caller.state == CallerState.WAITING and \
                caller.seq not in self.dispatcher.queues[queue.name].callers:
            await self._timer(queue.sticky_wait_s * 1000, "sticky", caller.call_id)
        self.publish("caller_joined", {"queue": queue.name, "call_id": caller.call_id, "caller": caller.number,
                                       "position": self.dispatcher.position(caller), "priority": caller.priority})
        self.match()

    @staticmethod
    def _priority(queue, data: dict[str, Any]) -> int:
        """The queue's `priorities` against what came with the call: "vip" (set and truthy) or "vip=gold"."""
        total = 0
        for cond, weight in queue.priorities.items():
            var, _, value = cond.partition("=")
            got = data.get(var)
            if (value and str(got) == value) or (not value and got not in (None, "", False, 0, "0")):
                total += weight
        return total

    def _anyone_for(self, queue: str) -> bool:
        q = self.queues[queue]
        return any(a.state != S.LOGGED_OUT and a.qualifies(q) for a in self.roster.agents.values())

    def _waiting_row(self, caller: Caller) -> dict[str, Any]:
        return dict(call_id=caller.call_id, chan=caller.chan, queue=caller.queue, caller=caller.number,
                    priority=caller.priority, seq=caller.seq, entered_at=datetime.now(timezone.utc),
                    state="callback" if caller.state == CallerState.CALLBACK else "waiting",
                    callback_number=caller.callback_number, data=caller.data)

    async def _music(self, caller: Caller) -> None:
        queue = self.queues[caller.queue]
        items = [queue.music] if queue.music else [{"tone": "ringback", "ms": 0}]
        try:
            caller.playback = (await self.c.call("play", chan=caller.chan, items=items, loop=True))["playback"]
        except ApiCallError as exc:
            log.warning("event=acd_music_failed chan=%s error=%s", caller.chan, exc)

    # ---- matching and ringing ------------------------------------------------------------------------------
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
            caller.state = CallerState.WAITING
            self.dispatcher.enqueue(caller, self.now_ms)
            self.match()

    # ---- chand's events ------------------------------------------------------------------------------------
    async def _on_answered(self, ev: dict[str, Any]) -> None:
        call = self.by_chan.get(ev["chan"])
        if isinstance(call, AgentCall):
            await self._agent_answered(call)

    async def _agent_answered(self, call: AgentCall) -> None:
        agent = self.roster.get(call.agent)
        caller = call.caller
        if caller is None or caller.state == CallerState.CONNECTED or caller.call_id not in self.callers \
                or agent.call is not call:
            await self._release_leg(call, agent)          # someone else answered first, or the caller is gone
            return
        caller.state = CallerState.CONNECTED
        call.answered_ms = self.now_ms
        self.dispatcher.dequeue(caller)
        for other in list(caller.offered_to):
            if other != agent.number:
                self._stop_ringing(self.roster.get(other), caller)
        caller.offered_to = [agent.number]
        self._cancel_timer(caller.timeout_timer)
        self._cancel_timer(caller.announce_timer)
        queue = self.queues[caller.queue]
        try:
            if caller.playback is not None:
                await self._quietly(self.c.call("stop", chan=caller.chan, playback=caller.playback))
            await self.c.call("bridge", chans=[caller.chan, call.agent_chan])
        except ApiCallError as exc:
            log.error("event=acd_bridge_failed caller=%s agent=%s error=%s", caller.chan, agent.number, exc)
            await self._release_leg(call, agent)
            return
        self.roster.signal(agent, G.ANSWER, queue=queue.name, call_id=caller.call_id)
        agent.calls += 1
        wait_ms = self.now_ms - caller.entered_ms
        for chan in (caller.chan, call.agent_chan):
            self._spawn(self.c.call("annotate", chan=chan, agent=agent.number, queue=queue.name))
        if queue.record == "all":
            self._spawn(self.c.call("record", chan=call.agent_chan, mode="stereo",
                                    name=f"{caller.call_id}-agent-{agent.number}"))
        await asyncio.gather(self.store.waiting_gone(caller.call_id), self.store.call_update(
            caller.row, answered_at=datetime.now(timezone.utc), agent=agent.number, outcome="answered",
            wait_ms=wait_ms))
        self.publish("call_answered", {"queue": queue.name, "call_id": caller.call_id, "agent": agent.number,
                                       "wait_ms": wait_ms})

    async def _on_dial_failed(self, ev: dict[str, Any]) -> None:
        call = self.by_chan.pop(ev["chan"], None)
        if isinstance(call, AgentCall):
            agent = self.roster.get(call.agent)
            if call.cancelled:
                self._cancelled(agent, call)
            elif agent.call is call and call.caller is not None and agent.state in (S.RESERVED, S.RINGING):
                self._missed(agent, call.caller)

    async def _on_hangup(self, ev: dict[str, Any]) -> None:
        """The far end hung up: a caller (waiting, offered or talking) or an agent's phone."""
        who = self.by_chan.get(ev["chan"])
        if isinstance(who, Caller):
            await self._caller_gone(who)
        elif isinstance(who, AgentCall):
            await self._agent_leg_gone(who)

    async def _on_ended(self, ev: dict[str, Any]) -> None:
        who = self.by_chan.pop(ev["chan"], None)
        if isinstance(who, Caller):
            await self._caller_gone(who)
        elif isinstance(who, AgentCall):
            await self._agent_leg_gone(who)

    async def _on_unbridged(self, ev: dict[str, Any]) -> None:
        """The other side of a bridge left: hang up the one left (an agent's phone; a caller whose agent hung
        up goes to the queue's survey, if it has one)."""
        who = self.by_chan.get(ev["chan"])
        if isinstance(who, AgentCall):
            await self._agent_leg_gone(who)                 # the caller left: the agent's call is over
            await self._quietly(self.c.call("hangup", chan=ev["chan"]))
        elif isinstance(who, Caller):
            queue = self.queues[who.queue]
            self.by_chan.pop(who.chan, None)
            if queue.survey:
                await self._quietly(self.c.call("handoff", chan=who.chan, app=queue.survey, reason="survey",
                                                data={**who.data, "queue": queue.name}))
            else:
                await self._quietly(self.c.call("hangup", chan=who.chan))

    async def _caller_gone(self, caller: Caller) -> None:
        if self.callers.pop(caller.call_id, None) is None:
            return
        self.by_chan.pop(caller.chan, None)
        self._cancel_timer(caller.timeout_timer)
        self._cancel_timer(caller.announce_timer)
        queue = self.queues[caller.queue]
        now = datetime.now(timezone.utc)
        if caller.state == CallerState.CONNECTED:
            self._spawn(self.store.call_update(caller.row, ended_at=now))
            return                                             # the bridge's end takes the agent to wrap-up
        self.dispatcher.dequeue(caller)
        for number in list(caller.offered_to):
            self._stop_ringing(self.roster.get(number), caller)
        wait_ms = self.now_ms - caller.entered_ms
        await asyncio.gather(self.store.waiting_gone(caller.call_id),
                             self.store.call_update(caller.row, ended_at=now, outcome="abandoned", wait_ms=wait_ms))
        self.publish("caller_left", {"queue": queue.name, "call_id": caller.call_id, "outcome": "abandoned",
                                     "wait_ms": wait_ms})

    def _stop_ringing(self, agent: Agent, caller: Caller) -> None:
        """The caller no longer needs this agent: its phone stops ringing, and the agent is free once the
        phone's line is (ringing it again at once would find it still clearing)."""
        call = agent.call
        if call is None or call.caller is not caller or call.cancelled:
            return
        call.cancelled = True
        if call.agent_chan:
            self._spawn(self.c.call("hangup", chan=call.agent_chan))

    def _cancelled(self, agent: Agent, call: AgentCall) -> None:
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
            await self._quietly(self.c.call("hangup", chan=call.agent_chan))
        else:
            self._cancelled(agent, call)

    async def _agent_leg_gone(self, call: AgentCall) -> None:
        """The agent's phone hung up (or was hung up): a call of the agent's ends, wrap-up begins."""
        if call.agent_chan:
            self.by_chan.pop(call.agent_chan, None)
        agent = self.roster.get(call.agent)
        if agent.call is not call:
            return
        if call.cancelled:
            self._cancelled(agent, call)
            return
        agent.call = None
        caller = call.caller
        if agent.state in (S.RESERVED, S.RINGING):
            if caller is not None:
                self._missed(agent, caller)
            return
        if call.answered_ms is not None:
            talk = self.now_ms - call.answered_ms
            agent.talk_ms += talk
            queue = call.queue or ""
            avg = self.handle_s.get(queue, DEFAULT_HANDLE_S)
            self.handle_s[queue] = 0.8 * avg + 0.2 * talk / 1000.0
            if caller is not None:
                self._spawn(self.store.call_update(caller.row, talk_ms=talk))
        if self.roster.try_signal(agent, G.HANGUP, queue=call.queue, call_id=caller.call_id if caller else None):
            self._start_wrapup(agent, call.queue)

    def _start_wrapup(self, agent: Agent, queue: str | None) -> None:
        seconds = agent.wrapup_s if agent.wrapup_s >= 0 else (self.queues[queue].wrapup_s if queue in self.queues
                                                             else 0)
        self._spawn(self._wrapup_timer(agent, seconds))

    async def _wrapup_timer(self, agent: Agent, seconds: int) -> None:
        self._cancel_timer(agent.wrapup_timer)
        if seconds <= 0:
            self._wrapup_over(agent)
            return
        agent.wrapup_timer = await self._timer(seconds * 1000, "wrapup", agent.number)

    def _wrapup_over(self, agent: Agent) -> None:
        agent.wrapup_timer = None
        if agent.state != S.WRAP_UP:
            return
        after, agent.after_call = agent.after_call, ""
        if after == "logout":
            self.roster.signal(agent, G.LOGOUT)
        elif after.startswith("not_ready:"):
            self.roster.signal(agent, G.NOT_READY, reason=after.partition(":")[2])
        else:
            self.roster.signal(agent, G.WRAP_END)
        self.match()

    # ---- timers ---------------------------------------------------------------------------------------------
    async def _on_timer(self, ev: dict[str, Any]) -> None:
        what, whose = self.timers.pop(ev["timer"], (None, None))
        if what == "wrapup":
            agent = self.roster.agents.get(whose)
            if agent is not None and agent.wrapup_timer == ev["timer"]:
                self._wrapup_over(agent)
        elif what == "timeout":
            caller = self.callers.get(whose)
            if caller is not None and caller.state == CallerState.WAITING and caller.timeout_timer == ev["timer"]:
                await self._leave(caller, "timeout", self.queues[caller.queue].on_timeout)
        elif what == "announce":
            caller = self.callers.get(whose)
            if caller is not None and caller.state == CallerState.WAITING and caller.announce_timer == ev["timer"]:
                await self._announce(caller)
        elif what == "sticky":
            caller = self.callers.get(whose)
            if caller is not None:
                self.dispatcher.release_sticky(caller, self.now_ms)
                self.match()
        elif what == "progress":
            caller = self.callers.get(whose)
            if caller is not None and caller.state == CallerState.OFFERED:
                queue = self.queues[caller.queue]
                for agent in self.dispatcher.more_agents(caller, self.now_ms):
                    self._ring(caller, agent)
                await self._timer(queue.progressive_step_s * 1000, "progress", caller.call_id)

    async def _on_dtmf(self, ev: dict[str, Any]) -> None:
        pass

    async def _on_play_done(self, ev: dict[str, Any]) -> None:
        caller = self.by_chan.get(ev["chan"])
        if isinstance(caller, Caller) and caller.state == CallerState.WAITING and ev.get("playback") == \
                getattr(caller, "announcement", None):
            caller.announcement = None
            await self._music(caller)

    async def _announce(self, caller: Caller) -> None:
        """The caller's place in the queue and the wait to expect, then the music again."""
        queue = self.queues[caller.queue]
        items = self._announcement(caller)
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
            caller.row, ended_at=datetime.now(timezone.utc), outcome=outcome, wait_ms=wait_ms))
        self.publish("caller_left", {"queue": caller.queue, "call_id": caller.call_id, "outcome": outcome,
                                     "wait_ms": wait_ms, "to": target})
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
        elif kind == "voicemail":
            await self._quietly(self.c.call("handoff", chan=caller.chan, app="ivr:voicemail", reason=outcome,
                                            data={**data, "mailbox": rest}))
        elif kind in ("number", "ext"):
            group = self.acd.outbound_trunk_group if kind == "number" else self.acd.agents_trunk_group
            await self._quietly(self.c.call("transfer", chan=caller.chan, trunk_group=group, number=rest))
        else:
            await self._quietly(self.c.call("hangup", chan=caller.chan))

    # ---- what desktops and supervisors ask (requests.py checks them) ----------------------------------------
    def login(self, agent: Agent, extension: str) -> None:
        if not extension:
            raise AgentStateError(f"agent {agent.number} has no extension: say where the agent sits")
        sitting = self.roster.by_extension.get(extension)
        if sitting is not None and sitting is not agent:
            raise AgentStateError(f"extension {extension} is agent {sitting.number}'s now")
        agent.extension = extension
        self.roster.by_extension[extension] = agent
        self.roster.signal(agent, G.LOGIN)

    def ready(self, agent: Agent) -> None:
        if agent.state == S.WRAP_UP:
            self._cancel_timer(agent.wrapup_timer)
            agent.wrapup_timer = None
        agent.after_call = ""
        self.roster.signal(agent, G.READY)
        self.match()

    def not_ready(self, agent: Agent, reason: str) -> None:
        if agent.state in (S.RESERVED, S.RINGING, S.ON_CALL, S.ON_HOLD, S.OUTBOUND):
            agent.after_call = f"not_ready:{reason}"          # after this call
            return
        if agent.state == S.WRAP_UP:
            self._cancel_timer(agent.wrapup_timer)
            agent.wrapup_timer = None
        self.roster.signal(agent, G.NOT_READY, reason=reason)

    def logout(self, agent: Agent, force: bool = False) -> None:
        if agent.state in (S.ON_CALL, S.ON_HOLD, S.OUTBOUND) or (agent.state in (S.RESERVED, S.RINGING)
                                                                 and not force):
            agent.after_call = "logout"                       # when the call ends
            return
        if agent.state in (S.RESERVED, S.RINGING) and agent.call and agent.call.caller:
            self._stop_ringing(agent, agent.call.caller)
        self._cancel_timer(agent.wrapup_timer)
        agent.wrapup_timer = None
        agent.after_call = ""
        self.roster.signal(agent, G.FORCE_LOGOUT if force else G.LOGOUT)

    def wrapup_end(self, agent: Agent, code: str = "", note: str = "") -> None:
        if agent.state != S.WRAP_UP:
            raise AgentStateError(f"agent {agent.number} is {agent.state.value}, not wrapping up")
        self._cancel_timer(agent.wrapup_timer)
        self._wrapup_over(agent)

    def status(self) -> dict[str, Any]:
        queues = []
        for name, q in self.dispatcher.queues.items():
            waiting = self.dispatcher.waiting(name)
            queues.append({"queue": name, "waiting": len(waiting),
                           "longest_wait_ms": max((self.now_ms - c.entered_ms for c in waiting), default=0),
                           "ready": len(q.index), "callers": [{"call_id": c.call_id, "caller": c.number,
                                                                "position": i + 1, "priority": c.priority,
                                                                "wait_ms": self.now_ms - c.entered_ms}
                                                               for i, c in enumerate(waiting[:50])]})
        return {"time_ms": self.now_ms, "queues": queues,
                "agents": [self.roster.describe(a) for a in self.roster.agents.values()]}
