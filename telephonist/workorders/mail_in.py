"""Work orders from e-mail: the mail server hands each message to `telephonist workorders mail --type T`
on standard input (a Postfix/Exim alias such as `repair: "|/opt/telephonist/bin/telephonist workorders mail
--type repair"`, the way ticket systems take mail). The subject becomes the title, the text the
description, the sender the caller's name, a phone number in the subject or text the caller's number,
and each image or PDF attached an attachment of the order. A message that cannot become an order is
refused with the reason (exit 1: the mail server bounces it to the sender), never half-stored.
"""
from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr

from sqlalchemy.engine import Connection

from telephonist.workorders import attachments
from telephonist.workorders.config import WorkOrderConfig
from telephonist.workorders.store import NewOrder, OrderError, Viewer, create

# a mobile (139 0000 1111, 139-0000-1111) or a landline (021-12345678), +86 or not
PHONE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9][0-9](?:[- ]?[0-9]{4}){2}|0[1-9][0-9]{1,3}-?[0-9]{7,8})(?![0-9])")
MAX_MESSAGE = 25 * 1024 * 1024


@dataclass
class MailOrder:
    sender: str
    new: NewOrder
    files: list[tuple[str, bytes]] = field(default_factory=list)


def parse(raw: bytes, order_type: str, priority: str = "normal") -> MailOrder:
    if len(raw) > MAX_MESSAGE:
        raise OrderError(f"the message is larger than {MAX_MESSAGE // (1024 * 1024)} MiB")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(msg, EmailMessage) or not msg.get("From"):
        raise OrderError("not an e-mail message (no From)")
    name, addr = parseaddr(str(msg.get("From", "")))
    subject = str(msg.get("Subject", "") or "").strip()
    body = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        try:
            text = body.get_content()
        except (LookupError, ValueError):
            text = body.get_payload(decode=True).decode("utf-8", "replace")
        if body.get_content_subtype() == "html":
            text = re.sub(r"<[^>]+>", " ", text)
    number = PHONE.search(subject) or PHONE.search(text)
    files = []
    for part in msg.iter_attachments():
        filename = part.get_filename() or ""
        if filename:
            files.append((filename, part.get_payload(decode=True) or b""))
    new = NewOrder(type=order_type, priority=priority, title=subject[:200], description=text.strip(),
                   caller_number=re.sub(r"[- ]", "", number.group(1)) if number else "",
                   caller_name=(name or addr)[:200], source="email")
    return MailOrder(addr or name, new, files)


def store_mail(conn: Connection, cfg: WorkOrderConfig, mail: MailOrder, now: datetime) -> int:
    """The order and its attachments in one transaction (an attachment refused refuses the message)."""
    by = f"mail:{mail.sender}"[:64]
    oid = create(conn, cfg, mail.new, by, now)
    v = Viewer(by, sees_all=True)
    for filename, data in mail.files:
        attachments.save_upload(conn, cfg, oid, v, filename, data, now)
    return oid
