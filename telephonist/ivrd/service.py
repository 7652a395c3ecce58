"""ivrd on chand's control API: each offered call runs through a flow in a task of its own.

Which flow: the route's target ("ivr:insurance" offers with target
"insurance"), else the flow that claims the dialled number, else
[ivrd] default_flow. A handoff back to ivrd may carry {"flow", "node",
"vars"} in its data (an agent's queue sends the caller to the survey).
Reload swaps the flow set for new calls; calls in progress finish on the
flows they started with.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

from telephonist.client import ApiCallError, Client
from telephonist.ivrd.call import Call, CallerHungUp, FlowRuntimeError
from telephonist.ivrd.flow_model import Flow, FlowSet
from telephonist.ivrd.runner import fallback_or_back, run_call
from telephonist.ivrd.services import IvrServices

log = logging.getLogger("telephonist.ivrd")

CALL_EVENTS = ("answered", "play_done", "collect_done", "record_done", "dtmf", "dtmf_sent", "hangup", "ended",
               "transferred", "fax_page", "fax_done", "tone", "voice", "error", "unbridged")


class IvrService:
    def __init__(self, client: Client, services: IvrServices, flows: FlowSet) -> None:
        self.c = client
        self.services = services
        self.flows = flows
        self.calls: dict[str, Call] = {}
        self.ended: dict[str, Call] = {}        # call id -> a call chand ended whose flow still runs
        self.tasks: set[asyncio.Task] = set()
        self.on_call_done: Callable[[Call], None] | None = None     # flow test and tests look at the call
        self.clock_for_next_call: datetime | None = None             # flow test: the next call's time of day
        client.keep_events = False            # a long-running daemon: calls keep their own history
        client.on("offer", self._offer)
        for kind in CALL_EVENTS:
            client.on(kind, self._event)
        from telephonist.ivrd.voicemail import message_waiting_of
        message_waiting_of(services).attach(client)     # phones show their boxes' unheard messages

    def apply(self, flows: FlowSet) -> None:
        """New calls use these flows; calls in progress keep theirs."""
        self.flows = flows
        log.info("event=ivr_flows_applied flows=%s", ",".join(sorted(flows.flows)))

    def choose_flow(self, ev: dict[str, Any]) -> Flow | None:
        data = ev.get("data") or {}
        target = ev.get("target") or ""
        if target.startswith("conf:") and not data.get("flow"):     # a route to a conference room
            from telephonist.ivrd.nodes.conference import conference_flow
            return conference_flow(target)
        for name in (data.get("flow"), ev.get("target")):
            if name and name in self.flows.flows:
                return self.flows.flows[name]
        return self.flows.for_number(ev.get("dialled") or "") or \
            self.flows.flows.get(self.services.settings.default_flow)

    async def _offer(self, ev: dict[str, Any]) -> None:
        chan = ev["chan"]
        flow = self.choose_flow(ev)
        settings = self.services.settings
        data = ev.get("data") or {}
        lang = data.get("language") or (flow.language if flow else "") or settings.default_language
        call = Call(client=self.c, chan=chan, call_id=ev.get("call_id") or chan, caller=ev.get("caller") or "",
                    dialled=ev.get("dialled") or "", flow=flow or _NO_FLOW, services=self.services, lang=lang)
        call._flows = self.flows.flows
        if self.clock_for_next_call is not None:
            fixed = self.clock_for_next_call
            if fixed.tzinfo is None:
                fixed = fixed.replace(tzinfo=ZoneInfo(self.services.time_zone))
            call.clock = lambda: fixed
            self.clock_for_next_call = None
        call.vars.update((data.get("ivr") or {}).get("vars") or {})
        call.vars.update({k: v for k, v in data.items() if k not in ("ivr", "flow", "node")
                          and isinstance(v, (str, int, float, bool))})
        call.vars["flow"] = call.flow.name
        ret = data.get("return")
        if isinstance(ret, dict) and isinstance(ret.get("app"), str) and isinstance(ret.get("step"), str):
            call.returns_to = {"app": ret["app"], "step": ret["step"]}        # an agent's IVR step
        self.calls[chan] = call
        task = asyncio.get_running_loop().create_task(self._run(call, ev, data.get("node")))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        await call.reacted()            # the session written and the call answered before the offer's ack

    async def _run(self, call: Call, offer: dict[str, Any], node: str | None) -> None:
        session_id = None
        try:
            session_id = await asyncio.to_thread(self.services.steps.session_started, dict(
                call_id=call.call_id, chan=call.chan, flow=call.flow.name, caller=call.caller,
                dialled=call.dialled, language=call.lang, started_at=datetime.now(timezone.utc)))
            if call.flow is _NO_FLOW:
                log.error("event=ivr_no_flow chan=%s dialled=%s target=%s", call.chan, call.dialled,
                          offer.get("target"))
                if offer.get("state") != "up":
                    await call.answer()
                await fallback_or_back(call, "no such flow")
                return
            if offer.get("state") != "up":
                await call.answer()
            if node and node not in call.flow.nodes:
                raise FlowRuntimeError(f"handoff names node {node!r}, which flow {call.flow.name!r} has not")
            await run_call(call, node)
        except CallerHungUp:
            call.end("abandoned", "before the flow started")
        except FlowRuntimeError as exc:
            log.error("event=ivr_call_failed chan=%s error=%s", call.chan, exc)
            await fallback_or_back(call, str(exc))
        except Exception:
            log.exception("event=ivr_call_crashed chan=%s", call.chan)
            await fallback_or_back(call, "ivrd failed")
        finally:
            # The session's end is written and published before the flow counts as done: the event the flow
            # last reacted to (a play's end, the hang-up) is acknowledged after it, so that on a lockstep clock
            # the subscribers (the dialer) hear of the end at the engine time it came.
            try:
                if session_id is not None:
                    try:
                        await asyncio.to_thread(self.services.steps.session_ended, session_id,
                                                call.outcome or "abandoned", call.outcome_detail, call.lang)
                    except Exception:
                        log.exception("event=ivr_session_not_saved chan=%s", call.chan)
                self.ended.pop(call.call_id, None)
                if call.returns_to is not None and call.outcome != "returned":
                    await self._step_not_back(call)
                await self._publish_done(call)
            finally:
                call.mark_finished()
            if self.on_call_done is not None:
                self.on_call_done(call)
            log.info("event=ivr_call_done chan=%s call=%s flow=%s outcome=%s detail=%s steps=%d", call.chan,
                     call.call_id, call.flow.name, call.outcome, call.outcome_detail, call.steps)

    async def _step_not_back(self, call: Call) -> None:
        """An agent's IVR step whose caller did not go back (hung up, or the flow ended the call): its agent's
        application must know, or the agent would wait for ever."""
        try:
            await self.c.request(call.returns_to["app"], {
                "action": "ivr_step_ended", "step": call.returns_to["step"], "outcome": call.outcome or "abandoned"})
        except (ApiCallError, ConnectionError) as exc:
            log.warning("event=ivr_step_end_not_told call=%s error=%s", call.call_id, exc)

    async def _publish_done(self, call: Call) -> None:
        """Tell who subscribes to ivrd's topic how a call's flow ended and the variables it set (the dialer
        puts a campaign call's `result` on its record); written to ivr_sessions first, so nothing is lost
        when nobody listens."""
        try:
            await self.c.call("publish", topic=self.c.app, event={
                "kind": "session_ended", "call_id": call.call_id, "flow": call.flow.name,
                "outcome": call.outcome or "abandoned", "vars": call.ivr_summary()["vars"]})
        except (ApiCallError, ConnectionError) as exc:
            log.info("event=ivr_publish_refused call=%s error=%s", call.call_id, exc)

    async def _event(self, ev: dict[str, Any]) -> None:
        call = self.calls.get(ev.get("chan", ""))
        if ev.get("call_id") and (call is None or call.call_id != ev["call_id"]):
            call = self.ended.get(ev["call_id"])     # what comes after the end (a recording's record_done)
        if call is None:
            return
        if ev["event"] == "ended" and self.calls.get(ev["chan"]) is call:
            del self.calls[ev["chan"]]
            self.ended[call.call_id] = call          # until its flow is done with it
        await call.deliver(ev)


_NO_FLOW = Flow(name="(none)", file="", start="", nodes={})
