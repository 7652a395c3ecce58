"""Issue 16's proof, end to end in Debian's Chromium (Playwright) on a real chand, ACD, ivrd, dialer and console
over sim spans: a customer calls the gas hotline and logs in with the customer number and phone PIN (ivrd's
authenticate node, realm "customer"); the agent's pop shows the customer, verified, with the timeline; the agent
creates a repair order from the pop; the office dispatches it to the east district's crew, whose member takes it
and finishes it with a note on a phone-width /crew page; the office closes it; the sweep sends the customer's SMS
(the GSM modem simulator) and puts the customer into the follow-up survey campaign; the dialer calls, the sim
number answers and presses 5, and the result lands on the customer's timeline; a reviewer scores the call's
recording on /quality; the knowledge base finds an article by a Chinese phrase; and an order made overdue by the
engine clock (run ahead for a moment) is counted by the overdue report while the wall clock is seconds later."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from telephonist.chand.assembly import TrunkGroupSpec
from telephonist.crm import store as crm_store
from telephonist.crm import timeline
from telephonist.crm.store import CustomerInput
from telephonist.dialer.service import DialerService
from telephonist.dialer.store import DialerStore
from telephonist.drivers.sim.far_end import NumberBehaviour
from telephonist.engine import Clock
from telephonist.webadmin import accounts, db
from telephonist.workorders.cli import run_sweep
from telephonist.workorders.clock import ask_chand
from telephonist.workorders.config import load
from tests.support.gsm_modem import GsmModem
from tests.support.ivrd_harness import make_prompt
from tests.webadmin.desk_support import Hotline, desk_site
from tests.webadmin.support import FAST_HASH, password
from tests.webadmin.test_browser import ARGS, CHROMIUM, SHOTS
from tests.webadmin.wo_support import use_workorders
from tests.workorders.support import GAS

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]

CALLER = "13812340001"
ACCOUNT, PIN = "87650001", "2468"
HOTLINE = """
[flow]
description = "gas hotline: 2 and the customer number and PIN, 0 for a person"
numbers = ["4009001234"]
start = "menu"

[nodes.menu]
type = "menu"
prompts = "{lang}/menu.wav"
choices = { "2" = "account", "0" = "operator" }

[nodes.account]
type = "collect"
prompts = "{lang}/account.wav"
var = "account"
min_digits = 8
max_digits = 8
next = "login"
on_fail = "menu"

[nodes.login]
type = "authenticate"
realm = "customer"
password_prompts = "{lang}/pin.wav"
invalid_prompts = "{lang}/pin.wav"
next = "menu"
on_fail = "menu"

[nodes.operator]
type = "transfer"
to = "queue:sales"
"""
SURVEY = """
[flow]
description = "the repair follow-up: 1 to 5"
start = "ask"
language = "zh"

[nodes.ask]
type = "collect"
prompts = ["zh/survey.wav"]
var = "score"
min_digits = 1
max_digits = 1
next = "done"
on_fail = "bye"

[nodes.done]
type = "set"
vars = { result = "score" }
next = "bye"

[nodes.bye]
type = "hangup"
"""
STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "max_attempts": 1}
DEADLINE_S = 180                          # the leak type's urgent deadline: 0.05 h
WORKORDERS = GAS.replace('sms_on_close = "您的报修单{number}已处理完毕，谢谢。"',
                         'sms_on_close = "您的报修单{number}已处理完毕，谢谢。"\nfollow_up = { campaign = "回访" }') + """
[[types]]
id = "leak"
name = "漏气"
department = "repair"
deadline_h = { low = 24, normal = 4, high = 1, urgent = 0.05 }
"""


def gas_hotline(tmp_path) -> Hotline:
    """The hotline above and the survey flow the follow-up campaign hands its answered calls to."""
    from telephonist.config.model import IvrdConfig
    prompts = tmp_path / "prompts"
    for lang in ("zh", "en"):
        for name in ("menu", "account", "pin", "survey"):
            make_prompt(str(prompts / lang / f"{name}.wav"))
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "hotline.toml").write_text(HOTLINE)
    (flows / "survey.toml").write_text(SURVEY)
    return Hotline(IvrdConfig(flows_dir=str(flows), languages=("zh", "en")), str(prompts), "4009001234",
                   lambda account: ["2", account, PIN + "#", "0"])


async def signed_in(browser, site, user: str, path: str, **ctx):
    context = await browser.new_context(**({"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"} | ctx))
    page = await context.new_page()
    page.set_default_timeout(20000)
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    await page.goto(site.served.url + path)
    await page.fill("input[name=username]", user)
    await page.fill("input[name=password]", password(user))
    await page.click("button[type=submit]")
    await page.wait_for_url("**" + path)
    return page


def _token(app, user: str) -> dict[str, str]:
    with db.writing(app) as conn:
        uid = next(u["id"] for u in accounts.list_users(conn) if u["username"] == user)
        return {"Authorization": "Bearer " + accounts.create_token(conn, uid, "proof")[1]}


async def test_a_customer_call_becomes_a_repair_a_survey_a_score_and_the_reports_count_it(tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with desk_site(tmp_path, hotline=gas_hotline, record=True,
                         trunk_groups=[TrunkGroupSpec("out", ["callers/*"])],      # the dialer's lines
                         numbers=[NumberBehaviour("1381*", "answer", after_rings=1)]) as site:
        with GsmModem() as modem:
            await _proof(site, modem, tmp_path)


async def _proof(site, modem, tmp_path) -> None:
    from playwright.async_api import async_playwright, expect
    app, t, chand = site.app, site.acd.tester, site.acd.chand
    db_url = f"sqlite:///{tmp_path / 'telephonist.db'}"
    use_workorders(app, tmp_path, WORKORDERS + f'\n[sms]\ndevice = "{modem.device}"\ntimeout_s = 10\n')
    wo = load(str(tmp_path / "workorders.toml"))
    with db.writing(app) as conn:
        customer = crm_store.open_customer(conn, CustomerInput(name="王大明", number=ACCOUNT, pin=PIN,
                                                              phones=[CALLER]), datetime.now(UTC))
        timeline.append(conn, customer["id"], "note", "燃气表上月已更换")
        accounts.create_role(conn, "reviewer", {"quality.review", "quality.view", "recordings.listen"})
        accounts.create_user(conn, "qa1", password("qa1"), "reviewer", method=FAST_HASH)
    dialer = DialerStore(engine=db.engine(app))
    campaign = dialer.create_campaign("回访", "survey", "agentless", "survey", "out", STRATEGY)
    dialer.set_state(campaign, "running")
    api, office = app.test_client(), _token(app, "super")

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # the customer calls, logs in with number and PIN, asks for a person; the pop knows them
            agent = await signed_in(browser, site, "agent1", "/agent/")
            state = agent.locator("#state")
            await expect(agent.locator("#conn")).to_have_class("conn ok")
            await agent.click("#login")
            await expect(state).to_have_attribute("data-state", "not_ready")
            await agent.click("#ready")
            await expect(state).to_have_attribute("data-state", "ready")
            rung = t.mark()
            caller_far = await site.caller_to_queue(CALLER, ACCOUNT)
            await expect(state).to_have_attribute("data-state", "ringing")
            await expect(agent.locator("#pop-account")).to_have_text(ACCOUNT)
            await expect(agent.locator("#pop-verified")).to_have_attribute("data-verified", "yes")
            await expect(agent.locator("#pop-customer-name")).to_have_text("王大明")
            await expect(agent.locator("#pop-timeline")).to_contain_text("燃气表上月已更换")
            await site.lift("8001", rung)
            await expect(state).to_have_attribute("data-state", "on_call")

            # a repair order from the pop (its form opens beside the desktop)
            async with agent.context.expect_page() as opened:
                await agent.click("#pop-workorder button[type=submit]")
            form = await opened.value
            await form.wait_for_load_state()
            await form.fill("input[name=f_address]", "东区幸福路1号")
            await form.select_option("select[name=f_fault]", "漏气")
            await form.click("#wo-new button[type=submit]")
            await form.wait_for_url(re.compile(r"/workorders/\d+$"))
            oid = int(form.url.rsplit("/", 1)[1])
            await t.call("sim.hangup", far=caller_far)
            await expect(state).to_have_attribute("data-state", "wrap_up")
            await agent.click("#wrapup-end")
            await expect(state).to_have_attribute("data-state", "ready")

            # the office sends it to the east district's crew
            boss = await signed_in(browser, site, "super", f"/workorders/{oid}")
            await boss.select_option("#move-dispatch select[name=unit]", "east-crew")
            await boss.click("#move-dispatch button[type=submit]")
            await expect(boss.locator("#move-close")).to_have_count(0)

            # the crew member on a phone: takes it, finishes it with a note
            crew = await signed_in(browser, site, "crew1", "/crew", viewport={"width": 390, "height": 844},
                                   is_mobile=True, has_touch=True)
            card = crew.locator(f"#crew-order-{oid}")
            await expect(card).to_contain_text("东区幸福路1号")
            assert await crew.evaluate("document.documentElement.scrollWidth") <= 390
            await card.locator("button.accept").tap()
            await card.locator("textarea[name=note]").fill("更换阀门，已试漏")
            await card.locator("button.done").tap()
            await expect(crew.locator(f"#crew-order-{oid}")).to_have_count(0)

            # the office checks and closes it
            await boss.reload()
            await boss.click("#move-close button[type=submit]")
            await expect(boss.locator("#move-reopen")).to_have_count(1)

            # the sweep: the customer's SMS, and the customer into the follow-up campaign
            swept = await run_sweep(db_url, wo, await ask_chand(chand.socket))
            assert (swept["sms_sent"], swept["follow_ups"]) == (1, [oid])
            assert modem.messages() == [(CALLER, f"您的报修单{oid}已处理完毕，谢谢。")]

            # the dialer calls the customer, who presses 5; the sweep puts the answer on the timeline
            watcher = site.monitor
            await watcher.call("subscribe", lines=False, calls=True, topics=["dialer"])
            m = watcher.mark()
            service = DialerService(await chand.client("dialer"), dialer)
            await service.start()
            asked = await watcher.wait_for(lambda e: e.get("event") == "call_event"
                                           and e.get("what") == "collect_start"
                                           and str(e.get("call_id", "")).startswith("dl-"), since=m, timeout=30)
            await t.call("sim.dtmf", far=asked["chan"] + "~far", digits="5")
            await watcher.wait_for(lambda e: e.get("event") == "published"
                                   and e["body"].get("kind") == "campaign_finished", since=m, timeout=30)
            await service.c.close()                    # the campaign is done: the dialer goes
            swept = await run_sweep(db_url, wo, await ask_chand(chand.socket))
            assert swept["follow_ups_reported"] == [oid]
            await boss.goto(f"{site.served.url}/customers/{customer['id']}")
            await expect(boss.locator("body")).to_contain_text("回访: answered · 5")

            # a manager makes a scoring form and a reviewer; the reviewer scores the call's recording
            await boss.goto(f"{site.served.url}/quality/forms/new")
            await boss.fill("#form-edit input[name=name]", "服务")
            await boss.check("#form-edit input[name=active]")
            await boss.fill("#form-edit textarea[name=items]", "开场; 问候; 10\n合规; 核实身份; 20; fatal\n")
            await boss.click("#form-edit button[type=submit]")
            await boss.goto(f"{site.served.url}/quality/reviewers")
            await boss.fill("#set-level input[name=username]", "qa1")
            await boss.fill("#set-level input[name=level]", "3")
            await boss.click("#set-level button[type=submit]")
            reviewer = await signed_in(browser, site, "qa1", "/quality/")
            await reviewer.locator("a[href*='/quality/score/']").first.click()
            await expect(reviewer.locator("#call")).to_contain_text(CALLER)
            src = await reviewer.locator("audio#recording").get_attribute("src")
            heard = await reviewer.request.get(site.served.url + src)             # the reviewer's session
            assert heard.status == 200 and heard.headers["content-type"].startswith("audio/") \
                and len(await heard.body()) > 1000
            await reviewer.fill("#score-form input[type=number] >> nth=0", "8")
            await reviewer.click("#score-form button[type=submit]")
            await expect(reviewer.locator("#score b")).to_have_text("93.3")

            # the knowledge base finds an article (written through REST) by a Chinese phrase
            r = api.post("/api/kb/articles", headers=office, json={
                "title": "燃气表读数异常怎么办", "body": "先核对表号，再预约上门检查。"})
            assert r.status_code == 201
            await agent.goto(f"{site.served.url}/kb/?q=读数异常")
            hit = agent.locator(f"a[href='/kb/{r.json['article']['id']}']")
            await expect(hit).to_have_count(1)
            await expect(hit).to_contain_text("读数")

            # an urgent leak order, made overdue by the engine clock run ahead past its deadline
            r = api.post("/api/workorders", headers=office, json={"type": "leak", "priority": "urgent",
                                                                 "caller_number": CALLER,
                                                                 "customer_id": customer["id"]})
            assert r.status_code == 201, r.json
            leak = r.json["workorder"]
            await boss.goto(f"{site.served.url}/workorders/report")
            await expect(boss.locator("#wo-overdue")).to_have_text("0")
            driver = await chand.client("clock-driver")
            m = driver.mark()
            await driver.call("timer", ms=(DEADLINE_S + 30) * 1000, key="past-deadline")
            chand.core.engine.set_clock(Clock.FAST)
            await driver.wait_for("timer", key="past-deadline", since=m)
            chand.core.engine.set_clock(Clock.REALTIME)
            assert datetime.now(UTC) < datetime.fromisoformat(leak["due_at"])
            await boss.reload()
            await expect(boss.locator("#wo-overdue")).to_have_text("1")
            await boss.screenshot(path=SHOTS / "workorders-report-overdue.png")
            for page in (agent, boss, crew, reviewer):
                assert page.problems == [], page.problems
        finally:
            await browser.close()
