"""The agent desktop in Debian's Chromium (Playwright) at 1366x768, on a real chand, ACD and ivrd: an agent
logs in at its seat and goes ready; a caller keys its policy number in the IVR and asks for a person; the
pop shows it; the agent's phone answers; hold and resume; the agent hangs up from the page; wrap-up with a
disposition and a note, which land in acd_calls; the same caller again: the pop shows that call in the
history, and its recording plays. In English and in Chinese (both fit the screen). Screenshots go to
tests/_artifacts/screenshots/."""
from __future__ import annotations

import asyncio
import re

import pytest

from tests.webadmin.desk_support import acd_calls, desk_site
from tests.webadmin.support import password
from tests.webadmin.test_browser import ARGS, CHROMIUM, SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]

CALLER = "13912345678"
POLICY = "87654321"
NOTE = "wants the <gold> plan & a call on Monday"
COUNTDOWN = re.compile(r"^(1:00|[0-9]{1,2}s)$")     # the queue's 60 s wrap-up, as the page counts it down


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_an_agents_call_on_the_desktop(tmp_path, locale):
    from playwright.async_api import async_playwright, expect
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with desk_site(tmp_path) as site:
        acd, t = site.acd, site.acd.tester
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = await browser.new_page(viewport={"width": 1366, "height": 768}, locale=locale)
                page.set_default_timeout(20000)
                problems: list[str] = []                 # script errors and anything the CSP refused
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
                await page.goto(site.served.url + "/agent/")
                await page.fill("input[name=username]", "agent1")
                await page.fill("input[name=password]", password("agent1"))
                await page.click("button[type=submit]")
                await page.wait_for_url("**/agent/")
                state = page.locator("#state")
                await expect(page.locator("#conn")).to_have_class("conn ok")
                await expect(state).to_have_attribute("data-state", "logged_out")

                # the seat (its configured extension, filled in), then ready by the keyboard
                await expect(page.locator("#seat")).to_have_value("8001")
                await page.click("#login")
                await expect(state).to_have_attribute("data-state", "not_ready")
                await page.keyboard.press("Alt+r")
                await expect(state).to_have_attribute("data-state", "ready")

                # the caller in the IVR, then in the queue: the pop
                rung = t.mark()
                await site.caller_to_queue(CALLER, POLICY)
                await expect(state).to_have_attribute("data-state", "ringing")
                await expect(page.locator("#lift")).to_be_visible()                 # analog sets: the agent lifts
                await expect(page.locator("#pop-number")).to_have_text(CALLER)
                await expect(page.locator("#pop-account")).to_have_text(POLICY)
                await expect(page.locator("#pop-vip")).to_contain_text("gold")
                await expect(page.locator("#pop-verified")).to_have_attribute("data-verified", "no")
                await expect(page.locator("#pop-path")).to_contain_text("menu")
                await expect(page.locator("#pop-queue")).to_have_text("sales")
                await expect(page.locator("#pop-crm")).to_have_attribute(
                    "href", f"https://crm.example.com/customer?tel={CALLER}&policy={POLICY}")
                await expect(page.locator("#pop-no-history")).to_be_visible()

                # the agent's phone answers; hold (Alt+H) and resume
                await site.lift("8001", rung)
                await expect(state).to_have_attribute("data-state", "on_call")
                await expect(page.locator("#lift")).to_be_hidden()
                for sel in ("#state", "#hangup", "#hold", "#pop-number"):            # all of it on a 1366x768 screen
                    box = await page.locator(sel).bounding_box()
                    assert box and box["x"] + box["width"] <= 1366 and box["y"] + box["height"] <= 768, (sel, box)
                await page.screenshot(path=SHOTS / f"agent-desktop-call-{locale}.png")
                await page.keyboard.press("Alt+h")
                await expect(state).to_have_attribute("data-state", "on_hold")
                await page.click("#unhold")
                await expect(state).to_have_attribute("data-state", "on_call")

                # the agent hangs up from the page; wrap-up with a disposition and a note
                await page.click("#hangup")
                await expect(state).to_have_attribute("data-state", "wrap_up")
                await t.call("sim.hangup", far=acd.phone("8001"))                    # the handset goes down
                await expect(page.locator("#wrapup")).to_be_visible()
                await expect(page.locator("#countdown")).to_have_text(COUNTDOWN)
                await page.select_option("#code", "sold")
                await page.fill("#note", NOTE)
                await page.screenshot(path=SHOTS / f"agent-desktop-wrapup-{locale}.png")
                await page.click("#wrapup-end")
                await expect(state).to_have_attribute("data-state", "ready")
                await asyncio.gather(*list(acd.service.tasks), return_exceptions=True)     # the ACD's writes
                rows = acd_calls(site, CALLER)
                assert [(r["agent"], r["wrapup_code"], r["note"]) for r in rows] == [("1001", "sold", NOTE)]
                await acd.service.c.wait_for("record_done", since=0)

                # the same caller again: its earlier call is in the pop, with the note and the recording
                await site.caller_to_queue(CALLER, POLICY)
                await expect(state).to_have_attribute("data-state", "ringing")
                history = page.locator("#pop-history tbody tr")
                await expect(history).to_have_count(1)
                await expect(history.first).to_contain_text("sold")
                await expect(history.first).to_contain_text(NOTE)
                played = await page.evaluate("""async () => {
                    const a = document.querySelector('#pop-history audio');
                    await a.play();
                    await new Promise(r => a.currentTime > 0 ? r() : a.addEventListener('timeupdate', r, {once: true}));
                    return {duration: a.duration, error: a.error && a.error.code};
                }""")
                assert played["error"] is None and played["duration"] > 0, played
                await page.screenshot(path=SHOTS / f"agent-desktop-history-{locale}.png")
                assert problems == []
            finally:
                await browser.close()

