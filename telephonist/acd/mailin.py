"""The e-mail queues' SMTP receiver: a small SMTP server (aiosmtpd) on the ACD's own event loop at `[acd]
mail_listen` (a restart changes it; a reload changes the addresses), taking mail for the addresses of `[acd]
mail_addresses` (each the address of an e-mail queue) and nothing else (550 for any other recipient, 552 above `mail_max_kb`). Each message becomes an e-mail item of the
first listed recipient's queue (chatdesk.email_new): the sender's name and address, the subject, the text (the
plain part, else the HTML one without its tags), the Message-ID and References (a reply threads on them), and the
customer with that address (crm/contacts.py: found, or opened). A message is accepted (250) only once its item is
committed, so a mail the ACD could not keep is refused and stays with the sending server.

Run it where the site's mail server can hand it mail (an alias or transport to 127.0.0.1:2525); it does no
authentication and no TLS, so it should listen on the host only, behind the real mail server.
"""
from __future__ import annotations

import email
import email.policy
import logging
import re
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any, Awaitable, Callable

from aiosmtpd.smtp import SMTP

from telephonist.crm import contacts
from telephonist.crm.store import CustomerError

log = logging.getLogger("telephonist.acd")
MAX_SUBJECT = 200
MAX_TEXT = 100_000              # the text kept of one message


def parse(raw: bytes) -> dict[str, str]:
    """What an e-mail item keeps of a message (raises ValueError for one without a sender address)."""
    msg = email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)
    if not isinstance(msg, EmailMessage):
        raise ValueError("not an e-mail message")
    name, address = parseaddr(str(msg.get("From", "")))
    if "@" not in address:
        raise ValueError("no sender address")
    body = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        try:
            text = body.get_content()
        except (LookupError, ValueError):
            text = (body.get_payload(decode=True) or b"").decode("utf-8", "replace")
        if body.get_content_subtype() == "html":
            text = re.sub(r"[ \t]+", " ", re.sub(r"<[^>]+>", " ", text))
    return {"name": name.strip()[:100], "address": address.strip()[:254],
            "subject": " ".join(str(msg.get("Subject", "") or "").split())[:MAX_SUBJECT],
            "text": text.strip()[:MAX_TEXT] or "(no text)",
            "message_id": str(msg.get("Message-ID", "") or "").strip()[:250],
            "refs": " ".join(str(msg.get("References", "") or "").split())[-2000:]}


class MailHandler:
    """aiosmtpd's handler: which recipients are taken, and what a message becomes."""

    def __init__(self, addresses: Callable[[], dict[str, str]], max_bytes: int,
                 deliver: Callable[[str, dict[str, str]], Awaitable[Any]]) -> None:
        self.addresses = addresses          # the running configuration's (a reload may change them)
        self.max_bytes = max_bytes
        self.deliver = deliver

    def queue_of(self, address: str) -> str | None:
        return {a.lower(): q for a, q in self.addresses().items()}.get(address.lower())

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options) -> str:
        if self.queue_of(address) is None:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if len(envelope.content) > self.max_bytes:
            return "552 5.3.4 message too large"
        try:
            item = parse(envelope.content)
        except ValueError as exc:
            return f"554 5.6.0 {exc}"
        queue = self.queue_of(envelope.rcpt_tos[0])
        if queue is None:
            return "451 4.3.0 the mailbox is being reconfigured; try again later"
        try:
            await self.deliver(queue, item)
        except Exception as exc:       # the mail stays with the sending server, which tries again later
            log.error("event=acd_mail_not_kept queue=%s error=%s", queue, exc)
            return "451 4.3.0 not kept now; try again later"
        return "250 OK"


async def start_receiver(acd, current: Callable[[], Any]) -> Any:
    """The receiver of `acd` (AcdConfig) on the running loop, handing mail to the AcdService `current()` gives (a
    reload makes a new one), or None without `mail_listen`. Close it with `.close()` and `await .wait_closed()`."""
    import asyncio
    if not acd.mail_listen:
        return None
    host, _, port = acd.mail_listen.rpartition(":")

    async def deliver(queue: str, item: dict[str, str]) -> None:
        svc = current()
        if svc is None:
            raise RuntimeError("the ACD is not connected to chand now")
        customer = await svc.store.writer.submit(lambda c: _customer(c, item))
        chat = await svc.email_new(queue, item["name"] or item["address"], item["address"], item["subject"],
                                   item["text"], item["message_id"], item["refs"], customer)
        log.info("event=acd_mail_in queue=%s chat=%s from=%s", queue, chat, item["address"])

    def addresses() -> dict[str, str]:
        svc = current()
        return svc.acd.mail_addresses if svc is not None else acd.mail_addresses

    handler = MailHandler(addresses, acd.mail_max_kb * 1024, deliver)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, data_size_limit=acd.mail_max_kb * 1024 + 4096, hostname="telephonist-acd",
                     enable_SMTPUTF8=True), host, int(port))
    log.info("event=acd_mail_listening address=%s", acd.mail_listen)
    return server


def _customer(conn, item: dict[str, str]) -> int | None:
    try:
        with conn.begin_nested():
            return int(contacts.find_or_open(conn, item["name"], item["address"])["id"])
    except CustomerError as exc:
        log.info("event=acd_mail_no_customer from=%s why=%s", item["address"], exc)
        return None
