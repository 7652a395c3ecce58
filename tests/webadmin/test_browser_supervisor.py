"""The supervisor page and the wallboard in Debian's Chromium (Playwright), on a real chand, ACD and ivrd: a
caller waits and the supervisor page shows it (the longest wait ticking), then answered after the supervisor
forced the agent ready — all without a reload; forcing not ready changes the agent's state on the page. The
wallboard shows a second caller waiting without a reload, amber once the queue's threshold is set, and after the console server restarted (its streams
cut, the port closed for a while) it reconnects by itself and shows the caller abandoning. Screenshots go to
tests/_artifacts/screenshots/."""
from __future__ import annotations

import asyncio

import pytest

from telephonist.webadmin.server import ConsoleServer
from tests.webadmin.desk_support import desk_site
from tests.webadmin.support import password
from tests.webadmin.test_browser import ARGS, CHROMIUM, SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]

CALLER = "13912345678"
SECOND = "13800001111"
POLICY = "87654321"


async def test_the_supervisor_page_and_the_wallboard_follow_the_queue(tmp_path):
    from playwright.async_api import async_playwright, expect
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with desk_site(tmp_path) as site:
        acd, t = site.acd, site.acd.tester
        await acd.login("1001", "8001", ready=False)
        await acd.login("1002", "8002", ready=False)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
                page = await context.new_page()
                page.set_default_timeout(20000)
                problems: list[str] = []
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
                await page.goto(site.served.url + "/supervisor/")
                await page.fill("input[name=username]", "super")
                await page.fill("input[name=password]", password("super"))
                await page.click("button[type=submit]")
                await page.wait_for_url("**/supervisor/")
                await expect(page.locator("#conn")).to_have_class("conn ok")
                row = page.locator("#agents tr[data-agent='1001']")
                sales = page.locator("#queues tr[data-queue='sales']")
                await expect(row).to_have_attribute("data-state", "not_ready")
                await page.evaluate("window.notReloaded = true")

                # a caller waits: shown without a reload, its wait ticking
                far = await site.caller_to_queue(CALLER, POLICY)
                await expect(sales.locator("td.waiting")).to_have_text("1")
                first = await sales.locator("td.longest").text_content()
                await expect(sales.locator("td.longest")).not_to_have_text(first or "")

                # force ready: the ACD offers the call, the agent lifts, the page shows the call and the figures
                await page.fill("#phone", "8003")
                rung = t.mark()
                await row.locator("button[data-action=force_ready]").click()
                await expect(page.locator("#message")).to_have_class("flash ok")
                await site.lift("8001", rung)
                await expect(row).to_have_attribute("data-state", "on_call")
                await expect(row.locator("td.caller")).to_have_text(CALLER)
                await expect(sales.locator("td.waiting")).to_have_text("0")
                await expect(sales.locator("td.answered")).to_have_text("1")
                await expect(sales.locator("td.sl-today")).to_have_text("100%")
                await expect(row.locator("td.calls")).to_have_text("1")
                await page.screenshot(path=SHOTS / "supervisor.png")

                # the caller hangs up: wrap-up; force not ready with a reason
                await t.call("sim.hangup", far=far)
                await expect(row).to_have_attribute("data-state", "wrap_up")
                await page.select_option("#reason", "meeting")
                await row.locator("button[data-action=force_not_ready]").click()
                await expect(row).to_have_attribute("data-state", "not_ready")
                await expect(row.locator("td").nth(3)).to_have_text("meeting")
                assert await page.evaluate("window.notReloaded") is True
                assert await acd.agent_state("1001") == "not_ready"

                # the wallboard: no controls, a second caller waiting shows without a reload
                wall = await context.new_page()
                wall.on("pageerror", lambda e: problems.append(str(e)))
                await wall.set_viewport_size({"width": 1920, "height": 1080})
                await wall.goto(site.served.url + "/wallboard")
                tile = wall.locator(".wall-tile[data-queue='sales']")
                await expect(wall.locator("#conn")).to_have_class("conn ok")
                await expect(tile.locator(".fig.answered b")).to_have_text("1")
                assert await wall.locator("button, nav, input").count() == 0
                await wall.evaluate("window.notReloaded = true")

                # thresholds added to the configuration: read again, one caller waiting turns amber on both pages
                conf = tmp_path / "telephonist.toml"
                conf.write_text(conf.read_text().replace('name = "sales"\n',
                                                         'name = "sales"\nalert_waiting = [1, 2]\n', 1))
                second = await site.caller_to_queue(SECOND, POLICY)
                await expect(tile.locator(".fig.waiting b")).to_have_text("1")
                await expect(tile.locator(".fig.waiting")).to_have_class("fig waiting amber", timeout=40000)
                await expect(sales.locator("td.waiting")).to_have_class("num waiting amber", timeout=40000)
                await wall.screenshot(path=SHOTS / "wallboard.png")

                # the console server restarts: the wallboard sees it gone, then reconnects by itself
                port = site.served.port
                await asyncio.to_thread(site.served.close)
                await expect(wall.locator("#conn")).to_have_class("conn down")
                site.served.server = await asyncio.to_thread(
                    lambda: ConsoleServer(site.app, "127.0.0.1", port).start_in_thread())
                await expect(wall.locator("#conn")).to_have_class("conn ok", timeout=30000)
                await t.call("sim.hangup", far=second)
                await expect(tile.locator(".fig.waiting b")).to_have_text("0")
                await expect(tile.locator(".fig.abandoned b")).to_have_text("1")
                assert await wall.evaluate("window.notReloaded") is True
                assert problems == []
            finally:
                await browser.close()
