"""What agent desktops, CRMs, wallboards and supervisors ask the ACD (chand's `request` to the
application "queue").

A request body names its action and arguments: {"action": "ready", "agent": "1001"}. This module checks
them and who asks (a monitor session may only look), then hands them to the service; a refusal is an
error with a code the asker can act on (not_found, wrong_state, bad_request, forbidden).

    status                                  queues (waiting callers, positions, waits) and agents
    stats         from, to, interval_min,   queue and agent statistics per interval (stats.py); from/to ISO
                  queues, agents            times (default: today so far), interval 0: the whole period
    login         agent, extension,         the agent sits at that phone (default: its configured one); on a
                  persistent_line           persistent line (default: its configuration's) the phone rings now
    answer        agent                     accept the call offered on the agent's persistent line
    dial          agent, number, queue      the agent's own call: its phone rings, then the number is dialled with
                  [trunk_group, caller_id,  the queue's caller ID (default: the agent's first queue); a preview
                  call_id, data]            campaign's attempt sets its trunk group, caller ID, chand call id and
                                            the data its customer takes on when transferred (only the console and
                                            the dialer may: VIA_APPS)
    take          agent, call_id            a chosen waiting caller, out of turn (queues with agent_pick = true)
    dtmf          agent, digits             keys to the customer of the agent's call
    message       from, to, text            to agent:N, queue:NAME or all; published as a `message` event
    logout        agent, force              after the current call unless force (a supervisor's)
    ready         agent                     (ends wrap-up early too)
    not_ready     agent, reason             one of [acd] not_ready_reasons; during a call: after it
    wrapup_end    agent, code, note         ends wrap-up now with a disposition code and a note
    wrapup_extend agent, seconds            more time in wrap-up (default 60; an hour at most in all)
    disposition   agent, code, note         the code and note of the current or last call (wrap-up goes on)
    hold, unhold  agent                     the customer hears music / comes back
    hangup        agent                     ends the call (and a consultation)
    transfer      agent, to                 blind: agent:N, queue:NAME, ivr:FLOW[/NODE], number:N, survey
    ivr_step      agent, to                 the customer to ivr:FLOW[/NODE] (a PIN, an ID number) and back to the agent
                                            with the flow's variables (ivr_step_done); the agent waits on hold
    ivr_step_ended  step, outcome           (ivrd) a step's customer did not come back: the agent's call ends
    consult       agent, to                 hold the customer and call agent:N or number:N
    complete_transfer, conference, cancel_consult   agent   after a consult
    pickup        agent, colleague          take the caller ringing at the colleague's phone
    conf_take     agent, room               agent (as leader, no PIN) and customer into conference room conf:ROOM
    conf_invite   agent, number             may the agent invite the number to its room: its room and trunk group
                                            (the console dials and hands the answered call to conf:ROOM)
    conf_mute     agent, chan, muted        a party of the agent's own room only listens / speaks again
    conf_kick     agent, chan               a party of the agent's own room is hung up
    supervise     supervisor, agent, mode   listen | whisper | barge (the supervisor's phone rings)
    record        agent, on                 record on demand (on: true / false)
    force         agent, state, reason      a supervisor sets ready, not_ready or logout
    reload                                  (role admin) read the configuration again: {"applied": true} or
                                            {"applied": false, "errors": ["file:line: ..."]} (the running one stays)

Web chats (chatdesk.py); the visitor's side only from the web console (application webadmin), which speaks for
the visitor once it has checked the visitor's token:
    chat_new      queue, token_hash, visitor,   (console) a visitor's chat joins the chat queue
                  email, phone, customer_id
    chat_status   chat                      (console) its state, place in line, agent
    chat_accept   agent, chat               the agent takes the chat offered to it
    chat_post     chat, text [, agent]      a line: the agent's (holding the chat), or (console, no agent) the visitor's
    chat_end      chat [, agent]            the agent holding it, or (console, no agent) the visitor, closes it
    chats         agent                     the chats the agent holds (offered or active)

The website's call-back requests (webcallback.py), only from the web console, which checked the visitor's address,
rates and token:
    web_callback_new     queue, number, token_hash,   (console) a request joins the queue as a caller with no line
                         visitor, note, customer_id
    web_callback_status  request                      (console) waiting (its place), calling, retry
    web_callback_cancel  request                      (console) the visitor takes it back (not while being called)
"""
from __future__ import annotations

import asyncio
import inspect
from datetime import datetime, timedelta, timezone
from typing import Any

from telephonist.acd.stats import Period

from telephonist.acd.agent_state import AgentStateError
from telephonist.acd.chats import ChatStateError
from telephonist.client import ApiCallError

LOOKING = ("status", "stats")
ADMIN_ONLY = ("reload",)
# A dial's own trunk group, caller ID and chand call id (a preview campaign's attempt) are the console's and the
# dialer's to set: any other application (a CRM's token) could otherwise call out on any trunk with any caller ID.
VIA = ("trunk_group", "caller_id", "call_id")
VIA_APPS = ("webadmin", "dialer")
CHAT_CONSOLE = ("chat_new", "chat_status")     # a visitor's own: only the console, which checked the visitor's token
WEB_CONSOLE = ("web_callback_new", "web_callback_status", "web_callback_cancel")     # the same for a call-back request
MAX_CHAT_TEXT = 2000             # one line of a chat
MAX_BUCKETS = 3000                # intervals one stats request may ask for (a month of quarter hours)


class RequestHandler:
    def __init__(self, service) -> None:
        self.svc = service

    async def __call__(self, ev: dict[str, Any]) -> dict[str, Any]:
        body = ev.get("body") or {}
        action = body.get("action")
        if not isinstance(action, str) or not hasattr(self, f"do_{action}"):
            raise ApiCallError("bad_request", f"unknown action {action!r}")
        if ev.get("role") == "monitor" and action not in LOOKING:
            raise ApiCallError("forbidden", f"{action} needs role app (a monitor may only look)")
        if action in ADMIN_ONLY and ev.get("role") != "admin":
            raise ApiCallError("forbidden", f"{action} needs role admin")
        if action == "ivr_step_ended" and ev.get("from_app") != "ivr":
            raise ApiCallError("forbidden", "only ivrd (application ivr) reports the end of an IVR step")
        if (action in CHAT_CONSOLE or action in ("chat_post", "chat_end") and "agent" not in body) \
                and ev.get("from_app") != "webadmin":
            raise ApiCallError("forbidden", "a visitor's chat is the web console's to speak for")
        if action in WEB_CONSOLE and ev.get("from_app") != "webadmin":
            raise ApiCallError("forbidden", "a website's call-back request is the web console's to speak for")
        if action == "dial" and any(body.get(k) for k in (*VIA, "data")) and ev.get("from_app") not in VIA_APPS:
            raise ApiCallError("forbidden", f"only {' and '.join(VIA_APPS)} may set a dial's {', '.join(VIA)}, data")
        try:
            result = getattr(self, f"do_{action}")(body)
            if inspect.isawaitable(result):
                result = await result
            if action == "reload" and result.get("applied"):
                ev["after_reply"] = self.svc.reloader.apply_accepted      # once the asker has its answer
            return result or {}
        except (AgentStateError, ChatStateError) as exc:
            raise ApiCallError("wrong_state", str(exc)) from exc

    def _agent(self, body: dict[str, Any]):
        number = body.get("agent")
        if not isinstance(number, str) or number not in self.svc.roster.agents:
            raise ApiCallError("not_found", f"no agent {number!r}")
        return self.svc.roster.agents[number]

    @staticmethod
    def _text(body: dict[str, Any], key: str, limit: int = 64, default: str = "") -> str:
        value = body.get(key, default)
        if not isinstance(value, str) or len(value) > limit:
            raise ApiCallError("bad_request", f"'{key}' must be text of at most {limit} characters")
        return value

    async def do_reload(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.svc.reloader is None:
            raise ApiCallError("unavailable", "this ACD runs without a configuration file to read again")
        return await self.svc.reloader.reload(self.svc.cfg, self.svc)

    def do_status(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.svc.status()

    async def do_stats(self, body: dict[str, Any]) -> dict[str, Any]:
        now = self.svc.wall()
        end = self._time(body, "to", now)
        midnight = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)   # local
        start = self._time(body, "from", midnight.astimezone(timezone.utc))
        minutes = body.get("interval_min", self.svc.acd.stats_interval_min)
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 <= minutes <= 1440:
            raise ApiCallError("bad_request", "'interval_min' must be a whole number of minutes from 0 to 1440")
        if end <= start:
            raise ApiCallError("bad_request", "'to' must come after 'from'")
        if minutes and (end - start) / timedelta(minutes=minutes) > MAX_BUCKETS:
            raise ApiCallError("bad_request", f"at most {MAX_BUCKETS} intervals: ask for longer ones or a shorter period")
        queues, agents = self._names(body, "queues"), self._names(body, "agents")
        period = Period(start, end, timedelta(minutes=minutes))
        levels = {q.name: q.service_level_s for q in self.svc.queues.values()}
        result = await asyncio.to_thread(self.svc.store.stats, period, levels, queues, agents, now)
        return {"from": start.isoformat(), "to": end.isoformat(), "interval_min": minutes, **result}

    @staticmethod
    def _time(body: dict[str, Any], key: str, default: datetime) -> datetime:
        value = body.get(key)
        if value is None:
            return default
        try:
            t = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            t = None
        if t is None:
            raise ApiCallError("bad_request", f"'{key}' must be an ISO 8601 time like 2026-12-06T08:00:00+08:00")
        return t.astimezone(timezone.utc)              # a time without a zone is the site's local time

    @staticmethod
    def _names(body: dict[str, Any], key: str) -> list[str] | None:
        value = body.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or len(value) > 2000 or not all(isinstance(v, str) and len(v) <= 64
                                                                      for v in value):
            raise ApiCallError("bad_request", f"'{key}' must list up to 2000 names")
        return value

    def do_disposition(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body)
        self.svc.disposition(agent, self._text(body, "code"), self._text(body, "note", 2000))
        return self.svc.roster.describe(agent)

    def do_login(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body)
        persistent = body.get("persistent_line")
        if persistent is not None and not isinstance(persistent, bool):
            raise ApiCallError("bad_request", "'persistent_line' must be true or false")
        self.svc.login(agent, self._text(body, "extension", 32, agent.extension) or agent.extension, persistent)
        return self.svc.roster.describe(agent)

    async def do_dial(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body)
        queue = self._text(body, "queue", 32) or None
        via = {k: self._text(body, k, 64) for k in VIA}
        return {**await self.svc.dial_out(agent, self._text(body, "number", 32), queue, via, self._data(body)),
                **self.svc.roster.describe(agent)}

    @staticmethod
    def _data(body: dict[str, Any]) -> dict[str, Any]:
        """A dial's handoff data: at most 50 names of text or numbers (a campaign's record), 4,000 characters."""
        data = body.get("data") or {}
        if not isinstance(data, dict) or len(data) > 50 or not all(
                isinstance(k, str) and len(k) <= 64 and isinstance(v, (str, int, float)) and not isinstance(v, bool)
                and len(str(v)) <= 4000 for k, v in data.items()):
            raise ApiCallError("bad_request", "'data' is up to 50 names of text or numbers")
        return data

    async def do_ivr_step(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body)
        return {**await self.svc.ivr_step(agent, self._text(body, "to", 100)), **self.svc.roster.describe(agent)}

    async def do_ivr_step_ended(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.svc.step_ended(self._text(body, "step", 100), self._text(body, "outcome", 64))

    def do_take(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body)
        self.svc.take(agent, self._text(body, "call_id"))
        return self.svc.roster.describe(agent)

    async def do_dtmf(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.svc.send_keys(self._agent(body), self._text(body, "digits", 32))

    def do_message(self, body: dict[str, Any]) -> dict[str, Any]:
        sender = self._text(body, "from", 64)
        if not sender:
            raise ApiCallError("bad_request", "'from' says who writes")
        return self.svc.message(sender, self._text(body, "to", 64), self._text(body, "text", 2000))

    async def do_answer(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body)
        await self.svc.answer(agent)
        return self.svc.roster.describe(agent)

    def do_logout(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body)
        self.svc.logout(agent, force=bool(body.get("force")))
        self.svc.match_chats()                         # a logged-out agent's chats go back to their queues
        return self.svc.roster.describe(agent)

    def do_ready(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body)
        self.svc.ready(agent)
        return self.svc.roster.describe(agent)

    def do_not_ready(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body)
        reason = self._text(body, "reason", 32, "break")
        if reason not in self.svc.acd.not_ready_reasons:
            raise ApiCallError("bad_request", f"reason must be one of {', '.join(self.svc.acd.not_ready_reasons)}")
        self.svc.not_ready(agent, reason)
        return self.svc.roster.describe(agent) | {"after_call": agent.after_call}

    async def do_wrapup_extend(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body)
        seconds = body.get("seconds", 60)
        if not isinstance(seconds, int) or isinstance(seconds, bool) or not 1 <= seconds <= 3600:
            raise ApiCallError("bad_request", "'seconds' must be a whole number from 1 to 3600")
        await self.svc.wrapup_extend(agent, seconds)
        return self.svc.roster.describe(agent)

    def do_wrapup_end(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body)
        self.svc.wrapup_end(agent, self._text(body, "code"), self._text(body, "note", 2000))
        return self.svc.roster.describe(agent)

    # ---- calls in progress -------------------------------------------------------------------------------------
    async def do_hold(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body)
        await self.svc.hold(agent)
        return self.svc.roster.describe(agent)

    async def do_unhold(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body)
        await self.svc.unhold(agent)
        return self.svc.roster.describe(agent)

    async def do_hangup(self, body: dict[str, Any]) -> dict[str, Any]:
        await self.svc.hangup(self._agent(body))
        return {}

    async def do_transfer(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.svc.transfer(self._agent(body), self._text(body, "to", 80))

    async def do_consult(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.svc.consult(self._agent(body), self._text(body, "to", 80))

    async def do_complete_transfer(self, body: dict[str, Any]) -> dict[str, Any]:
        await self.svc.complete_transfer(self._agent(body))
        return {}

    async def do_conference(self, body: dict[str, Any]) -> dict[str, Any]:
        await self.svc.conference(self._agent(body))
        return {}

    async def do_conf_take(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.svc.conf_take(self._agent(body), self._text(body, "room", 32))

    def do_conf_invite(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.svc.conf_invite(self._agent(body), self._text(body, "number", 32))

    async def do_conf_mute(self, body: dict[str, Any]) -> dict[str, Any]:
        muted = body.get("muted", True)
        if not isinstance(muted, bool):
            raise ApiCallError("bad_request", "'muted' must be true or false")
        return await self.svc.conf_mute(self._agent(body), self._text(body, "chan", 64), muted)

    async def do_conf_kick(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.svc.conf_kick(self._agent(body), self._text(body, "chan", 64))

    async def do_cancel_consult(self, body: dict[str, Any]) -> dict[str, Any]:
        await self.svc.cancel_consult(self._agent(body))
        return {}

    def do_pickup(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body)
        self.svc.pickup(agent, self._agent({"agent": body.get("colleague")}))
        return self.svc.roster.describe(agent)

    async def do_supervise(self, body: dict[str, Any]) -> dict[str, Any]:
        mode = self._text(body, "mode", 16, "listen")
        if mode not in ("listen", "whisper", "barge"):
            raise ApiCallError("bad_request", "mode must be listen, whisper or barge")
        return await self.svc.supervise(self._text(body, "supervisor", 32), self._agent(body), mode)

    async def do_record(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.svc.record(self._agent(body), bool(body.get("on", True)))

    def do_force(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body)
        self.svc.force(agent, self._text(body, "state", 16), self._text(body, "reason", 32, "break"))
        self.svc.match_chats()
        return self.svc.roster.describe(agent)

    # ---- web chats (chatdesk.py) ----------------------------------------------------------------------------
    @staticmethod
    def _number_of(body: dict[str, Any], key: str, what: str) -> int:
        value = body.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ApiCallError("bad_request", f"'{key}' is {what}")
        return value

    def _chat_id(self, body: dict[str, Any]) -> int:
        return self._number_of(body, "chat", "a chat's number")

    def _visitor(self, body: dict[str, Any]) -> tuple[str, int | None]:
        """A website visitor's request (chat or call-back): the SHA-256 of its token, and the customer it names."""
        token_hash = self._text(body, "token_hash", 64)
        if len(token_hash) != 64:
            raise ApiCallError("bad_request", "'token_hash' is the SHA-256 of the visitor's token (64 hex digits)")
        customer = body.get("customer_id")
        if customer is not None and (not isinstance(customer, int) or isinstance(customer, bool)):
            raise ApiCallError("bad_request", "'customer_id' is a customer's id")
        return token_hash, customer

    async def do_chat_new(self, body: dict[str, Any]) -> dict[str, Any]:
        token_hash, customer = self._visitor(body)
        return await self.svc.chat_new(self._text(body, "queue", 32), token_hash, self._text(body, "visitor", 100),
                                       self._text(body, "email", 254), self._text(body, "phone", 32), customer)

    def do_chat_status(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.svc.chat_status(self._chat_id(body))

    async def do_chat_accept(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.svc.chat_accept(self._agent(body), self._chat_id(body))

    async def do_chat_post(self, body: dict[str, Any]) -> dict[str, Any]:
        text = self._text(body, "text", MAX_CHAT_TEXT)
        if not text.strip():
            raise ApiCallError("bad_request", "'text' says something")
        agent = self._agent(body) if "agent" in body else None
        return await self.svc.chat_post(self._chat_id(body), text, agent)

    async def do_chat_end(self, body: dict[str, Any]) -> dict[str, Any]:
        agent = self._agent(body) if "agent" in body else None
        return await self.svc.chat_end(self._chat_id(body), agent)

    def do_chats(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"chats": self.svc.chats_of(self._agent(body))}

    # ---- the website's call-back requests (webcallback.py) ------------------------------------------------------
    def _request_id(self, body: dict[str, Any]) -> int:
        return self._number_of(body, "request", "a call-back request's number")

    async def do_web_callback_new(self, body: dict[str, Any]) -> dict[str, Any]:
        token_hash, customer = self._visitor(body)
        number = self._text(body, "number", 32)
        if not number.isascii() or not number.isdigit():
            raise ApiCallError("bad_request", "'number' is digits")
        return await self.svc.web_callback_new(self._text(body, "queue", 32), number, self._text(body, "visitor", 100),
                                               self._text(body, "note", 500), customer, token_hash)

    def do_web_callback_status(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.svc.web_callback_status(self._request_id(body))

    async def do_web_callback_cancel(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self.svc.web_callback_cancel(self._request_id(body))
