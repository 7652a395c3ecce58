"""In Chromium: an agent on the desktop finds an article by a Chinese phrase in the knowledge-base panel, the match
marked and the markup of the article shown as text, opens it in place, and a supervisor's notice appears on the
desktop and, big, on a wallboard without a reload; marking it read takes it off the desktop, withdrawing it off
the wallboard."""
from __future__ import annotations

import asyncio

import pytest

from telephonist.kb import store
from telephonist.kb.store import Draft
from telephonist.webadmin import db
from tests.webadmin.live_support import served
from tests.webadmin.support import login, page_csrf, password
from tests.webadmin.test_browser import ARGS, CHROMIUM, SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]


async def _logged_in(browser, url: str, user: str, path: str, viewport: dict):
    """A page of its own browser context (its own cookies), logged in as ``user``, at ``path``."""
    page = await (await browser.new_context(viewport=viewport, locale="zh-CN")).new_page()
    page.set_default_timeout(15000)
    await page.goto(f"{url}/login?next={path}")
    await page.fill("input[name=username]", user)
    await page.fill("input[name=password]", password(user))
    await page.click("button[type=submit]")
    await page.wait_for_url("**" + path)
    return page


async def test_the_desk_panel_finds_by_a_chinese_phrase_and_a_notice_comes_live(app, user_ids):
    from playwright.async_api import async_playwright, expect
    SHOTS.mkdir(parents=True, exist_ok=True)
    with db.writing(app) as conn:
        article = store.create(conn, Draft("燃气泄漏应急处理", "请客户立即开窗通风，<i>不要</i>开关电器，离开房屋后拨打抢修电话。"),
                               "super")
        store.create(conn, Draft("IC卡充值", "营业厅和网上均可充值。"), "super")
    sup = app.test_client()
    login(sup, "super")
    async with served(app) as server:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = await _logged_in(browser, server.url, "agent1", "/agent/", {"width": 1280, "height": 900})
            await page.keyboard.press("Alt+k")
            await page.keyboard.type("燃气泄漏怎么办")
            await page.keyboard.press("Enter")
            found = page.locator("#kb-found li")           # 怎么办 is in no article: those with 燃气 and 泄漏
            await expect(found).to_have_count(1)
            await expect(found.locator("mark").first).to_have_text("燃气")
            await expect(found).to_contain_text("<i>不要</i>")            # shown as text, not markup
            await found.locator("a").click()
            await expect(page.locator("#kb-panel-title")).to_have_text("燃气泄漏应急处理")

            wall = await _logged_in(browser, server.url, "super", "/wallboard", {"width": 1280, "height": 720})
            await expect(wall.locator("#conn")).to_have_class("conn down")      # the stream is open (no chand here)
            csrf = page_csrf(sup, "/notices/")
            r = await asyncio.to_thread(sup.post, "/notices/", data={
                "audience": "role:agent", "text": "今天 14:00 系统升级", "minutes": "30", "wallboard": "1",
                "csrf_token": csrf})
            assert r.status_code == 302
            await expect(wall.locator(".wall-notice")).to_have_text("今天 14:00 系统升级")
            notice = page.locator("#notice-list li")
            await expect(notice).to_contain_text("今天 14:00 系统升级")
            await page.screenshot(path=SHOTS / "desk-kb-notice.png", full_page=True)
            await notice.locator("button").click()
            await expect(notice).to_have_count(0)
            await expect(page.locator("#notices")).to_be_hidden()
            notice_id = wall.locator(".wall-notice")
            await asyncio.to_thread(sup.post, f"/notices/{await notice_id.get_attribute('data-id')}/withdraw",
                                    data={"csrf_token": csrf})
            await expect(wall.locator(".wall-notice")).to_have_count(0)
            await browser.close()
    receipts = sup.get("/notices/").get_data(as_text=True)
    assert "1 / 2" in receipts                                          # agent1 read it, agent2 not yet
    assert article
