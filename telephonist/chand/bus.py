"""Applications talking through chand: a request to another application and its answer, and events an
application publishes to whoever subscribed to its topic.

chand is the one authenticated entry point (tokens, roles): an agent desktop, a CRM or a wallboard
asks the ACD to log an agent in with `request` {app: "acd", body: ...}; the ACD gets a `request` event
naming who asks (session, application, role, token) and answers with `respond`; the asker's command
gets that answer as its reply. The ACD's own news (agent states, queue counts) goes out with `publish`
to the sessions that subscribed to the topic "acd" — an application publishes only under its own
name, so nobody can speak for the ACD.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable

from telephonist.chand.api.errors import ApiError, BadRequest, Unavailable

if TYPE_CHECKING:
    from telephonist.chand.api.session import Session
    from telephonist.chand.switchboard import Switchboard

log = logging.getLogger(__name__)


class Refused(ApiError):
    """The application asked refused the request; its code and message are passed on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class _Pending:
    asker: "Session"
    server: "Session"
    future: asyncio.Future


class Bus:
    def __init__(self, board: "Switchboard") -> None:
        self.board = board
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}

    def request(self, asker: "Session", app: str, body: dict[str, Any], timeout_s: float) -> Awaitable[dict[str, Any]]:
        """The request sent to the application now (inside the asker's command: a lockstep clock stands still
        until it is acknowledged); its answer is what the result gives when awaited."""
        server = self.board.pick_session(app)
        if server is None:
            raise Unavailable(f"request: application {app!r} is not connected")
        rid = next(self._ids)
        fut = asyncio.get_running_loop().create_future()
        self._pending[rid] = _Pending(asker, server, fut)
        server.send_event("request", request=rid, app=app, body=body, **{"from": asker.name},
                          from_app=asker.app, role=asker.role, token=asker.token_name, time_ms=self.board.now())
        return self._answer(rid, fut, app, timeout_s)

    async def _answer(self, rid: int, fut: asyncio.Future, app: str, timeout_s: float) -> dict[str, Any]:
        try:
            return await asyncio.wait_for(fut, timeout_s)
        except asyncio.TimeoutError:
            raise Unavailable(f"request: {app} did not answer within {timeout_s:g} s") from None
        finally:
            self._pending.pop(rid, None)

    def respond(self, server: "Session", rid: int, ok: bool, body: dict[str, Any] | None,
                error: dict[str, Any] | None) -> None:
        p = self._pending.get(rid)
        if p is None or p.server is not server:
            raise BadRequest(f"respond: no request {rid} is waiting for this session")
        if p.future.done():
            return
        if ok:
            p.future.set_result(body or {})
        else:
            err = error or {}
            p.future.set_exception(Refused(str(err.get("code") or "refused")[:64],
                                           str(err.get("message") or "refused")[:500]))

    def publish(self, sess: "Session", topic: str, event: dict[str, Any]) -> int:
        """Send event to the subscribers of topic; returns how many got it."""
        n = 0
        for s in list(self.board.sessions.values()):
            if topic in s.topics and not s.closed:
                s.send_event("published", topic=topic, app=sess.app, body=event)
                n += 1
        return n

    def session_gone(self, sess: "Session") -> None:
        """Requests waiting on a session that left are answered with unavailable."""
        for p in list(self._pending.values()):
            if p.server is sess and not p.future.done():
                p.future.set_exception(Unavailable(f"request: {sess.app} went away before answering"))
