"""E-mail as ACD media, with real parts: a real SMTP client (smtplib) sends to the ACD's receiver (aiosmtpd on the
ACD's loop, acd/mailin.py); the mail becomes an e-mail item of the address's queue, offered to the agent with the
e-mail skill; the agent accepts and replies, and the reply reaches a real SMTP server (an aiosmtpd sink) threaded
on the customer's mail (In-Reply-To, References, Re: subject); the customer's answer threads on the reply. The
rows, the customer opened for the sender and the timeline entry are checked in the database."""
from __future__ import annotations

import asyncio
import email
import email.policy
import smtplib
from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from telephonist.acd.mailin import parse, start_receiver
from telephonist.client import ApiCallError
from telephonist.crm import store as crm_store
from telephonist.crm import timeline
from telephonist.engine import Clock
from tests.acd.harness import running_acd
from tests.webadmin.site_support import free_port

QUEUES = """
[[queues]]
name = "sales"

[[queues]]
name = "mail"
media = "email"
skills = { email = 1 }
max_chats = 2
ring_timeout_s = 600
"""
AGENTS = """
[[agents]]
number = "1001"
name = "Li Wei"
extension = "8001"
queues = ["sales", "mail"]
skills = { email = 5 }
"""


class Sink:
    """A real SMTP server the agents' replies go to."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived = asyncio.Event()
        self.loop = asyncio.get_running_loop()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content.replace(b"\r\n", b"\n"), policy=email.policy.default)
        self.messages.append(msg)
        self.loop.call_soon_threadsafe(self.arrived.set)
        return "250 OK"


def mail(to: str, subject: str, text: str, message_id: str, sender: str = "Zhao Min <zhao.min@example.com>",
         **headers: str) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"], m["Message-ID"] = sender, to, subject, message_id
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content(text)
    return m


def smtp_send(port: int, msg: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        s.send_message(msg)


def published(kind: str, **match):
    return lambda e: (e.get("event") == "published" and e["body"].get("kind") == kind
                      and all(e["body"].get(k) == v for k, v in match.items()))


def test_a_message_is_parsed_to_what_an_item_keeps():
    m = EmailMessage()
    m["From"], m["Subject"], m["Message-ID"] = "=?utf-8?b?6LW15pWP?= <zm@example.com>", "发票  问题", "<a@x>"
    m["References"] = "<r1@x>   <r2@x>"
    m.set_content("<p>hi</p>", subtype="html")
    item = parse(m.as_bytes())
    assert item == {"name": "赵敏", "address": "zm@example.com", "subject": "发票 问题", "text": "hi",
                    "message_id": "<a@x>", "refs": "<r1@x> <r2@x>"}
    with pytest.raises(ValueError):
        parse(b"Subject: no sender\n\nhello")


async def test_mail_in_offered_accepted_replied_threaded_and_on_the_timeline(tmp_path):
    from aiosmtpd.controller import Controller
    sink, sink_port, in_port = Sink(), free_port(), free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=sink_port, ready_timeout=5)
    ctl.start()
    acd_keys = f"""
        mail_listen = "127.0.0.1:{in_port}"
        mail_max_kb = 64
        mail_addresses = {{ "support@example.com" = "mail" }}
        smtp_host = "127.0.0.1"
        smtp_port = {sink_port}
        smtp_sender = "support@example.com"
        """
    try:
        async with running_acd(tmp_path, QUEUES, AGENTS, acd=acd_keys, clock=Clock.REALTIME) as acd:
            receiver = await start_receiver(acd.service.acd, lambda: acd.service)
            try:
                await acd.login("1001", "8001")
                m = acd.desk.mark()
                await asyncio.to_thread(smtp_send, in_port, mail("support@example.com", "发票问题",
                                                                  "我的发票开错了。\nZhao Min", "<q1@example.com>"))
                offer = (await acd.desk.wait_for(published("chat_offered", agent="1001"), since=m))["body"]
                assert offer["media"] == "email" and offer["subject"] == "发票问题"
                assert offer["email"] == "zhao.min@example.com" and offer["visitor"] == "Zhao Min"
                cid = offer["chat"]
                # a recipient the ACD does not know, and a message too large, are refused at the door
                with pytest.raises(smtplib.SMTPRecipientsRefused):
                    await asyncio.to_thread(smtp_send, in_port, mail("nobody@example.com", "x", "x", "<n@x>"))
                with pytest.raises(smtplib.SMTPException):
                    await asyncio.to_thread(smtp_send, in_port, mail("support@example.com", "big", "x" * 70_000,
                                                                      "<big@x>"))
                # the agent accepts and replies: the reply goes out by mail, threaded on the customer's
                await acd.ask("chat_accept", agent="1001", chat=cid)
                await acd.ask("chat_post", agent="1001", chat=cid, text="您好,已为您重开发票。")
                await asyncio.wait_for(sink.arrived.wait(), 10)
                reply = sink.messages[0]
                assert reply["To"] == "zhao.min@example.com" and reply["From"] == "support@example.com"
                assert reply["Subject"] == "Re: 发票问题"
                assert reply["In-Reply-To"] == "<q1@example.com>" and reply["References"] == "<q1@example.com>"
                assert "已为您重开发票" in reply.get_content()
                # the customer answers the reply: a new item whose thread names the reply
                sink.arrived.clear()
                m = acd.desk.mark()
                await asyncio.to_thread(smtp_send, in_port, mail(
                    "support@example.com", "Re: 发票问题", "谢谢", "<q2@example.com>",
                    In_Reply_To=reply["Message-ID"], References=f"<q1@example.com> {reply['Message-ID']}"))
                second = (await acd.desk.wait_for(published("chat_offered", agent="1001"), since=m))["body"]["chat"]
                await acd.ask("chat_accept", agent="1001", chat=second)
                await acd.ask("chat_post", agent="1001", chat=second, text="不客气")
                await asyncio.wait_for(sink.arrived.wait(), 10)
                assert sink.messages[1]["In-Reply-To"] == "<q2@example.com>"
                assert sink.messages[1]["References"] == f"<q1@example.com> {reply['Message-ID']} <q2@example.com>"
                # a visitor's line (the console's chat_post without an agent) does not go into an e-mail
                console = await acd.chand.client("webadmin")
                with pytest.raises(ApiCallError) as e:
                    await console.request("queue", {"action": "chat_post", "chat": cid, "text": "x"})
                assert e.value.code == "wrong_state"
                await acd.ask("chat_end", agent="1001", chat=cid)
            finally:
                receiver.close()
                await receiver.wait_closed()
            lines = acd.rows("SELECT sender, text, message_id FROM acd_chat_messages WHERE chat_id = :c ORDER BY id",
                             c=cid)
            assert [(x["sender"], x["message_id"]) for x in lines] == [
                ("visitor", "<q1@example.com>"), ("agent:1001", reply["Message-ID"])]
            row = acd.rows("SELECT * FROM acd_chats WHERE id = :c", c=cid)[0]
            assert row["media"] == "email" and row["state"] == "ended" and row["customer_id"] is not None
            with acd.db.connect() as conn:
                customer = crm_store.get(conn, row["customer_id"])
                entries = [x for x in timeline.whole(conn, customer) if x["kind"] == "email"]
            assert customer["custom"]["email"] == "zhao.min@example.com" and customer["name"] == "Zhao Min"
            assert {x["ref"] for x in entries} == {f"chat:{cid}", f"chat:{second}"}
            assert acd.rows("SELECT count(*) AS n FROM acd_chats")[0]["n"] == 2        # nothing of the refused ones
    finally:
        ctl.stop()


async def test_without_smtp_host_a_reply_is_refused_not_kept(tmp_path):
    in_port = free_port()
    async with running_acd(tmp_path, QUEUES, AGENTS, clock=Clock.REALTIME, acd=f"""
            mail_listen = "127.0.0.1:{in_port}"
            mail_addresses = {{ "support@example.com" = "mail" }}
            """) as acd:
        receiver = await start_receiver(acd.service.acd, lambda: acd.service)
        try:
            await acd.login("1001", "8001")
            m = acd.desk.mark()
            await asyncio.to_thread(smtp_send, in_port, mail("Support@Example.com", "hello", "hi", "<h@x>"))
            cid = (await acd.desk.wait_for(published("chat_offered", agent="1001"), since=m))["body"]["chat"]
            await acd.ask("chat_accept", agent="1001", chat=cid)
            with pytest.raises(ApiCallError) as e:
                await acd.ask("chat_post", agent="1001", chat=cid, text="reply")
            assert e.value.code == "unavailable"
        finally:
            receiver.close()
            await receiver.wait_closed()
        with acd.db.connect() as conn:
            n = conn.execute(sa.text("SELECT count(*) FROM acd_chat_messages WHERE chat_id = :c"), {"c": cid}).scalar()
        assert n == 1
