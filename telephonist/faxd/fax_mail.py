"""Received faxes by e-mail, after their row is written, and again until they go.

faxd writes a received fax's row first, with `mail_to` set to the mailbox's
address; then `FaxMailer.deliver` sends the PDF. A failure (the SMTP server
down or refusing, an address it rejects) is noted in the row's `mail_error`
and logged; `sweep`, run by faxd's job loop every [faxd] mail_retry_s, tries
the unsent ones of the last mail_give_up_s again (also those a crash left
between the row and the mail). `emailed_to` is set once a mail went. What the
far end says about itself (its station ID, the caller ID) is outside text: it
is made one printable line before it reaches a header, a body or the row.
"""
from __future__ import annotations

import asyncio
import email.errors
import logging
import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from telephonist.faxd.store import FaxStore
from telephonist.mail import SmtpSettings, send_mail

log = logging.getLogger("telephonist.faxd")

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: Any, limit: int = 64) -> str:
    """Outside text as one printable line of at most `limit` characters (control characters,
    CR and LF become a space)."""
    return " ".join(_CONTROL.sub(" ", str(text or "")).split())[:limit]


def subject_and_body(fax: dict[str, Any]) -> tuple[str, str]:
    caller, station = one_line(fax.get("caller")), one_line(fax.get("remote_ident"))
    subject = f"Fax from {caller or station or 'unknown'} ({fax.get('pages', 0)} pages)"
    body = (f"A fax arrived in mailbox {one_line(fax.get('mailbox'))}.\nFrom: {caller}\nStation: {station}\n"
            f"Pages: {fax.get('pages', 0)}\n")
    return subject, body


class FaxMailer:
    def __init__(self, store: FaxStore, smtp: SmtpSettings, retry_s: float, give_up_s: float) -> None:
        self.store = store
        self.smtp = smtp
        self.retry_s = retry_s
        self.give_up_s = give_up_s
        self.started = datetime.now(timezone.utc)
        self.retry_at: dict[int, float] = {}       # fax id -> when it may be tried again
        self.next_sweep = 0.0

    async def deliver(self, fax: dict[str, Any]) -> bool:
        """Mail one received fax (its row exists); True when it went."""
        to = fax["mail_to"]
        subject, body = subject_and_body(fax)
        try:
            await send_mail(self.smtp, to, subject, body, fax.get("pdf_path"))
        except (OSError, ValueError, email.errors.MessageError) as exc:
            error = one_line(exc, 1000) or type(exc).__name__
            self.retry_at[fax["id"]] = time.monotonic() + self.retry_s
            await asyncio.to_thread(self.store.mail_failed, fax["id"], error)
            log.error("event=fax_mail_failed id=%s mailbox=%s to=%s retry_s=%s error=%s", fax["id"],
                      fax.get("mailbox"), to, self.retry_s, error)
            return False
        self.retry_at.pop(fax["id"], None)
        await asyncio.to_thread(self.store.mailed, fax["id"], to)
        log.info("event=fax_mailed id=%s mailbox=%s to=%s", fax["id"], fax.get("mailbox"), to)
        return True

    async def sweep_if_due(self) -> None:
        """Called by faxd's job loop: a sweep every retry_s (the first at once); its failure is logged."""
        if time.monotonic() < self.next_sweep:
            return
        self.next_sweep = time.monotonic() + self.retry_s
        try:
            await self.sweep()
        except Exception:
            log.exception("event=fax_mail_sweep_failed")

    async def sweep(self) -> int:
        """Try again the faxes whose mail failed (or that a crash left unsent); returns how many went.
        A fax received by this faxd and not failed yet is its handler's to send, not the sweep's."""
        since = datetime.now(timezone.utc) - timedelta(seconds=self.give_up_s)
        sent = 0
        for fax in await asyncio.to_thread(self.store.unmailed, since):
            if fax["mail_error"] is None and fax["created_at"] >= self.started:
                continue
            if self.retry_at.get(fax["id"], 0.0) > time.monotonic():
                continue
            sent += await self.deliver(fax)
        return sent
