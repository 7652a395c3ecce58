"""The website's "call me back": a visitor of the console's public /call page (webadmin/webcallback.py) leaves a
number, and the request waits in a voice queue as a caller with no line. A mixin of AcdService.

The console checks the visitor's address, sizes and rates, and speaks for the visitor (only it may: requests.py);
here are the queue's own rules (`web_callback` in its [[queues]] entry): the number must match its `numbers`
pattern, and one number may have `max_open` requests open at once. A request is a Caller in state CALLBACK from
the start, with the visitor's name and note in its data (the agent's screen pop shows them): it has a
place in its queue's order (priority, then arrival), shows in `status` and the stats, and its acd_waiting row
(state "callback") brings it back after a restart. When its turn comes it takes the phone call-back's path
(callback.py): the agent's phone rings first, then the number is dialled, retried per the queue's
`callback.retries`. Its own row in acd_web_callbacks says how it went (waiting, calling, retry, answered, failed,
cancelled), for the visitor's page and the customer's timeline.

handler (requests.py: reads and checks) -> here (the rules, then the one write and the join)
"""
from __future__ import annotations

import re
import secrets
from typing import Any

from telephonist.acd.model import Caller, CallerState
from telephonist.client import ApiCallError

OPEN = (CallerState.CALLBACK, CallerState.OFFERED, CallerState.RETRY)     # the visitor may still cancel
VISITOR_STATE = {CallerState.CALLBACK: "waiting", CallerState.OFFERED: "calling",
                 CallerState.CALLING_BACK: "calling", CallerState.RETRY: "retry", CallerState.CONNECTED: "answered"}


class WebCallbacks:
    """The ACD's side of the website's call-back requests."""

    def init_web_callbacks(self) -> None:
        self.web_requests: dict[int, Caller] = {}     # acd_web_callbacks.id -> its caller, while it is open

    def web_request_back(self, caller: Caller) -> None:
        """A caller taken back after a restart: if it is a web request, it is one again."""
        request = caller.data.get("web_callback")
        if isinstance(request, int):
            self.web_requests[request] = caller

    async def web_callback_new(self, queue: str, number: str, visitor: str, note: str, customer_id: int | None,
                               token_hash: str) -> dict[str, Any]:
        q = self.queues.get(queue)
        if q is None or q.web_callback is None or q.media != "voice":
            raise ApiCallError("not_found", f"queue {queue!r} takes no web callbacks")
        if not re.fullmatch(q.web_callback.numbers, number):
            raise ApiCallError("bad_request", "this number cannot be called back (a mobile or a landline with its "
                                              "area code)")
        if sum(1 for c in self.web_requests.values() if c.callback_number == number) >= q.web_callback.max_open:
            raise ApiCallError("too_many", "this number is waiting for a call back already")
        if q.when_empty == "leave" and not self._anyone_for(queue):
            raise ApiCallError("unavailable", "nobody takes calls now; try again later")
        call_id = f"web-{secrets.token_hex(8)}"
        # what the agent's screen pop shows (deskpop.handoff): the visitor's name as the name, the note and origin
        data: dict[str, Any] = {"origin": "web_callback", "name": visitor, "note": note}
        request = int(await self.store.web_callback_started(dict(
            token_hash=token_hash, queue=queue, number=number, visitor=visitor, note=note, customer_id=customer_id,
            call_id=call_id, state="waiting", attempts=0, created_at=self.wall())))
        data["web_callback"] = request
        caller = Caller(chan=None, call_id=call_id, number=number, queue=queue, priority=self._priority(q, data),
                        seq=next(self._seq), entered_ms=self.now_ms, data=data, state=CallerState.CALLBACK,
                        callback_number=number)
        self.web_requests[request] = caller
        await self._join(caller)
        return self.web_callback_status(request)

    def web_callback_status(self, request: int) -> dict[str, Any]:
        """What the visitor's page shows: waiting (its place), calling, retry; not_found once it is over (the
        console then reads how it ended from acd_web_callbacks)."""
        caller = self._web_request(request)
        return {"request": request, "state": VISITOR_STATE.get(caller.state, "waiting"),
                "position": self.dispatcher.position(caller), "queue": caller.queue,
                "attempts": int(caller.data.get("callback_attempts") or 0)}

    async def web_callback_cancel(self, request: int) -> dict[str, Any]:
        """The visitor cancels: out of the queue (an agent's phone ringing for it stops); not once its number is
        being dialled."""
        caller = self._web_request(request)
        if caller.state not in OPEN:
            raise ApiCallError("wrong_state", "we are calling you already")
        self.dispatcher.dequeue(caller)
        for number in list(caller.offered_to):
            self._stop_ringing(self.roster.get(number), caller)
        caller.offered_to = []
        self.callers.pop(caller.call_id, None)
        wait_ms = self.now_ms - caller.entered_ms
        await self.store.waiting_gone(caller.call_id)
        if caller.row is not None:
            await self.store.call_update(caller.row, ended_at=self.wall(), outcome="cancelled", wait_ms=wait_ms)
        self.web_requests.pop(request, None)
        await self.store.web_callback_update(request, state="cancelled", ended_at=self.wall())   # before the answer
        self.publish("caller_left", {"queue": caller.queue, "call_id": caller.call_id, "caller": caller.number,
                                     "outcome": "cancelled", "wait_ms": wait_ms})
        return {"request": request, "state": "cancelled", "position": 0,
                "attempts": int(caller.data.get("callback_attempts") or 0)}

    def _web_request(self, request: int) -> Caller:
        caller = self.web_requests.get(request)
        if caller is None or self.callers.get(caller.call_id) is not caller:
            raise ApiCallError("not_found", f"no open call-back request {request}")
        return caller

    def _web_progress(self, caller: Caller, **values: Any) -> None:
        """A call back went a step on (callback.py): a web request's own row says so; an ended one is no longer
        open."""
        request = caller.data.get("web_callback")
        if not isinstance(request, int):
            return
        self._spawn(self.store.web_callback_update(request, **values))
        if values.get("state") in ("answered", "failed", "cancelled"):
            self.web_requests.pop(request, None)
