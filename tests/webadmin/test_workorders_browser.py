"""The field crew's page on a phone (Chromium at 390 px wide): the crew member sees the order dispatched to
the crew, accepts it, and finishes it with a note and a photo taken on the phone; nothing is wider than
the screen. Screenshots go to tests/_artifacts/screenshots/."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from telephonist.webadmin import db
from telephonist.workorders import store
from telephonist.workorders.store import NewOrder
from tests.webadmin.live_support import served
from tests.webadmin.support import password
from tests.webadmin.test_browser import ARGS, CHROMIUM, SHOTS
from tests.webadmin.wo_support import use_workorders

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


async def test_crew_accepts_and_finishes_an_order_on_a_phone(app, user_ids, tmp_path):
    from playwright.async_api import async_playwright, expect
    SHOTS.mkdir(parents=True, exist_ok=True)
    use_workorders(app, tmp_path)
    cfg = app.extensions["workorders_config"].get()
    office = store.viewer(cfg, "super", True, True)
    t = datetime.now(timezone.utc)
    with db.writing(app) as conn:
        oid = store.create(conn, cfg, NewOrder("repair", "urgent", fields={"address": "东区幸福路1号"},
                                               caller_number="13900001111", caller_name="王先生"), "agent1", t)
        store.move(conn, cfg, oid, "dispatch", office, "", t, unit="east-crew")
    (tmp_path / "meter.png").write_bytes(PNG)
    async with served(app) as server, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = await browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                      has_touch=True, device_scale_factor=2)
        page.set_default_timeout(15000)
        await page.goto(server.url + "/crew")
        await page.fill("input[name=username]", "crew1")
        await page.fill("input[name=password]", password("crew1"))
        await page.click("button[type=submit]")
        await page.goto(server.url + "/crew")
        card = page.locator(f"#crew-order-{oid}")
        await expect(card).to_contain_text("东区幸福路1号")
        await expect(card).to_contain_text("王先生")
        wide = await page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e =>
            e.getBoundingClientRect().right > 391).map(e => e.tagName + '#' + e.id + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().left) + '-' +
            Math.round(e.getBoundingClientRect().right)).slice(0, 8)""")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390, wide
        await page.screenshot(path=SHOTS / "crew-order.png", full_page=True)
        await card.locator("button.accept").tap()
        await expect(card.locator("textarea[name=note]")).to_be_visible()
        await card.locator("textarea[name=note]").fill("更换阀门，已试漏")
        await card.locator("input[name=photo]").set_input_files(str(tmp_path / "meter.png"))
        box = await card.locator("button.done").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
        await page.screenshot(path=SHOTS / "crew-finish.png", full_page=True)
        await card.locator("button.done").tap()
        await expect(page.locator(f"#crew-order-{oid}")).to_have_count(0)
        await expect(page.locator("#crew-empty")).to_be_visible()
        await browser.close()
    with db.reading(app) as conn:
        assert conn.execute(text("SELECT state, assignee FROM wo_orders")).one() == ("done", "crew1")
        assert conn.execute(text("SELECT kind, size FROM wo_attachments")).one() == ("photo", len(PNG))
        notes = conn.execute(text("SELECT note FROM wo_history WHERE action = 'finish'")).scalars().all()
    assert notes == ["更换阀门，已试漏"]
