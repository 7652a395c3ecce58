"""E-mail through SMTP (telephonist/mail.py) with the [dialer] smtp settings."""
from __future__ import annotations

from typing import Any

from telephonist.dialer.media.template import fill
from telephonist.mail import SmtpSettings, send_mail


class EmailSender:
    medium = "email"

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp

    async def send(self, address: str, message: dict[str, Any], values: dict[str, Any]) -> str:
        await send_mail(self.smtp, address, fill(message.get("subject", ""), values), fill(message["body"], values))
        return ""

    def close(self) -> None:
        pass
