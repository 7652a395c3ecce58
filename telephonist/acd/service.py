"""The ACD as a chand application: callers handed to `queue:NAME` wait, agents' phones ring, calls connect.

chand hands a caller over (an IVR's transfer to a queue, or a route straight to one); the ACD answers
it if needed, plays the queue's music, and puts it in the dispatcher's waiting list. When the
dispatcher pairs it with agents, their phones are rung (dial by extension on [acd] agents_trunk_group,
the caller's number on the display); the first to answer is bridged to the caller and the others stop
ringing. A phone that does not answer (or cannot ring) makes its agent not ready "missed" and puts the
caller back where it was. When the call ends the agent wraps up for the queue's wrap-up time.

The service is the wiring, the clock and the routing of chand's events; the work is in three parts:
waiting.py (callers in queues), ringing.py (agents' phones for a caller), desk.py (agents between and
after calls). Every wait of the ACD's (wrap-up, a caller's longest wait, the next announcement, a
sticky agent) is a chand timer on the engine clock. Desktops and supervisors talk to it through chand's
request/respond to the application "queue" (requests.py); what changes is published on the topic "queue".
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import time
from datetime import datetime, timezone
from typing import Any

from telephonist.acd.agent_calls import AgentCalls, new_message_log
from telephonist.acd.callback import CallBacks
from telephonist.acd.chatdesk import ChatDesk
from telephonist.acd.controls import CallControls
from telephonist.acd.desk import Desk
from telephonist.acd.dispatcher import Dispatcher
from telephonist.acd.ivr_step import IvrStep, IvrSteps
from telephonist.acd.lines import AgentLines
from telephonist.acd.model import AgentCall, AgentLine, Caller, CallerState, Leg
from telephonist.acd.recovery import Recovery
from telephonist.acd.ringing import Ringing
from telephonist.acd.rooms import AgentRooms
from telephonist.acd.roster import Roster
from telephonist.acd.store import AcdStore
from telephonist.acd.waiting import WaitingRoom
from telephonist.acd.webcallback import WebCallbacks
from telephonist.client import ApiCallError, Client
from telephonist.config.model import Config

log = logging.getLogger("telephonist.acd")
TOPIC = "queue"                  # what the ACD publishes under (its application name)


class AcdService(WaitingRoom, Ringing, CallBacks, WebCallbacks, Desk, AgentLines, AgentCalls, CallControls, IvrSteps,
                 Recovery, ChatDesk, AgentRooms):
    def __init__(self, client: Client, cfg: Config, store: AcdStore, rng=None) -> None:
        self.c = client
        self.cfg = cfg
        self.acd = cfg.acd
        self.queues = {q.name: q for q in cfg.queues}
        self.store = store
        self.reloader = None                          # cli.Reloader: the `reload` request (None: not offered)
        self.now_ms = 0                               # the engine clock, as the last event said
        self.epoch_ms = time.time() * 1000.0          # the wall time engine time 0 stands for (set at start)
        self.dispatcher = Dispatcher(list(cfg.queues), rng=rng)
        self.roster = Roster(cfg.agents, self.dispatcher, store, self.publish, lambda: self.now_ms, self.wall,
                             self._wrapup_ended)
        self.callers: dict[str, Caller] = {}          # call id -> caller in a queue (waiting, offered, connected)
        self.returning: dict[str, dict[str, Any]] = {}   # call id -> its waiting row, while chand gives it back
        self.by_chan: dict[str, Caller | AgentCall | Leg] = {}
        self.ivr_steps: dict[str, IvrStep] = {}      # step token -> a customer lent to an IVR flow (ivr_step.py)
        self.lines: dict[str, AgentLine] = {}         # chand channel -> an agent's persistent line (lines.py)
        self.messages = new_message_log()             # the last short messages between agents (agent_calls.py)
        self.timers: dict[int, tuple[str, str]] = {}  # chand timer -> (what, whose)
        self._seq = itertools.count(1)
        self.handle_s: dict[str, float] = {}          # queue -> average handling time (moving average)
        self.tasks: set[asyncio.Task] = set()
        self.init_chats()                             # the web chats' queues (chatdesk.py)
        self.init_web_callbacks()                     # the website's call-back requests (webcallback.py)
        for kind in ("offer", "answered", "dial_failed", "hangup", "ended", "unbridged", "timer", "dtmf",
                     "play_done", "collect_done", "request"):
            client.on(kind, self._timed(getattr(self, f"_on_{kind}", None)))

    async def start(self) -> None:
        status = await self.c.call("status")
        self.now_ms = status["time_ms"]
        self.epoch_ms = time.time() * 1000.0 - self.now_ms
        self.roster.restore(await asyncio.to_thread(self.store.agents))
        self._seq = itertools.count(await asyncio.to_thread(self.store.last_seq) + 1)
        self.restore_waiting(await asyncio.to_thread(self.store.waiting))
        await self.rearm_retries()
        self._settle_agents(status)
        await self.restore_chats()
        await self.reclaim()
        await self.c.call("subscribe", lines=False)
        self.match()

    def match(self) -> None:
        """Callers to agents' phones first (an agent rung for a call takes no chat), then chats to desktops."""
        Ringing.match(self)
        self.match_chats()

    def _timed(self, handler):
        """The handler, after the ACD's clock has taken the event's engine time."""
        async def run(ev: dict[str, Any]) -> None:
            if isinstance(ev.get("time_ms"), int) and ev["time_ms"] > self.now_ms:
                self.now_ms = ev["time_ms"]
            if handler is not None:
                await handler(ev)
        return run

    def wall(self, ms: int | None = None) -> datetime:
        """The time an engine time stands for (now by default): what the ACD writes in its tables, so that
        waits and durations in the reports agree with the engine's clock, also on a simulated one."""
        return datetime.fromtimestamp((self.epoch_ms + (self.now_ms if ms is None else ms)) / 1000.0, timezone.utc)

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

    async def _on_hangup(self, ev: dict[str, Any]) -> None:
        """The far end hung up: a caller (waiting, offered or talking), an agent's phone, another leg."""
        await self._gone(self.by_chan.get(ev["chan"]))
        self._line_gone(ev["chan"])

    async def _on_ended(self, ev: dict[str, Any]) -> None:
        await self._gone(self.by_chan.pop(ev["chan"], None))
        self._line_gone(ev["chan"])

    async def _on_dtmf(self, ev: dict[str, Any]) -> None:
        line = self.lines.get(ev["chan"])
        if line is not None:
            await self._line_key(line, ev.get("digit"))
        else:
            await self._callback_key(ev)

    async def _gone(self, who) -> None:
        if isinstance(who, Caller):
            await self._caller_gone(who)
        elif isinstance(who, AgentCall):
            await self._agent_leg_gone(who)
        elif isinstance(who, Leg):
            await self._leg_gone(who)

    async def _on_unbridged(self, ev: dict[str, Any]) -> None:
        """The other side of a bridge left: hang up the one left (an agent's phone, a supervisor's; a caller
        whose agent hung up goes to the queue's survey, if it has one)."""
        who = self.by_chan.get(ev["chan"])
        if isinstance(who, AgentCall) and self.step_of(who) is not None:
            return                                          # its customer went to an IVR step: the agent waits
        if isinstance(who, AgentCall) and who.room is not None or isinstance(who, Leg) and who.kind == "room":
            return                                          # agent and customer went into a conference room
        if isinstance(who, AgentCall):
            await self._end_agent_leg(who)                  # the caller left: the agent's call is over
        elif isinstance(who, Caller) and who.state == CallerState.CONNECTED:
            agent = self.roster.agents.get(who.offered_to[0]) if who.offered_to else None
            if agent is not None and agent.call is not None and agent.call.caller is who:
                await self._stop_recording(agent.call)           # before the customer leaves for the survey
            queue = self.queues[who.queue]
            self.by_chan.pop(who.chan, None)
            self.callers.pop(who.call_id, None)
            self._spawn(self.store.call_update(who.row, ended_at=self.wall()))
            if queue.survey:
                await self._quietly(self.c.call("handoff", chan=who.chan, app=queue.survey, reason="survey",
                                                data={**who.data, "queue": queue.name}))
            else:
                await self._quietly(self.c.call("hangup", chan=who.chan))
        elif isinstance(who, Leg) and ev["chan"] in self.lines:
            await self._hang_up_agent_side(ev["chan"])      # a consulted agent's persistent line stays open
        elif isinstance(who, Leg):
            await self._leg_gone(who)
            await self._quietly(self.c.call("hangup", chan=ev["chan"]))

    async def _on_timer(self, ev: dict[str, Any]) -> None:
        what, whose = self.timers.pop(ev["timer"], (None, None))
        if what == "wrapup":
            agent = self.roster.agents.get(whose)
            if agent is not None and agent.wrapup_timer == ev["timer"]:
                self._wrapup_over(agent)
        elif what == "timeout":
            caller = self.callers.get(whose)
            if caller is not None and caller.state == CallerState.WAITING and caller.timeout_timer == ev["timer"]:
                await self._leave(caller, "timeout", self._timeout_target(caller))
        elif what == "announce":
            caller = self.callers.get(whose)
            if caller is not None and caller.state == CallerState.WAITING and caller.announce_timer == ev["timer"]:
                await self._announce(caller)
        elif what == "cboffer":
            caller = self.callers.get(whose)
            if caller is not None and caller.state == CallerState.WAITING and caller.chan:
                await self._offer_callback(caller)
        elif what == "cbretry":
            caller = self.callers.get(whose)
            if caller is not None:
                await self._retry_due(caller)
        elif what == "sticky":
            caller = self.callers.get(whose)
            if caller is not None:
                self.dispatcher.release_sticky(caller, self.now_ms)
                self.match()
        elif what == "chat_offer":
            await self.chat_offer_over(whose, ev["timer"])
        elif what == "line_offer":
            agent = self.roster.agents.get(whose)
            if agent is not None:
                await self._line_no_answer(agent, ev["timer"])
        elif what == "progress":
            caller = self.callers.get(whose)
            if caller is not None and caller.state == CallerState.OFFERED:
                queue = self.queues[caller.queue]
                for agent in self.dispatcher.more_agents(caller, self.now_ms):
                    self._ring(caller, agent)
                await self._timer(queue.progressive_step_s * 1000, "progress", caller.call_id)

    def status(self) -> dict[str, Any]:
        queues = []
        for name, q in self.dispatcher.queues.items():
            waiting = self.dispatcher.waiting(name)
            queues.append({"queue": name, "waiting": len(waiting),
                           "longest_wait_ms": max((self.now_ms - c.entered_ms for c in waiting), default=0),
                           "ready": len(q.index), "callers": [{"call_id": c.call_id, "caller": c.number,
                                                                "position": i + 1, "priority": c.priority,
                                                                "wait_ms": self.now_ms - c.entered_ms,
                                                                "callback": c.chan is None,
                                                                "web": "web_callback" in c.data}
                                                               for i, c in enumerate(waiting[:50])]})
        return {"time_ms": self.now_ms, "queues": queues,
                "agents": [self.roster.describe(a) for a in self.roster.agents.values()],
                "messages": list(self.messages)[-50:],
                "chats": [{**c.describe(), "position": self.chats.position(c)}
                          for c in sorted(self.chats.chats.values(), key=lambda c: c.seq)[:200]]}
