"""E-mail with attachments through SMTP, for every daemon that mails (faxd: PDFs, ivrd: voicemail WAVs).

smtplib blocks, so `send_mail` runs it in a thread. Failures raise OSError
(smtplib's errors are OSErrors): the caller decides whether to retry.
"""
from __future__ import annotations

import asyncio
import mimetypes
import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

# What mimetypes does not know, or guesses differently on different systems.
MIME_TYPES = {".wav": "audio/wav", ".pdf": "application/pdf", ".tif": "image/tiff", ".tiff": "image/tiff"}


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "telephonist@localhost"
    starttls: bool = False
    username: str = ""
    password: str = ""


@dataclass(frozen=True)
class Attachment:
    path: str
    filename: str = ""          # the name the recipient sees; "" = the file's own
    mime: str = ""              # "" = from the file name


def _mime_of(name: str) -> tuple[str, str]:
    mime = MIME_TYPES.get(os.path.splitext(name)[1].lower()) or mimetypes.guess_type(name)[0] \
        or "application/octet-stream"
    main, _, sub = mime.partition("/")
    return main, sub


def build_message(smtp: SmtpSettings, to: str, subject: str, body: str,
                  attachments: tuple[str | Attachment, ...] = (), headers: dict[str, str] | None = None) -> EmailMessage:
    """``headers``: more of them (a reply's Message-ID, In-Reply-To, References)."""
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = to
    msg["Subject"] = subject
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for a in attachments:
        att = a if isinstance(a, Attachment) else Attachment(a)
        name = att.filename or os.path.basename(att.path)
        main, sub = att.mime.partition("/")[::2] if att.mime else _mime_of(name)
        with open(att.path, "rb") as f:
            msg.add_attachment(f.read(), maintype=main, subtype=sub, filename=name)
    return msg


def send_mail_now(smtp: SmtpSettings, to: str, subject: str, body: str, *attachments: str | Attachment | None,
                  headers: dict[str, str] | None = None) -> None:
    """Blocking: build and send one message (None attachments are skipped)."""
    msg = build_message(smtp, to, subject, body, tuple(a for a in attachments if a), headers)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as s:
        if smtp.starttls:
            s.starttls()
        if smtp.username:
            s.login(smtp.username, smtp.password)
        s.send_message(msg)


async def send_mail(smtp: SmtpSettings, to: str, subject: str, body: str, *attachments: str | Attachment | None,
                    headers: dict[str, str] | None = None) -> None:
    await asyncio.to_thread(send_mail_now, smtp, to, subject, body, *attachments, headers=headers)
