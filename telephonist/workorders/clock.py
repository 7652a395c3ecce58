"""The platform's "now" for deadlines: chand's engine clock, as the calls and the dialer use it.

On a real-time clock it is the wall clock; on a simulated one (lockstep or fast spans: tests, `flow test`, a
demo) it is ahead of it. chand's `status` gives `time_ms` (engine time) and `origin_ms` (the wall clock engine
time 0 stands for); now = origin + engine time. When chand cannot be asked (not running, a console without the
live feed) the wall clock stands in, and that is logged — once per change, not at every page.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

log = logging.getLogger("telephonist.workorders")

ASK_S = 2.0


class _Fallback:
    """Logs the change from chand's clock to the wall clock and back, not every use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._on: bool | None = None

    def note(self, on: bool, reason: str = "") -> None:
        with self._lock:
            before, self._on = self._on, on
        if on and before is not True:
            log.warning("event=workorders_clock_fallback clock=wall reason=%s", reason or "-")
        elif not on and before is True:
            log.info("event=workorders_clock clock=engine")


fallback = _Fallback()


def from_status(status: dict[str, Any]) -> datetime | None:
    """The platform's now from a chand `status` reply (None: a chand too old to say its origin)."""
    origin, ms = status.get("origin_ms"), status.get("time_ms")
    if not isinstance(origin, int) or not isinstance(ms, int):
        return None
    return datetime.fromtimestamp(origin / 1000.0, tz=UTC) + timedelta(milliseconds=ms)


def wall() -> datetime:
    return datetime.now(UTC)


def settle(status: dict[str, Any] | None, reason: str = "") -> datetime:
    """chand's now from its status, or the wall clock (logged) when there is none."""
    now = from_status(status) if status is not None else None
    if now is None:
        fallback.note(True, reason or "chand's status has no origin_ms")
        return wall()
    fallback.note(False)
    return now


async def ask_chand(socket: str, timeout_s: float = ASK_S) -> datetime:
    """Ask chand at its control socket (role monitor) for its clock: `telephonist workorders sweep`."""
    from telephonist.client import Client
    try:
        async with asyncio.timeout(timeout_s):
            c = await Client.connect_unix(socket, app="workorders-sweep", role="monitor")
            try:
                status = await c.call("status")
            finally:
                await c.close()
    except Exception as exc:            # not running, refused, too slow: the wall clock stands in
        log.warning("event=workorders_clock_fallback clock=wall reason=chand at %s: %s: %s", socket,
                    type(exc).__name__, exc)
        return wall()
    now = from_status(status)
    if now is None:
        log.warning("event=workorders_clock_fallback clock=wall reason=chand's status has no origin_ms")
        return wall()
    return now
