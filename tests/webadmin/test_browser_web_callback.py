"""The widget's "call me back" form in Debian's Chromium (Playwright), on a real chand and ACD and the console as
`telephonist webadmin` serves it: a visitor (no login) leaves a number behind a phone caller waiting in the queue,
the page shows its place (number 2), the visitor cancels, and the page says so; no script error, nothing the CSP
refused."""
from __future__ import annotations

import asyncio

import pytest

from telephonist.engine import Clock
from telephonist.webadmin import create_app, db
from telephonist.webadmin.config import WebConfig
from tests.acd.harness import running_acd
from tests.support.chand_harness import TrunkGroupSpec
from tests.webadmin.support import FAST_HASH, Served
from tests.webadmin.test_browser import ARGS, CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]

QUEUES = """
[[queues]]
name = "sales"
web_callback = {}
"""
AGENTS = """
[[agents]]
number = "1001"
extension = "8001"
queues = ["sales"]
"""


async def test_the_form_shows_the_place_in_line_and_cancels(tmp_path):
    from playwright.async_api import async_playwright, expect
    (tmp_path / "recordings").mkdir()
    async with running_acd(tmp_path, QUEUES, AGENTS, acd='outbound_trunk_group = "out"\n', clock=Clock.REALTIME,
                           trunk_groups=[TrunkGroupSpec("out", ["callers/*"])]) as acd:
        m = acd.desk.mark()
        await acd.call(caller="13900000001")
        await acd.queued("13900000001", since=m)
        app = await asyncio.to_thread(create_app, WebConfig(
            database_url=f"sqlite:///{tmp_path / 'telephonist.db'}", control_socket=acd.chand.socket,
            recordings_dir=str(tmp_path / "recordings"), live_feed=True, testing=True, password_method=FAST_HASH,
            callback_queues=("sales",)))
        feed = app.extensions["chand_feed"]
        served = None
        try:
            assert await asyncio.to_thread(feed.wait_connected, 15)
            served = await asyncio.to_thread(Served, app)
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                try:
                    problems: list[str] = []
                    page = await browser.new_page()
                    page.set_default_timeout(20000)
                    page.on("pageerror", lambda e: problems.append(str(e)))
                    page.on("console", lambda msg: problems.append(msg.text)
                            if "Content Security Policy" in msg.text else None)
                    await page.goto(served.url + "/call")
                    await page.fill("#cb-number", "137 0000 0001")
                    await page.fill("#cb-name", "Zhang San")
                    await page.fill("#cb-note", "the router")
                    await page.click("#cb-send")
                    status = page.locator("#cb-status")
                    await expect(status).to_have_attribute("data-state", "waiting")
                    await expect(status).to_contain_text("number 2 in line")
                    await expect(page.locator("#cb-form")).to_be_hidden()
                    await page.click("#cb-cancel")
                    await expect(status).to_have_attribute("data-state", "cancelled")
                    await expect(page.locator("#cb-form")).to_be_visible()
                    assert problems == []
                finally:
                    await browser.close()
            assert [r["state"] for r in acd.rows("SELECT state FROM acd_web_callbacks")] == ["cancelled"]
        finally:
            if served is not None:
                await asyncio.to_thread(served.close)
            await asyncio.to_thread(feed.stop)
            db.engine(app).dispose()
