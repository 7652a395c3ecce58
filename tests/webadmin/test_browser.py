"""In Debian's Chromium (Playwright, no browser download): log in, watch a sim call appear on the live
board and end, find it in the call log, play its recording. Screenshots go to tests/_artifacts/screenshots/."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from tests.webadmin.live_support import chand_and_webadmin
from tests.webadmin.support import Served, password

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/lib/chromium/chromium") if Path(p).exists()), None)
SHOTS = Path(__file__).resolve().parents[1] / "_artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
        "--autoplay-policy=no-user-gesture-required"]

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None or shutil.which("chromium") is None and CHROMIUM is None,
                                reason="Debian's chromium is not installed (scripts/bootstrap.sh installs it)")]


async def test_login_live_board_call_log_and_recording(tmp_path, web_config):
    from playwright.async_api import async_playwright, expect
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with chand_and_webadmin(tmp_path, web_config) as (chand, app, desk, tester):
        served = await asyncio.to_thread(Served, app)
        try:
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = await browser.new_page(viewport={"width": 1280, "height": 800}, locale="en-US")
                page.set_default_timeout(15000)

                await page.goto(served.url + "/live/")                       # no session: the login page
                assert "/login" in page.url
                await page.screenshot(path=SHOTS / "login.png")
                await page.fill("input[name=username]", "super")
                await page.fill("input[name=password]", password("super"))
                await page.click("button[type=submit]")
                await page.wait_for_url("**/live/")
                await expect(page.locator("#conn")).to_have_class("conn ok")
                await expect(page.locator('.tile[data-chan="e1a/2"]')).to_have_attribute("data-state", "idle")

                # a call comes in: it appears on the board without a reload
                r = await tester.call("sim.call", chan="e1a/2", caller="13912345678", dialled="4008001234")
                row = page.locator('#live-calls tr[data-chan="e1a/2"]')
                await expect(row).to_contain_text("13912345678")
                await expect(page.locator('.tile[data-chan="e1a/2"]')).to_have_attribute("data-state", "up")
                await expect(row.locator("td.state")).to_have_text("up")
                await page.screenshot(path=SHOTS / "live-board-call.png", full_page=True)

                # the caller speaks (a tone), the desk stops recording, the caller hangs up: it leaves the board
                mark = tester.mark()      # the tone's end may be read with the reply to sim.play: wait from before it
                await tester.call("sim.play", far=r["far"], items=[{"tone": "dial", "ms": 1500}])
                await tester.wait_for("far", far=r["far"], what="play_done", timeout=30, since=mark)
                rec_id = await asyncio.wait_for(desk.recording("e1a/2"), 10)
                await desk.call("stop_record", chan="e1a/2", recording=rec_id)
                await desk.wait_for("record_done", chan="e1a/2", since=0)
                await tester.call("sim.hangup", far=r["far"])
                await expect(row).to_have_count(0)
                await expect(page.locator('.tile[data-chan="e1a/2"]')).to_have_attribute("data-state", "idle")
                await desk.wait_for("ended", chan="e1a/2", since=0)
                await chand.board.recorder.drain()

                # the call log has it; its detail plays the recording
                await page.click("nav >> text=Call log")
                await expect(page.locator("#calls tbody")).to_contain_text("13912345678")
                await page.screenshot(path=SHOTS / "call-log.png", full_page=True)
                await page.locator("#calls tbody tr").first.locator("a").first.click()
                await expect(page.locator("#events")).to_contain_text("record")
                played = await page.evaluate("""async () => {
                    const a = document.getElementById('player');
                    await a.play();
                    await new Promise(r => setTimeout(r, 300));
                    return {duration: a.duration, time: a.currentTime, error: a.error && a.error.code};
                }""")
                assert played["error"] is None and played["duration"] > 1.0 and played["time"] > 0, played
                await page.screenshot(path=SHOTS / "call-detail.png", full_page=True)

                await page.click("nav >> text=Reports")
                await expect(page.locator("svg.chart")).to_be_visible()
                await page.screenshot(path=SHOTS / "reports.png", full_page=True)
                await page.click("button:has-text('中文')")                  # the user's language from now on
                await expect(page.locator("header nav")).to_contain_text("通话记录")
                await page.goto(served.url + "/calls/")
                await page.screenshot(path=SHOTS / "call-log-zh.png", full_page=True)
                await browser.close()
        finally:
            await asyncio.to_thread(served.close)
