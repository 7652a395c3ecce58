"""A real SMTP server (aiosmtpd) on a free local port, keeping what it receives as email messages."""
from __future__ import annotations

import email
import email.policy
import socket
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Iterator

from aiosmtpd.controller import Controller


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        data = envelope.content.replace(b"\r\n", b"\n")
        self.messages.append(email.message_from_bytes(data, policy=email.policy.default))
        return "250 OK"


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[Inbox]:
    inbox = Inbox()
    inbox.port = port or free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=inbox.port, ready_timeout=5)
    ctl.start()
    try:
        yield inbox
    finally:
        ctl.stop()
