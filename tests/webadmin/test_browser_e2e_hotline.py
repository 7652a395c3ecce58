"""Issue 14's proof, end to end in Debian's Chromium (Playwright) on a real chand, ACD and ivrd over sim spans,
with the demo's insurance hotline in front: agents A and B sign in on their desktops and go ready; a caller
rings the hotline, logs in with its policy number and password and presses 0; A's pop shows the policy number
as verified; A's phone answers; a supervisor clicks Listen, and the supervisor's sim phone hears a tone from
the caller and one from A; A consults B from the page and completes the transfer; B's pop has the same data;
B hangs up, reloads the page in wrap-up (the pop is still there), gives a disposition and a note; the
supervisor forces B not ready and sees the reason in Chinese; the wallboard, opened before the call, shows the
call answered without a reload; Reports › Queues and › Agents count it with its disposition."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.acd.test_acd_calls import AGENTS as SALES_AGENTS
from tests.acd.test_acd_controls import says
from tests.webadmin.desk_support import QUEUES as DESK_QUEUES
from tests.webadmin.desk_support import acd_calls, desk_site, insurance_hotline
from tests.webadmin.support import password
from tests.webadmin.test_browser import ARGS, CHROMIUM, SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]

CALLER = "13912345678"
POLICY = "88001234"                          # Zhang Wei's policy in etc/telephonist/demo-data
SUPERVISOR_PHONE = "8003"
NOTE = "asked about the premium due in January"
# the desk tests' queue and agents, as the hotline's "0" names the queue ("service")
QUEUES = DESK_QUEUES.replace('name = "sales"', 'name = "service"')
AGENTS = SALES_AGENTS.replace('queues = ["sales"]', 'queues = ["service"]')


async def signed_in(browser, site, user: str, path: str, locale: str = "en-US"):
    """A browser context of its own (its own session), signed in as user at path; script errors are collected
    in page.problems."""
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale=locale)
    page = await context.new_page()
    page.set_default_timeout(20000)
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("console", lambda m: page.problems.append(m.text) if "Content Security Policy" in m.text else None)
    await page.goto(site.served.url + path)
    await page.fill("input[name=username]", user)
    await page.fill("input[name=password]", password(user))
    await page.click("button[type=submit]")
    await page.wait_for_url("**" + path)
    return page


async def ready_at_seat(page, expect) -> None:
    state = page.locator("#state")
    await expect(page.locator("#conn")).to_have_class("conn ok")
    await page.click("#login")
    await expect(state).to_have_attribute("data-state", "not_ready")
    await page.click("#ready")
    await expect(state).to_have_attribute("data-state", "ready")


async def row_of(page, table: str, first_cell: str) -> dict[str, str]:
    """A report table's row whose first cell is first_cell, as {column header: text}."""
    return await page.evaluate("""([table, first]) => {
        const t = document.querySelector(table);
        const heads = [...t.tHead.rows[0].cells].map(c => c.textContent.trim());
        const row = [...t.tBodies[0].rows].find(r => r.cells[0].textContent.trim() === first);
        return row ? Object.fromEntries([...row.cells].map((c, i) => [heads[i], c.textContent.trim()])) : null;
    }""", [table, first_cell])


async def test_a_hotline_call_from_the_ivr_to_two_agents_a_listening_supervisor_and_the_reports(tmp_path):
    from playwright.async_api import async_playwright, expect
    async with desk_site(tmp_path, queues=QUEUES, agents=AGENTS, hotline=insurance_hotline) as site:
        acd, t = site.acd, site.acd.tester
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                # the wallboard first (an administrator's), then the supervisor (in Chinese) and the two agents
                wall = await signed_in(browser, site, "admin", "/wallboard")
                tile = wall.locator(".wall-tile[data-queue='service']")
                await expect(wall.locator("#conn")).to_have_class("conn ok")
                await expect(tile.locator(".fig.answered b")).to_have_text("0")
                await wall.evaluate("window.notReloaded = true")
                sup = await signed_in(browser, site, "super", "/supervisor/", locale="zh-CN")
                await expect(sup.locator("#conn")).to_have_class("conn ok")
                a = await signed_in(browser, site, "agent1", "/agent/")
                b = await signed_in(browser, site, "agent2", "/agent/")
                await ready_at_seat(a, expect)
                await ready_at_seat(b, expect)

                # the caller logs in with its policy number and password, then presses 0: A (first) gets it
                rung = t.mark()
                caller_far = await site.caller_to_queue(CALLER, POLICY)
                await expect(a.locator("#state")).to_have_attribute("data-state", "ringing")
                await expect(a.locator("#pop-number")).to_have_text(CALLER)
                await expect(a.locator("#pop-account")).to_have_text(POLICY)
                await expect(a.locator("#pop-verified")).to_have_attribute("data-verified", "yes")
                await expect(a.locator("#pop-queue")).to_have_text("service")
                await expect(a.locator("#pop-path")).to_contain_text("policy_login")
                await site.lift("8001", rung)
                await expect(a.locator("#state")).to_have_attribute("data-state", "on_call")
                await a.reload()                                     # a desktop opened again during the call
                await expect(a.locator("#pop-account")).to_have_text(POLICY)

                # the supervisor listens: its phone hears a tone of the caller and one of the agent
                row_a = sup.locator("#agents tr[data-agent='1001']")
                await expect(row_a).to_have_attribute("data-state", "on_call")
                await sup.fill("#phone", SUPERVISOR_PHONE)
                rung, d = t.mark(), acd.desk.mark()
                await row_a.locator("button[data-action=listen]").click()
                await expect(sup.locator("#message")).to_have_class("flash ok")
                await site.lift(SUPERVISOR_PHONE, rung)
                await acd.desk.wait_for(lambda e: e.get("event") == "published" and e["body"]["kind"] == "supervising"
                                        and e["body"]["mode"] == "listen", since=d)
                agent_far, sup_far = acd.phone("8001"), acd.phone(SUPERVISOR_PHONE)
                everyone = [caller_far, agent_far, sup_far]
                await says(t, caller_far, "1", [agent_far, sup_far], everyone)
                await says(t, agent_far, "2", [caller_far, sup_far], everyone)
                m = t.mark()
                await t.call("sim.hangup", far=sup_far)
                await t.wait_for("line_state", chan=f"phones/{int(SUPERVISOR_PHONE) - 8000}", state="idle", since=m)

                # A consults B (picked from the list of ready colleagues) and hands the call over
                await a.locator("#target-pick").click()
                await expect(a.locator("#target-pick option[value='agent:1002']")).to_be_enabled()
                await a.select_option("#target-pick", "agent:1002")
                rung = t.mark()
                await a.click("#consult")
                await site.lift("8002", rung)
                await expect(b.locator("#state")).to_have_attribute("data-state", "on_call")
                await expect(a.locator("#complete")).to_be_enabled()
                await a.click("#complete")
                await expect(a.locator("#state")).to_have_attribute("data-state", "wrap_up")
                await expect(b.locator("#pop-number")).to_have_text(CALLER)
                await expect(b.locator("#pop-account")).to_have_text(POLICY)
                await expect(b.locator("#pop-verified")).to_have_attribute("data-verified", "yes")
                await says(t, caller_far, "3", [acd.phone("8002")], everyone + [acd.phone("8002")])

                # B hangs up from the page; the page, reloaded in wrap-up, keeps the pop; disposition and note
                await b.click("#hangup")
                await expect(b.locator("#state")).to_have_attribute("data-state", "wrap_up")
                await t.call("sim.hangup", far=acd.phone("8002"))
                await b.reload()
                await expect(b.locator("#state")).to_have_attribute("data-state", "wrap_up")
                await expect(b.locator("#pop-account")).to_have_text(POLICY)
                await expect(b.locator("#pop-verified")).to_have_attribute("data-verified", "yes")
                await b.select_option("#code", "call back")
                await b.fill("#note", NOTE)
                await b.click("#wrapup-end")
                await expect(b.locator("#state")).to_have_attribute("data-state", "ready")
                await a.click("#wrapup-end")
                await expect(a.locator("#state")).to_have_attribute("data-state", "ready")
                await asyncio.gather(*list(acd.service.tasks), return_exceptions=True)        # the ACD's writes
                rows = acd_calls(site, CALLER)
                assert [(r["outcome"], r["wrapup_code"], r["note"]) for r in rows] == \
                    [("answered", "call back", NOTE)]

                # the supervisor forces B not ready: the reason in the user's language (Chinese)
                row_b = sup.locator("#agents tr[data-agent='1002']")
                await sup.select_option("#reason", "meeting")
                await row_b.locator("button[data-action=force_not_ready]").click()
                await expect(row_b).to_have_attribute("data-state", "not_ready")
                await expect(row_b.locator("td").nth(3)).to_have_text("会议")
                SHOTS.mkdir(parents=True, exist_ok=True)
                await sup.screenshot(path=SHOTS / "supervisor-zh.png")

                # the wallboard shows the call answered without a reload
                await expect(tile.locator(".fig.answered b")).to_have_text("1")
                assert await wall.evaluate("window.notReloaded") is True

                # the reports count it, with its disposition
                today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
                period = f"since={today - timedelta(days=1)}&until={today + timedelta(days=1)}"
                await wall.goto(f"{site.served.url}/reports/queues?interval=day&{period}")
                totals = await row_of(wall, "#queue-totals", "service")
                assert (totals["Offered"], totals["Answered"], totals["Abandoned"]) == ("1", "1", "0"), totals
                assert await row_of(wall, "#dispositions", "service") == \
                    {"Queue": "service", "Disposition": "call back", "Calls": "1"}
                await wall.goto(f"{site.served.url}/reports/agents?{period}")
                agents = {n: await row_of(wall, "#report", n) for n in ("1001", "1002")}
                assert agents["1001"]["Calls answered"] == "1", agents
                for page in (wall, sup, a, b):
                    assert page.problems == [], page.problems
            finally:
                await browser.close()
