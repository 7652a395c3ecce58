"""Mail a received fax (PDF attached) to its mailbox's address; runs smtplib in a thread."""
from __future__ import annotations

import asyncio
import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "telephonist@localhost"
    starttls: bool = False
    username: str = ""
    password: str = ""


def _send(smtp: SmtpSettings, to: str, subject: str, body: str, attachment: str | None) -> None:
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    if attachment:
        with open(attachment, "rb") as f:
            msg.add_attachment(f.read(), maintype="application", subtype="pdf",
                               filename=os.path.basename(attachment))
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as s:
        if smtp.starttls:
            s.starttls()
        if smtp.username:
            s.login(smtp.username, smtp.password)
        s.send_message(msg)


async def send_mail(smtp: SmtpSettings, to: str, subject: str, body: str, attachment: str | None = None) -> None:
    await asyncio.to_thread(_send, smtp, to, subject, body, attachment)
