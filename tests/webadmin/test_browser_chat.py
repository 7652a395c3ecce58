"""The website chat in Debian's Chromium (Playwright), on a real chand and ACD and the console as `telephonist
webadmin` serves it: a visitor (a browser context of its own, no login) opens the chat page and asks; the agent's
desktop (another page, agent1 = 1001 with the chat skill) is offered the chat, accepts it, and the two write to
each other, both ways, live; three more visitors come: the agent holds three chats and the fourth waits first in
line until the agent ends one; the transcript is in acd_chat_messages, the visitor became a customer, and the chat
is in the customer's timeline."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import urllib.request

import pytest

from telephonist.crm import store as crm_store
from telephonist.crm import timeline
from telephonist.webadmin import db
from tests.webadmin.desk_support import desk_site
from tests.webadmin.support import password
from tests.webadmin.test_browser import ARGS, CHROMIUM, SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]

QUEUES = """
[[queues]]
name = "sales"
strategy = "linear"
wrapup_s = 60
ring_timeout_s = 60

[[queues]]
name = "web"
media = "chat"
skills = { chat = 1 }
max_chats = 3
ring_timeout_s = 600
"""
AGENTS = """
[[agents]]
number = "1001"
name = "Li Wei"
extension = "8001"
queues = ["sales", "web"]
skills = { chat = 5 }

[[agents]]
number = "1002"
name = "Wang Fang"
extension = "8002"
queues = ["sales"]
"""


def start_chat(url: str, name: str) -> dict:
    """A visitor's chat opened as the page's script opens it (JSON, no cookie)."""
    req = urllib.request.Request(url + "/chat/start", method="POST", headers={"Content-Type": "application/json"},
                                 data=json.dumps({"queue": "web", "name": name, "phone": "1390000" + name[-4:]}).encode())
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def chat_state(url: str, token: str) -> dict:
    req = urllib.request.Request(url + "/chat/lines", headers={"X-Chat-Token": token})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())["chat"]


@pytest.mark.long
async def test_a_visitor_and_an_agent_chat_and_the_fourth_chat_waits(tmp_path):
    from playwright.async_api import async_playwright, expect
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with desk_site(tmp_path, queues=QUEUES, agents=AGENTS) as site:
        app = site.app
        app.config["WEB"] = dataclasses.replace(app.config["WEB"], chat_queues=("web",))
        url = site.served.url
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                problems: list[str] = []
                desk = await browser.new_page(viewport={"width": 1366, "height": 768})
                visitor_ctx = await browser.new_context(locale="zh-CN")
                visitor = await visitor_ctx.new_page()
                for p in (desk, visitor):
                    p.set_default_timeout(20000)
                    p.on("pageerror", lambda e: problems.append(str(e)))
                    p.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
                # the agent at its desktop, ready
                await desk.goto(url + "/agent/")
                await desk.fill("input[name=username]", "agent1")
                await desk.fill("input[name=password]", password("agent1"))
                await desk.click("button[type=submit]")
                await desk.wait_for_url("**/agent/")
                await desk.click("#login")
                await expect(desk.locator("#state")).to_have_attribute("data-state", "not_ready")
                await desk.keyboard.press("Alt+r")
                await expect(desk.locator("#state")).to_have_attribute("data-state", "ready")

                # the visitor asks (in Chinese: its browser's language)
                await visitor.goto(url + "/chat/?queue=web")
                await expect(visitor.locator("h1")).to_have_text("在线咨询")
                await visitor.fill("#chat-name", "赵小姐")
                await visitor.fill("#chat-email", "zhao@example.com")
                await visitor.fill("#chat-first", "我的银行卡丢了 <b>help</b>")
                await visitor.click("#chat-go")
                await expect(visitor.locator("#chat-lines li")).to_have_count(1)

                # offered on the desktop; accepted; the visitor's first line is there
                chat = desk.locator(".chat-panel", has=desk.locator("h3", has_text="赵小姐"))
                await expect(chat.locator(".chat-accept")).to_be_visible()
                await expect(chat.locator("h3")).to_have_text("赵小姐")
                await chat.locator(".chat-accept").click()
                await expect(chat.locator(".chat-lines li")).to_have_count(1)
                await expect(chat.locator(".chat-lines li").first).to_contain_text("我的银行卡丢了 <b>help</b>")
                await expect(visitor.locator("#chat-state")).to_contain_text("Li Wei")
                # both ways
                await chat.locator(".chat-input").fill("I have blocked the card.")
                await chat.locator(".chat-send").click()
                await expect(visitor.locator("#chat-lines li").nth(1)).to_contain_text("I have blocked the card.")
                await visitor.fill("#chat-text", "谢谢!")
                await visitor.click("#chat-send")
                await expect(chat.locator(".chat-lines li").nth(2)).to_contain_text("谢谢!")
                await desk.screenshot(path=SHOTS / "agent-desktop-chat.png")
                await visitor.screenshot(path=SHOTS / "website-chat-zh.png")

                # three more visitors: two come to the agent (three in all), the fourth waits first in line
                others = [await asyncio.to_thread(start_chat, url, f"visitor {n}") for n in (1002, 1003, 1004)]
                await expect(desk.locator(".chat-panel")).to_have_count(3)
                state = await asyncio.to_thread(chat_state, url, others[2]["token"])
                assert state["state"] == "waiting" and state["position"] == 1
                assert await site.acd.agent_state("1001") == "ready"          # voice: still free for a call

                # the agent ends the first chat: the visitor sees it ended, and the fourth comes
                await chat.locator(".chat-end").click()
                await expect(visitor.locator("#chat-state")).to_contain_text("对话已结束")
                await expect(visitor.locator("#chat-form")).to_be_hidden()
                await expect(desk.locator(".chat-panel")).to_have_count(3)
                await expect(desk.locator(".chat-panel h3", has_text="visitor 1004")).to_be_visible()
                assert problems == []
            finally:
                await browser.close()

        rows = site.acd.rows("SELECT c.id, c.state, c.ended_by, c.customer_id, m.sender, m.text FROM acd_chats c "
                             "JOIN acd_chat_messages m ON m.chat_id = c.id WHERE c.visitor = :v ORDER BY m.id",
                             v="赵小姐")
        assert [(r["sender"], r["text"]) for r in rows] == [
            ("visitor", "我的银行卡丢了 <b>help</b>"), ("agent:1001", "I have blocked the card."), ("visitor", "谢谢!")]
        assert rows[0]["state"] == "ended" and rows[0]["ended_by"] == "agent:1001"
        with db.reading(app) as conn:
            customer = crm_store.get(conn, rows[0]["customer_id"])
            entries = [e for e in timeline.whole(conn, customer) if e["kind"] == "chat"]
        assert customer["name"] == "赵小姐" and customer["custom"]["email"] == "zhao@example.com"
        assert [e["ref"] for e in entries] == [f"chat:{rows[0]['id']}"] and "3 lines" in entries[0]["summary"]


MAIL_QUEUES = QUEUES + """
[[queues]]
name = "mail"
media = "email"
skills = { email = 1 }
ring_timeout_s = 600
"""
MAIL_AGENTS = AGENTS.replace('skills = { chat = 5 }', 'skills = { chat = 5, email = 5 }').replace(
    'queues = ["sales", "web"]', 'queues = ["sales", "web", "mail"]')


@pytest.mark.long
async def test_an_agent_reads_an_email_and_replies_from_the_desktop(tmp_path):
    """A real SMTP client mails the ACD's receiver; the desktop shows the e-mail, the agent accepts it and writes the
    reply in the panel; a real SMTP server gets the reply, threaded on the customer's mail."""
    import smtplib
    from email.message import EmailMessage

    from aiosmtpd.controller import Controller
    from playwright.async_api import async_playwright, expect

    from telephonist.acd.mailin import start_receiver
    from tests.acd.test_acd_email import Sink
    from tests.webadmin.site_support import free_port
    sink, sink_port, in_port = Sink(), free_port(), free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=sink_port, ready_timeout=5)
    ctl.start()
    keys = (f'mail_listen = "127.0.0.1:{in_port}"\nmail_addresses = {{ "help@example.com" = "mail" }}\n'
            f'smtp_host = "127.0.0.1"\nsmtp_port = {sink_port}\n')
    try:
        async with desk_site(tmp_path, queues=MAIL_QUEUES, agents=MAIL_AGENTS, acd=keys) as site:
            receiver = await start_receiver(site.acd.service.acd, lambda: site.acd.service)
            try:
                async with async_playwright() as pw:
                    browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                    try:
                        problems: list[str] = []
                        desk = await browser.new_page(viewport={"width": 1366, "height": 768})
                        desk.set_default_timeout(20000)
                        desk.on("pageerror", lambda e: problems.append(str(e)))
                        await desk.goto(site.served.url + "/agent/")
                        await desk.fill("input[name=username]", "agent1")
                        await desk.fill("input[name=password]", password("agent1"))
                        await desk.click("button[type=submit]")
                        await desk.wait_for_url("**/agent/")
                        await desk.click("#login")
                        await expect(desk.locator("#state")).to_have_attribute("data-state", "not_ready")
                        await desk.keyboard.press("Alt+r")
                        await expect(desk.locator("#state")).to_have_attribute("data-state", "ready")

                        m = EmailMessage()
                        m["From"], m["To"] = "Sun Li <sun.li@example.com>", "help@example.com"
                        m["Subject"], m["Message-ID"] = "保单地址变更", "<ask-1@example.com>"
                        m.set_content("请把我的地址改为上海市浦东新区。")

                        def mail_in() -> None:
                            with smtplib.SMTP("127.0.0.1", in_port, timeout=10) as s:
                                s.send_message(m)
                        await asyncio.to_thread(mail_in)

                        panel = desk.locator('.chat-panel[data-media="email"]')
                        await expect(panel.locator("h3")).to_have_text("Sun Li · 保单地址变更")
                        await panel.locator(".chat-accept").click()
                        await expect(panel.locator(".chat-lines li")).to_contain_text(["请把我的地址改为上海市浦东新区。"])
                        await panel.locator("textarea.chat-input").fill("您好,\n地址已改好。")
                        await panel.locator(".chat-send").click()
                        await expect(panel.locator(".chat-lines li")).to_have_count(2)
                        await desk.screenshot(path=SHOTS / "agent-desktop-email.png")
                        await panel.locator(".chat-end").click()
                        await expect(panel).to_have_count(0)
                        assert problems == []
                    finally:
                        await browser.close()
            finally:
                receiver.close()
                await receiver.wait_closed()
            await asyncio.wait_for(sink.arrived.wait(), 10)
            reply = sink.messages[0]
            assert reply["To"] == "sun.li@example.com" and reply["From"] == "help@example.com"
            assert reply["Subject"] == "Re: 保单地址变更" and reply["In-Reply-To"] == "<ask-1@example.com>"
            assert reply.get_content().strip() == "您好,\n地址已改好。"
            rows = site.acd.rows("SELECT state, media, ended_by FROM acd_chats")
            assert rows == [{"state": "ended", "media": "email", "ended_by": "agent:1001"}]
    finally:
        ctl.stop()
