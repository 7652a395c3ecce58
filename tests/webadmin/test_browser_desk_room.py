"""The desktop's conference room card in Debian's Chromium (Playwright), on a real chand, ACD, ivrd and console:
the agent takes its caller into a room from the page, invites a sim line by number (it keys the room's PIN), sees
the three parties, mutes the invited one from the page (its digit reaches nobody, the caller's still does) and
removes it (its line goes down). No script error and nothing refused by the page's CSP."""
from __future__ import annotations

import pytest

from tests.support.ivrd_harness import make_prompt
from tests.webadmin.desk_support import desk_site
from tests.webadmin.support import password
from tests.webadmin.test_browser import ARGS, CHROMIUM
from tests.webadmin.test_desk_rooms import ROOMS, SITE, hear, heard, room_now

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]


async def test_the_room_card_takes_the_call_in_invites_mutes_and_removes(tmp_path):
    from playwright.async_api import async_playwright, expect
    assert ROOMS[0].name == "huddle" and ROOMS[0].pin == "2468"
    for lang in ("zh", "en"):
        for name in ("enter-pin", "wrong-pin", "goodbye", "full", "locked"):
            make_prompt(str(tmp_path / "prompts" / lang / "conf" / f"{name}.wav"))
    async with desk_site(tmp_path, **SITE) as site:
        acd, t = site.acd, site.acd.tester
        phone = acd.phone("8001")
        for i in range(1, 9):
            await t.call("sim.take", far=f"callers/{i}~far")
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = await browser.new_page(viewport={"width": 1366, "height": 768}, locale="en-US")
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
                await page.click("#login")
                await expect(state).to_have_attribute("data-state", "not_ready")
                await page.keyboard.press("Alt+r")
                await expect(state).to_have_attribute("data-state", "ready")
                rung = t.mark()
                caller = await site.caller_to_queue("13912345678", "12345678")
                await site.lift("8001", rung)
                await expect(state).to_have_attribute("data-state", "on_call")
                await expect(page.locator("#room-live")).to_be_hidden()

                # into the room from the page: the card shows the two
                mark = t.mark()
                await page.fill("#room-name", "huddle")
                await page.click("#room-take")
                await room_now(acd, lambda r: len(r["parties"]) == 2, mark)
                rows = page.locator("#room-parties tbody tr")
                await expect(page.locator("#room-live")).to_be_visible()
                await expect(rows).to_have_count(2)
                await expect(page.locator("#room-title")).to_contain_text("huddle")

                # invite a number from the page; the invited line keys the PIN and is shown
                mark = t.mark()
                await page.fill("#room-invite-number", "13800002222")
                await page.click("#room-invite")
                dialled = await t.wait_for(lambda e: e.get("what") == "dialled" and e.get("number") == "13800002222",
                                           since=mark)
                invited = dialled["far"]
                up = await t.wait_for(lambda e: e.get("event") == "line_state" and e.get("state") == "up"
                                      and e.get("chan", "").startswith("callers/") and e.get("dialled") == "13800002222",
                                      since=mark)
                invited_chan = up["chan"]
                await site.monitor.wait_for(lambda e: e.get("event") == "call_event" and e.get("what") == "collect_start"
                                            and e.get("chan") == invited_chan, since=0, timeout=30)
                await t.call("sim.dtmf", far=invited, digits="2468#")
                await room_now(acd, lambda r: len(r["parties"]) == 3, mark)
                await expect(rows).to_have_count(3)
                row = rows.filter(has_text=invited_chan)

                # muted from the page: its digit reaches nobody, the caller's still does
                mark = t.mark()
                await row.get_by_role("button", name="Mute").click()
                await room_now(acd, lambda r: any(p["chan"] == invited_chan and p["muted"] for p in r["parties"]), mark)
                await expect(row.get_by_role("button", name="Unmute")).to_be_visible()
                mark = t.mark()
                await t.call("sim.dtmf", far=invited, digits="4")
                await t.call("sim.dtmf", far=caller, digits="5")
                await hear(acd, phone, "5", mark)
                assert "4" not in heard(acd, phone, mark)

                # removed from the page: its line goes down, the card shows two
                mark = t.mark()
                await rows.filter(has_text=invited_chan).get_by_role("button", name="Remove").click()
                await t.wait_for("line_state", chan=invited_chan, state="idle", since=mark)
                await expect(rows).to_have_count(2)
                assert problems == []
            finally:
                await browser.close()
                await t.call("sim.hangup", far=phone)
