"""Hundreds of open live boards cost no worker thread: with 300 event streams open, the login page and
the other pages still answer at once, a call reaches all 300 boards, and Chromium's board still
updates (under waitress each board held one of its 16 threads for ever: 16 boards locked the console)."""
from __future__ import annotations

import asyncio
import http.client
import threading

import pytest

from tests.webadmin.live_support import EventStream, chand_and_webadmin, served, session_cookie
from tests.webadmin.support import http_login, password
from tests.webadmin.test_browser import ARGS, CHROMIUM

BOARDS = 300
pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (scripts/bootstrap.sh installs it)")]


def _get(port: int, path: str, cookie: str = "", timeout: float = 10.0) -> tuple[int, str, dict]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path, headers={"Cookie": f"telephonist={cookie}"} if cookie else {})
        r = c.getresponse()
        return r.status, r.read().decode(), {k.lower(): v for k, v in r.getheaders()}
    finally:
        c.close()


def _wsgi_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("WSGI")}


def _worker_threads(before: set[threading.Thread] = frozenset()) -> int:
    """The WSGI worker threads of the server under test: those that were not there before it started (earlier
    tests' servers in the same process may still be winding theirs down)."""
    return len(_wsgi_threads() - before)


async def test_300_open_live_boards_leave_the_console_free(tmp_path, web_config):
    from playwright.async_api import async_playwright, expect
    async with chand_and_webadmin(tmp_path, web_config) as (chand, app, desk, tester):
        before = _wsgi_threads()
        async with served(app) as server:
            cookie = session_cookie(app, "super")
            boards = await asyncio.gather(*(EventStream.open(server.port, cookie) for _ in range(BOARDS)))
            assert {b.status for b in boards} == {200}
            firsts = await asyncio.gather(*(b.next() for b in boards))
            assert {kind for kind, _ in firsts} == {"snapshot"}
            assert server.server.asgi.streams.open_streams == BOARDS
            assert _worker_threads(before) <= 16              # the pool's size, whatever the number of boards

            # the console answers as if no board were open
            status, page, _ = await asyncio.to_thread(_get, server.port, "/login")
            assert status == 200 and 'name="password"' in page
            assert (await asyncio.to_thread(http_login, server.port, "admin"))[0] == 302
            status, page, _ = await asyncio.to_thread(_get, server.port, "/calls/", cookie)
            assert status == 200 and 'id="calls"' in page

            # a call reaches every open board
            await tester.call("sim.call", chan="e1a/2", caller="13912345678", dialled="4008001234")
            ups = await asyncio.gather(*(b.next_line(lambda ln: ln["chan"] == "e1a/2" and ln["state"] == "up")
                                         for b in boards))
            assert {ln["caller"] for ln in ups} == {"13912345678"}

            # and a real browser's board still updates
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = await browser.new_page(locale="en-US")
                page.set_default_timeout(15000)
                await page.goto(server.url + "/login?next=/live/")
                await page.fill("input[name=username]", "super")
                await page.fill("input[name=password]", password("super"))
                await page.click("button[type=submit]")
                await page.wait_for_url("**/live/")
                await expect(page.locator("#conn")).to_have_class("conn ok")
                await tester.call("sim.call", chan="e1a/3", caller="13800001111", dialled="4008001234")
                await expect(page.locator('#live-calls tr[data-chan="e1a/3"]')).to_contain_text("13800001111")
                await expect(page.locator('.tile[data-chan="e1a/3"]')).to_have_attribute("data-state", "up")
                assert server.server.asgi.streams.open_streams == BOARDS + 1
                await browser.close()
            await asyncio.gather(*(b.close() for b in boards))
