"""The customer file on the agent desktop in Debian's Chromium, on a real chand, ACD and ivrd: an unknown caller
gets the register form, the agent registers it from the pop (the pop reloads with the new customer); then a caller
the IVR identified by its account (a customer number keyed in the IVR) pops its customer with class and timeline."""
from __future__ import annotations

import pytest

from telephonist.crm import store, timeline
from telephonist.crm.store import CustomerInput
from telephonist.webadmin import db
from tests.webadmin.desk_support import desk_site
from tests.webadmin.support import password
from tests.webadmin.test_browser import ARGS, CHROMIUM, SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]

UNKNOWN = "13912340001"
KNOWN_ACCOUNT = "87650001"


async def test_register_an_unknown_caller_then_pop_a_known_one(tmp_path):
    from playwright.async_api import async_playwright, expect
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with desk_site(tmp_path) as site:
        with db.writing(site.app) as conn:
            known = store.open_customer(conn, CustomerInput(name="王大明", number=KNOWN_ACCOUNT, klass="vip"))
            timeline.append(conn, known["id"], "work_order", "meter repair WO-31")
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = await browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
                page.set_default_timeout(20000)
                problems: list[str] = []
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
                await page.goto(site.served.url + "/agent/")
                await page.fill("input[name=username]", "agent1")
                await page.fill("input[name=password]", password("agent1"))
                await page.click("button[type=submit]")
                await page.wait_for_url("**/agent/")
                state = page.locator("#state")
                await expect(page.locator("#conn")).to_have_class("conn ok")
                await page.click("#login")
                await expect(state).to_have_attribute("data-state", "not_ready")
                await page.keyboard.press("Alt+r")
                await expect(state).to_have_attribute("data-state", "ready")

                far = await site.caller_to_queue(UNKNOWN, "11112222")
                await expect(state).to_have_attribute("data-state", "ringing")
                await page.fill("#pop-register input[name=name]", "李小红")
                await page.click("#pop-register button[type=submit]")
                await expect(page.locator("#pop-customer-name")).to_have_text("李小红")
                await expect(page.locator("#pop-register")).to_have_count(0)
                with db.reading(site.app) as conn:
                    assert [c["name"] for c in store.by_phone(conn, UNKNOWN)] == ["李小红"]
                await site.acd.tester.call("sim.hangup", far=far)               # the caller gives up
                await expect(state).to_have_attribute("data-state", "ready")

                await site.caller_to_queue("13912340002", KNOWN_ACCOUNT)
                await expect(state).to_have_attribute("data-state", "ringing")
                await expect(page.locator("#pop-customer-name")).to_have_text("王大明")
                await expect(page.locator("#pop-customer-class")).to_have_text("VIP")
                await expect(page.locator("#pop-timeline")).to_contain_text("meter repair WO-31")
                await expect(page.locator("#pop-timeline")).to_contain_text("工单")
                await page.screenshot(path=SHOTS / "agent-desktop-customer-zh-CN.png")
                assert problems == []
            finally:
                await browser.close()
