"""Hundreds of open agent desktops cost no worker thread, as the live board's streams do not: with 300
desktop streams open the pages still answer, the worker pool stays at its size, and an ACD event reaches
every desktop it concerns."""
from __future__ import annotations

import asyncio

import pytest

from tests.webadmin.desk_support import desk_site
from tests.webadmin.live_support import EventStream, session_cookie
from tests.webadmin.test_live_load import _get, _worker_threads, _wsgi_threads

DESKS = 300
pytestmark = pytest.mark.slow


async def test_300_open_desktops_leave_the_console_free(tmp_path):
    before = _wsgi_threads()
    async with desk_site(tmp_path) as site:
        port = site.served.port
        cookie = session_cookie(site.app, "agent1")
        status, _, _ = await asyncio.to_thread(_get, port, "/agent/", cookie)    # the page fills the ACD cache
        assert status == 200
        desks = await asyncio.gather(*(EventStream.open(port, cookie, "/agent/events") for _ in range(DESKS)))
        try:
            assert {d.status for d in desks} == {200}
            firsts = await asyncio.gather(*(d.next() for d in desks))
            assert {(kind, data["agent"]["agent"]) for kind, data in firsts} == {("snapshot", "1001")}
            assert site.served.server.asgi.desk_streams.open_streams == DESKS
            assert _worker_threads(before) <= 16

            status, page, _ = await asyncio.to_thread(_get, port, "/calls/", cookie)
            assert status == 200 and 'id="calls"' in page

            await site.acd.login("1001", "8001", ready=True)
            async def ready(d: EventStream) -> None:
                while True:
                    kind, data = await d.next(30)
                    if kind == "agent_state" and data["state"] == "ready":
                        return
            await asyncio.gather(*(ready(d) for d in desks))
        finally:
            await asyncio.gather(*(d.close() for d in desks))
