"""The call script on the agent desktop in Debian's Chromium (Playwright), on a real chand, ACD, dialer and console:
a progressive campaign's call reaches agent 1001, whose page shows the campaign's script beside the call; the agent
answers the first question with its button, pauses the script (the answer buttons go), resumes it, and transfers the
customer to agent 1002, whose page shows the script at the second question with the answer so far."""
from __future__ import annotations

import asyncio

import pytest

from telephonist.dialer import scripts
from telephonist.dialer.lists import import_rows, read_table
from telephonist.dialer.service import DialerService
from telephonist.dialer.store import DialerStore
from telephonist.drivers.sim.far_end import NumberBehaviour
from telephonist.webadmin import db
from tests.support.chand_harness import TrunkGroupSpec
from tests.webadmin.desk_support import desk_site
from tests.webadmin.support import password
from tests.webadmin.test_browser import ARGS, CHROMIUM, SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]

STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "max_attempts": 2}
SCRIPT = "id | question | field | answer | next | result\nq1 | Happy with us? | happy | yes | q2\n | | | no | end | refused\n" \
         "q2 | Renew for a year? | renew | yes | end | sold\n | | | no | end | refused\n"


async def desk_page(browser, site, user: str):
    page = await browser.new_page(viewport={"width": 1366, "height": 768})
    page.set_default_timeout(20000)
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    await page.goto(site.served.url + "/agent/")
    await page.fill("input[name=username]", user)
    await page.fill("input[name=password]", password(user))
    await page.click("button[type=submit]")
    await page.wait_for_url("**/agent/")
    return page, problems


async def test_script_pause_resume_and_transfer_on_the_desktop(tmp_path):
    from playwright.async_api import async_playwright, expect
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with desk_site(tmp_path, trunk_groups=[TrunkGroupSpec("campaign", ["callers/*"])],
                         numbers=[NumberBehaviour("138*", "answer", after_rings=1)]) as site:
        acd, t = site.acd, site.acd.tester
        store = DialerStore(engine=db.engine(site.app))

        def campaign() -> None:
            cid = store.create_campaign("renewals", "sales", "progressive", "sales", "campaign", STRATEGY)
            header, rows = read_table("l.csv", "name,phone\n王先生,13800001111\n".encode())
            import_rows(store.engine, cid, header, rows, {"name": "name", "phones": "phone"})
            sid = scripts.save(store.engine, "renewal", scripts.from_table(*scripts.read_text(SCRIPT)), "lead")
            scripts.use_in_campaign(store.engine, cid, sid)
            store.set_state(cid, "running")
        await asyncio.to_thread(campaign)
        dialer = DialerService(await acd.chand.client("dialer"), store)
        await dialer.start()
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                one, problems1 = await desk_page(browser, site, "agent1")
                two, problems2 = await desk_page(browser, site, "agent2")
                await expect(one.locator("#campaign")).to_be_hidden()          # no campaign work yet: out of the way
                await two.click("#login")
                await expect(two.locator("#state")).to_have_attribute("data-state", "not_ready")
                rung = t.mark()
                await one.click("#login")
                await expect(one.locator("#state")).to_have_attribute("data-state", "not_ready")
                await one.keyboard.press("Alt+r")                              # ready: the dialer calls a customer
                await site.lift("8001", rung)
                await expect(one.locator("#state")).to_have_attribute("data-state", "on_call")
                await expect(one.locator("#script-question")).to_have_text("Happy with us?")
                await one.locator("#script-choices button", has_text="yes").click()
                await expect(one.locator("#script-question")).to_have_text("Renew for a year?")
                await one.click("#script-pause")
                await expect(one.locator("#script-choices button")).to_have_count(0)
                await expect(one.locator("#script-resume")).to_be_visible()
                await one.screenshot(path=str(SHOTS / "desk-script-paused.png"))
                await one.click("#script-resume")
                await expect(one.locator("#script-choices button")).to_have_count(2)
                await expect(one.locator("#script-answers li")).to_have_text(["Happy with us? — yes"])

                await two.keyboard.press("Alt+r")
                await expect(two.locator("#state")).to_have_attribute("data-state", "ready")
                rung = t.mark()
                await one.fill("#target", "agent:1002")
                await one.click("#transfer")
                await site.lift("8002", rung)
                await expect(two.locator("#state")).to_have_attribute("data-state", "on_call")
                await expect(two.locator("#script-question")).to_have_text("Renew for a year?")
                await expect(two.locator("#script-answers li")).to_have_text(["Happy with us? — yes"])
                await two.screenshot(path=str(SHOTS / "desk-script-transferred.png"))
                await two.locator("#script-choices button", has_text="yes").click()
                await expect(two.locator("#script-ended")).to_be_visible()
                assert problems1 == [] and problems2 == []
            finally:
                await browser.close()
                for ext in ("8001", "8002"):
                    await t.call("sim.hangup", far=acd.phone(ext))
