"""The dialer as a chand application: running campaigns' records dialled inside their windows, answered
calls handed to an IVR flow (agentless) or to an ACD queue (progressive), outcomes on the records.

A pass (`pump`) runs at start, after every attempt's end, when an agent of a queue becomes ready, on a
`poke` request (the console after an edit) and on a chand timer set for the next record due or the
next window opening (at most `tick_s` away, so an edit or an import is seen even without a poke). Each pass
reads the campaigns and strategies again (an edit applies to the next dial), asks `pacing.calls_to_place`
how many to place, claims that many records in the database (committed) and only then dials, with chand
call id "dl-<attempt>": whatever the moment a dialer dies, the restart (restart.py) finds each claimed
attempt and settles it from chand's call records and ivrd's sessions, never dialling it again.

Every pass runs in the handler of a chand event, where a lockstep engine clock stands still, and no handler
may take long: chand drops an application that leaves an event unacknowledged for app_timeout_ms (2 s),
hanging up its calls. So passes are serialised without a handler waiting behind another's: a pass asked for
while one runs is one more pass of the handler running it (one for all that asked meanwhile); beyond
PASSES_PER_EVENT passes, or DIALS_PER_PASS dials, the rest is the handler's of a chand timer 1 ms away. The
start's work runs the same way, in steps, each in a timer event's handler: finding the attempts a stopped
dialer left open, settling them restart.BATCH at a time, then the first pass (the passes events ask for
meanwhile wait for it).

A predictive campaign (predictive.py, measure.py) dials ahead of its agents; the answered customer no agent
takes within the campaign's wait limit is handed back by the ACD and hears the abandoned-call message
(abandon.py).

Time is the engine's: `now()` is the wall time the engine time stands for (`origin` + engine ms), so a
simulated clock runs the windows and the intervals as fast as the calls.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telephonist.client import ApiCallError, Client
from telephonist.dialer.abandon import ABANDON_TARGET, AbandonedCalls, Waiting
from telephonist.dialer.attempt import AttemptState, BadTransition, advance
from telephonist.dialer.latency import Latency
from telephonist.dialer.measure import AgentCycles, CampaignMeasures
from telephonist.dialer.pacing import PaceInputs, calls_to_place
from telephonist.dialer.predictive import PredictiveInputs, decide
from telephonist.dialer.restart import BATCH, DO_NOT_CALL_RESULTS, left_open, outcome_of, settle
from telephonist.dialer.store import MEDIA, Campaign, Claim, DialerStore, attempt_of
from telephonist.dialer.strategy import may_call, next_opening

log = logging.getLogger("telephonist.dialer")
APP = "dialer"
RING_MS = 30_000                  # how long a customer's phone rings before it counts as no answer
LINES_BUSY_RETRY_MS = 2_000      # every line of the trunk group taken (by other calls): look again this soon
CLEARING_RETRY_MS = 100           # ... one of them clearing after a call: it is free in a moment
IN_FLOW_FOR_MS = 600_000          # agentless: a call in its flow counts against its campaign's batch this long at most
HANDED_FOR_MS = 60_000            # progressive: an answered call handed to the queue holds an agent this long at most
AGENT_CAMPAIGNS = ("progressive", "predictive")    # modes whose answered calls go to an ACD queue
AGENT_BUSY = AgentCycles.BUSY
PASSES_PER_EVENT = 2              # passes one event's handler runs at most (its own, one for those asked meanwhile)
DIALS_PER_PASS = 32               # dials one pass places at most: more go out in the next pass, a timer away


@dataclass
class Live:
    """An attempt this dialer has out."""
    claim: Claim
    campaign: Campaign
    state: AttemptState
    chan: str = ""
    detecting: bool = False         # answered; answering-machine detection runs before the hand-off
    dialled_ms: int = 0             # engine ms chand was asked to dial
    answered_ms: int | None = None  # engine ms the customer answered


class DialerService(AbandonedCalls):
    def __init__(self, client: Client, store: DialerStore, origin: datetime | None = None, tick_s: int = 60,
                 ivr_app: str = "ivr", queue_app: str = "queue", starts_at: datetime | None = None) -> None:
        """origin: the wall time engine time 0 stands for; starts_at: the wall time the start stands for (a
        simulated clock's day and hour); neither: the wall clock at the start."""
        self.c = client
        self.store = store
        self.origin = origin
        self.starts_at = starts_at
        self.tick_ms = tick_s * 1000
        self.ivr_app, self.queue_app = ivr_app, queue_app
        self.now_ms = 0
        self.live: dict[int, Live] = {}                # attempt id -> what is out
        self.handed: dict[str, int] = {}               # progressive: call id -> engine ms it went to the queue
        self.waiting: dict[str, Waiting] = {}           # predictive: call id -> answered, with no agent yet
        self.abandoning: dict[str, str] = {}            # chan -> playback of the abandoned-call message
        self.measures: dict[int, CampaignMeasures] = {}  # campaign id -> what it measured of itself
        self.cycles = AgentCycles()                     # how long a call takes an agent, per queue
        self.latency = Latency()                        # pass times, line free to dial per campaign (latency.py)
        self.in_flow: dict[int, tuple[int, int]] = {}   # agentless: attempt id -> (campaign, engine ms), in its flow
        self.timer: int | None = None
        self.passes = 0
        self.started = asyncio.Event()     # set once the start's reconcile and first pass are done
        self.started_ms: int | None = None  # the engine ms of the start's first pass
        self.pass_wanted = False           # a pass asked for while one runs (or before the start's)
        self.to_settle: list[dict[str, Any]] | None = None   # the start's: attempts a stopped dialer left open
        self.lock = asyncio.Lock()
        for kind in ("answered", "amd", "dial_failed", "ended", "timer", "published", "offer", "play_done"):
            client.on(kind, getattr(self, f"_on_{kind}"))
        client.serve_requests(self._on_request)

    # ---- clock ----------------------------------------------------------------------------------------
    def _clock(self, ms: Any) -> None:
        if isinstance(ms, int) and ms > self.now_ms:
            self.now_ms = ms

    def now(self) -> datetime:
        assert self.origin is not None
        return self.origin + timedelta(milliseconds=self.now_ms)

    # ---- start and restart -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Settle what a stopped dialer left open (restart.py), then the first pass: in steps, each in the
        handler of a chand timer event (`_restart_step`), so that no event waits long for its acknowledgement
        however many attempts were left open, and a lockstep engine clock stands still while each step works.
        Returns once the first pass is done."""
        status = await self.c.call("status")
        self._clock(status["time_ms"])
        if self.origin is None:
            self.origin = (self.starts_at or datetime.now(UTC)) - timedelta(milliseconds=self.now_ms)
        await self.c.call("subscribe", lines=False, topics=[self.ivr_app, self.queue_app])
        await self._set_timer(1)
        await self.started.wait()

    async def _restart_step(self) -> None:
        """One step of the start's work: finding the attempts left open, a batch of them settled, or, none
        left, the first pass. The next step is a timer event 1 ms away; the events that come between are
        handled as usual (the passes they ask for follow the first)."""
        async with self.lock:
            if self.to_settle is None or self.to_settle:
                try:
                    if self.to_settle is None:
                        self.to_settle = await asyncio.to_thread(left_open, self.store)
                        log.info("event=dialer_restart left_open=%d now=%s", len(self.to_settle),
                                 self.now().isoformat())
                    else:
                        batch = self.to_settle[:BATCH]
                        await asyncio.to_thread(settle, self.store, batch, self.now())
                        del self.to_settle[:len(batch)]
                except Exception:                      # the database: this step again a little later
                    log.exception("event=dialer_restart_step_failed")
                    await self._set_timer(LINES_BUSY_RETRY_MS)
                    return
                await self._set_timer(1)
                return
            self.pass_wanted = False
            await self._logged_pass("start")
            self.started_ms = self.now_ms
            self.started.set()
            await self._more_later()           # dials left over, or passes asked for meanwhile

    # ---- the pass ---------------------------------------------------------------------------------------
    async def pump(self, why: str) -> None:
        """A pass for what just changed. A pass already running runs one more instead (before the start's
        first pass: that one does), so that this handler acknowledges its event at once rather than wait its
        turn."""
        self.pass_wanted = True
        if not self.started.is_set() or self.lock.locked():
            return
        async with self.lock:
            for _ in range(PASSES_PER_EVENT):
                if not self.pass_wanted:
                    return
                self.pass_wanted = False
                await self._logged_pass(why)
                why = "asked_meanwhile"
            await self._more_later()

    async def _more_later(self) -> None:
        """A pass still wanted (asked for meanwhile, or dials left over): in a timer's handler, 1 ms away."""
        if not self.pass_wanted:
            return
        self.pass_wanted = False
        try:
            await self._set_timer(1)
        except (ApiCallError, ConnectionError) as exc:
            log.warning("event=dialer_pass_failed error=%s", exc)

    async def _logged_pass(self, why: str) -> None:
        log.debug("event=dialer_pass why=%s", why)
        started = time.perf_counter()
        try:
            await self._pass()
        except (ApiCallError, ConnectionError) as exc:
            log.warning("event=dialer_pass_failed error=%s", exc)
        self.latency.pass_took(started)

    async def _pass(self) -> None:
        self.passes += 1
        status = await self.c.call("status")
        self._clock(status["time_ms"])
        self.latency.stamp(self.now_ms)
        free, clearing = _free_lines(status), _clearing_lines(status)
        campaigns = await asyncio.to_thread(self.store.campaigns, ["running"])
        campaigns = [c for c in campaigns if c.mode not in MEDIA]       # dialer/media sends those
        agents = await self._agents() if any(c.mode in AGENT_CAMPAIGNS for c in campaigns) else {}
        ready = {q: r for q, (r, _) in agents.items()}
        now = self.now()
        wake = now + timedelta(milliseconds=self.tick_ms)
        for key in [k for k, ms in self.handed.items() if self.now_ms - ms > HANDED_FOR_MS]:
            del self.handed[key]                       # a customer who left the queue before an agent took it
        for key in [k for k, (_, ms) in self.in_flow.items() if self.now_ms - ms > IN_FLOW_FOR_MS]:
            del self.in_flow[key]                      # a flow whose end never came (ivrd restarted)
        flowing: dict[int, int] = {}
        for cid, _ in self.in_flow.values():
            flowing[cid] = flowing.get(cid, 0) + 1
        dials_left = DIALS_PER_PASS
        for camp in campaigns:
            if camp.mode == "preview":                 # its agents dial (preview.py): here it only finishes
                if not (await asyncio.to_thread(self.store.next_due, camp.id))[2]:
                    await self._finished(camp)
                continue
            out = sum(1 for lv in self.live.values() if lv.campaign.id == camp.id)
            handed = sum(1 for cid in self.handed if cid.startswith(f"c{camp.id}:"))
            if out and out + handed + flowing.get(camp.id, 0) >= camp.strategy.batch:
                continue        # its batch is out: nothing to place, and the end of one of its calls brings a pass
            if camp.mode == "predictive":
                n = await self._predictive(camp, out, handed, free.get(camp.trunk_group, 0), agents)
            else:
                n = calls_to_place(PaceInputs(camp.name, camp.mode, camp.strategy.batch, out,
                                              free.get(camp.trunk_group, 0), ready.get(camp.target, 0), handed))
            capped = n > dials_left
            n = min(n, dials_left)
            claims = await asyncio.to_thread(self.store.claim, camp, now, n,
                                             functools.partial(may_call, camp.strategy, when=now))
            dials_left -= len(claims)
            if len(claims) < n:                        # nothing more of it due: its freed lines wait for nothing
                self.latency.nothing_due(camp.id)
            if capped and len(claims) == n:
                self.pass_wanted = True                # more may be due: the next pass (_more_later) dials them
            for claim in claims:
                free[camp.trunk_group] = free.get(camp.trunk_group, 0) - 1
                if not await self._dial(camp, claim):  # chand refused it (no line after all): try again soon
                    wake = min(wake, now + timedelta(milliseconds=LINES_BUSY_RETRY_MS))
            if free.get(camp.trunk_group, 0) <= 0 and out + len(claims) < camp.strategy.batch:
                soon = CLEARING_RETRY_MS if clearing.get(camp.trunk_group) else LINES_BUSY_RETRY_MS
                wake = min(wake, now + timedelta(milliseconds=soon))     # lines held by others, or clearing
            due, types, unfinished = await asyncio.to_thread(self.store.next_due, camp.id)
            log.debug("event=dialer_due campaign=%s due=%s types=%s unfinished=%s", camp.name, due, types, unfinished)
            if not unfinished and out == 0 and not claims:
                await self._finished(camp)
                continue
            for ctype in types:
                opening = next_opening(camp.strategy, ctype, max(now, due or now))
                if opening is not None and opening > now:
                    wake = min(wake, opening)
            if due is not None and due > now:
                wake = min(wake, due)
        in_ms = max(1, int((wake - now).total_seconds() * 1000))
        log.debug("event=dialer_next_pass now=%s in_ms=%d", now.isoformat(), in_ms)
        await self._set_timer(in_ms)

    async def _finished(self, camp: Campaign) -> None:
        """No record left to dial or out, no answered call waiting for its result."""
        await asyncio.to_thread(self.store.set_state, camp.id, "finished")
        log.info("event=dialer_campaign_finished campaign=%s", camp.name)
        await self._publish("campaign_finished", campaign=camp.name)

    async def _set_timer(self, ms: int) -> None:
        if self.timer is not None:
            try:
                await self.c.call("timer_cancel", timer=self.timer)
            except ApiCallError:
                pass
        self.timer = (await self.c.call("timer", ms=min(ms, 86_400_000), key="dialer:pass"))["timer"]

    async def _agents(self) -> dict[str, tuple[int, int]]:
        """(ready, busy: on a call or wrapping up) agents per queue, as the ACD says (none when it does not
        answer)."""
        try:
            st = await self.c.request(self.queue_app, {"action": "status"})
        except ApiCallError as exc:
            log.info("event=dialer_acd_unavailable error=%s", exc)
            return {}
        count: dict[str, tuple[int, int]] = {}
        for agent in st.get("agents", []):
            state = agent.get("state")
            for q in agent.get("queues", []):
                r, b = count.get(q, (0, 0))
                count[q] = (r + (state == "ready"), b + (state in AGENT_BUSY))
        return count

    # ---- predictive ------------------------------------------------------------------------------------------
    def _today(self, camp: Campaign) -> date:
        tz = camp.strategy.window("default").time_zone
        return self.now().astimezone(ZoneInfo(tz) if tz else UTC).date()

    async def _measures(self, camp: Campaign) -> CampaignMeasures:
        m = self.measures.get(camp.id)
        if m is None:                                  # first sight: the abandonment so far from the database
            tz = camp.strategy.window("default").time_zone
            m = self.measures[camp.id] = CampaignMeasures()
            m.load_days(await asyncio.to_thread(self.store.answered_by_day, camp.id, self.now() - timedelta(days=31),
                                                ZoneInfo(tz) if tz else UTC))
        return m

    async def _predictive(self, camp: Campaign, out: int, handed: int, free_lines: int,
                          agents: dict[str, tuple[int, int]]) -> int:
        """How many to dial now: predictive.decide() on what the campaign measured (its inputs and its decision
        are logged there, event=dialer_predictive)."""
        m = await self._measures(camp)
        today = self._today(camp)
        m.forget_before(today)
        ready, busy = agents.get(camp.target, (0, 0))
        return decide(PredictiveInputs(
            camp.name, ready_agents=max(0, ready - handed), busy_agents=busy, on_way=out,
            answer_rate=m.answer_rate, connect_s=m.connect_s, handle_s=self.cycles.handle_s(camp.target),
            max_dials=max(0, min(camp.strategy.batch - out, free_lines)),
            abandon_today=m.abandon_rate(today), abandon_30d=m.abandon_rate(today, 30))).dials

    async def _dial(self, camp: Campaign, claim: Claim) -> bool:
        """The claimed attempt dialled; False when chand refused the dial (the attempt is "unplaced")."""
        live = Live(claim, camp, AttemptState.CLAIMED, dialled_ms=self.now_ms)
        self.live[claim.attempt_id] = live
        log.info("event=dialer_dial campaign=%s attempt=%d record=%d number=%s", camp.name, claim.attempt_id,
                 claim.record_id, claim.number)
        try:
            reply = await self.c.call("dial", trunk_group=camp.trunk_group, number=claim.number,
                                      caller_id=camp.caller_id, timeout_ms=RING_MS, call_id=claim.call_id)
        except ApiCallError as exc:
            log.warning("event=dialer_dial_refused attempt=%d error=%s", claim.attempt_id, exc)
            self.live.pop(claim.attempt_id, None)
            advance(claim.attempt_id, live.state, "refused")
            await asyncio.to_thread(self.store.finish, claim.attempt_id, "unplaced", self.now())
            return False
        live.state = advance(claim.attempt_id, live.state, "dial")
        live.chan = reply["chan"]
        self.latency.dialled(camp.id, self.now_ms)
        await asyncio.to_thread(self.store.dialing, claim.attempt_id, live.chan)
        return True

    # ---- chand's events -----------------------------------------------------------------------------------
    def _live(self, ev: dict[str, Any]) -> Live | None:
        self._clock(ev.get("time_ms"))
        aid = attempt_of(ev.get("call_id"))
        return self.live.get(aid) if aid is not None else None

    async def _on_answered(self, ev: dict[str, Any]) -> None:
        live = self._live(ev)
        if live is None:
            return
        live.answered_ms = self.now_ms
        if live.campaign.strategy.amd is not None:      # who answered: a person goes on, a machine is retried
            try:
                await self.c.call("amd", chan=ev["chan"], **live.campaign.strategy.amd)
            except ApiCallError as exc:                 # a setting chand refuses: the campaign's to mend
                log.warning("event=dialer_amd_refused attempt=%d error=%s", live.claim.attempt_id, exc)
                await self._quiet_hangup(ev["chan"])
                await self._ended(live, "fail", "failed")
                return
            live.detecting = True
            return
        await self._hand_on(live, ev["chan"])

    async def _on_amd(self, ev: dict[str, Any]) -> None:
        live = self._live(ev)
        if live is None or not live.detecting:
            return
        live.detecting = False
        log.info("event=dialer_amd campaign=%s attempt=%d result=%s cause=%s", live.campaign.name,
                 live.claim.attempt_id, ev.get("result"), ev.get("cause"))
        if ev.get("result") == "machine":
            await self._quiet_hangup(ev["chan"])
            await self._ended(live, "fail", "machine")
        elif ev.get("result") in ("human", "notsure"):  # not sure: a person may be waiting
            await self._hand_on(live, ev["chan"])

    async def _hand_on(self, live: Live, chan: str) -> None:
        """The answered call to the campaign's flow or queue."""
        camp, claim = live.campaign, live.claim
        data = claim.handoff_data(camp.name)
        if claim.agent and camp.mode != "agentless":    # an appointment: its agent first, then the queue's (ACD)
            data.update(prefer_agent=claim.agent, prefer_wait_s=camp.strategy.appointment_wait_s)
        app = f"ivr:{camp.target}" if camp.mode == "agentless" else f"queue:{camp.target}"
        key = f"c{camp.id}:{claim.call_id}"
        if camp.mode in AGENT_CAMPAIGNS:
            self.handed[key] = self.now_ms
        else:
            self.in_flow[claim.attempt_id] = (camp.id, self.now_ms)    # its line comes free when the flow ends
        if camp.mode == "predictive":   # no agent by the wait limit (from the greeting's end): back to us
            data |= {"wait_limit_ms": camp.strategy.wait_limit_ms, "on_wait_limit": f"app:{self.c.app}:{ABANDON_TARGET}"}
        try:
            await self.c.call("handoff", chan=chan, app=app, reason="campaign", data=data)
        except ApiCallError as exc:                    # the flow's or queue's application is not there
            log.warning("event=dialer_handoff_refused attempt=%d app=%s error=%s", claim.attempt_id, app, exc)
            self.handed.pop(key, None)
            self.in_flow.pop(claim.attempt_id, None)
            await self._quiet_hangup(chan)
            await self._ended(live, "fail", "failed")  # the customer heard nothing: retried as failed
            return
        live.state = advance(claim.attempt_id, live.state, "answer")
        self.live.pop(claim.attempt_id, None)
        m = self.measures.get(camp.id)
        if m is not None:
            m.dial_ended(True, self.now_ms - live.dialled_ms if live.answered_ms is None
                         else live.answered_ms - live.dialled_ms)
            m.answered(self._today(camp))
        await asyncio.to_thread(self.store.answered, claim.attempt_id, self.now())
        if camp.mode == "progressive":
            await self._result(claim.attempt_id, "agent")
        elif camp.mode == "predictive":
            self.waiting[claim.call_id] = Waiting(claim.attempt_id, camp, claim.number)
        await self.pump("answered")

    async def _on_dial_failed(self, ev: dict[str, Any]) -> None:
        live = self._live(ev)
        if live is not None:
            await self._ended(live, "fail", outcome_of(ev.get("disposition", ""), ev.get("cause", "")))

    async def _on_ended(self, ev: dict[str, Any]) -> None:
        live = self._live(ev)
        if live is not None:                           # ended before an answer or a failure was said
            await self._ended(live, "end", "failed")

    async def _ended(self, live: Live, signal: str, outcome: str) -> None:
        try:
            live.state = advance(live.claim.attempt_id, live.state, signal)
        except BadTransition as exc:
            log.info("event=dialer_event_ignored %s", exc)
            return
        self.live.pop(live.claim.attempt_id, None)
        self.latency.line_freed(live.campaign.id, self.now_ms)
        m = self.measures.get(live.campaign.id)
        if m is not None and outcome not in ("unplaced", "lost"):
            m.dial_ended(False)
        state = await asyncio.to_thread(self.store.finish, live.claim.attempt_id, outcome, self.now())
        log.info("event=dialer_outcome campaign=%s attempt=%d number=%s outcome=%s record=%s",
                 live.campaign.name, live.claim.attempt_id, live.claim.number, outcome, state and state.value)
        await self._publish("outcome", campaign=live.campaign.name, attempt=live.claim.attempt_id,
                            number=live.claim.number, outcome=outcome)
        await self.pump("ended")

    async def _on_timer(self, ev: dict[str, Any]) -> None:
        self._clock(ev.get("time_ms"))
        if ev.get("timer") != self.timer:
            return
        self.timer = None
        if self.started.is_set():
            await self.pump("timer")
        else:
            await self._restart_step()

    async def _on_published(self, ev: dict[str, Any]) -> None:
        self._clock(ev.get("time_ms"))
        body = ev.get("body") or {}
        if ev.get("topic") == self.ivr_app and body.get("kind") == "session_ended":
            aid = attempt_of(body.get("call_id"))
            if aid is not None and aid in self.in_flow:
                self.latency.line_freed(self.in_flow.pop(aid)[0], None)    # the event has no engine time
            if aid is not None:
                result = str((body.get("vars") or {}).get("result") or body.get("outcome") or "")
                await self._result(aid, result)
                if (body.get("vars") or {}).get("callback_at"):
                    await self._appointment(aid, str(body["vars"]["callback_at"]))
                await self.pump("result")
        elif ev.get("topic") == self.queue_app and body.get("kind") == "agent_state":
            self.cycles.agent_state(str(body.get("agent")), str(body.get("state")), list(body.get("queues") or []),
                                    self.now_ms)
            for key in [k for k in self.handed if k.endswith(f":{body.get('call_id')}")]:
                del self.handed[key]                   # the answered customer reached an agent
            if body.get("state") == "ready":
                await self.pump("agent_ready")
        elif ev.get("topic") == self.queue_app and body.get("kind") == "call_answered":
            w = self.waiting.pop(str(body.get("call_id")), None)
            if w is not None:                          # predictive: an agent took the answered customer
                await self._result(w.attempt_id, "agent")
        elif ev.get("topic") == self.queue_app and body.get("kind") == "caller_left" \
                and body.get("outcome") == "abandoned":
            for key in [k for k in self.handed if k.endswith(f":{body.get('call_id')}")]:
                del self.handed[key]
            w = self.waiting.pop(str(body.get("call_id")), None)
            if w is not None:                          # predictive: the customer hung up before an agent came
                await self._abandoned(w, "hung_up")

    async def _result(self, attempt_id: int, result: str) -> None:
        await asyncio.to_thread(self.store.result, attempt_id, result, self.now(),
                                result.lower() in DO_NOT_CALL_RESULTS)
        log.info("event=dialer_result attempt=%d result=%s", attempt_id, result)

    async def _appointment(self, attempt_id: int, when: str) -> None:
        """The customer chose a time in the flow: the record is called again then (appointments.py)."""
        from telephonist.dialer.appointments import from_flow
        try:
            at = await asyncio.to_thread(from_flow, self.store, attempt_id, when, self.now())
            log.info("event=dialer_appointment attempt=%d at=%s", attempt_id, at.isoformat())
        except ValueError as exc:
            log.warning("event=dialer_appointment_refused attempt=%d error=%s", attempt_id, exc)

    async def _on_request(self, ev: dict[str, Any]) -> dict[str, Any]:
        action = (ev.get("body") or {}).get("action")
        if action == "poke":
            await self.pump("poke")
            return {"passes": self.passes}
        if action == "status":
            return {"time_ms": self.now_ms, "now": self.now().isoformat(), "passes": self.passes,
                    "pass_ms": self.latency.figures(),
                    "live": [{"attempt": a, "campaign": lv.campaign.name, "number": lv.claim.number,
                              "state": lv.state.value, "chan": lv.chan} for a, lv in self.live.items()]}
        raise ApiCallError("bad_request", "the dialer answers action poke or status")

    async def _publish(self, kind: str, **body: Any) -> None:
        """What the dialer did, to subscribers of its topic (the console, tests)."""
        try:
            await self.c.call("publish", topic=self.c.app, event={"kind": kind, "time_ms": self.now_ms, **body})
        except ApiCallError as exc:
            log.info("event=dialer_publish_refused error=%s", exc)

    async def _quiet_hangup(self, chan: str) -> None:
        try:
            await self.c.call("hangup", chan=chan)
        except ApiCallError:
            pass


def _free_lines(status: dict[str, Any], state: str = "idle") -> dict[str, int]:
    """Idle lines (or lines in another state) per trunk group, from chand's status."""
    idle = {ln["chan"] for ln in status.get("lines", []) if ln.get("state") == state}
    return {g["name"]: sum(1 for ln in g["lines"] if ln in idle) for g in status.get("trunk_groups", [])}


def _clearing_lines(status: dict[str, Any]) -> dict[str, int]:
    """Lines per trunk group settling after a call: idle in a moment."""
    return _free_lines(status, "clearing")
