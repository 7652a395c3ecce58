"""Tells mailbox owners about new messages: e-mail with the audio, SMS through the GSM modem.

One task per ivrd. After a message is stored (`message_stored`), and every
[ivrd.voicemail] notify_retry_s, it sweeps the messages of the last
notify_give_up_s whose box wants an e-mail or SMS not yet sent, sends them
and notes each in notified_email_at / notified_sms_at. A failure is logged
and tried again after notify_retry_s; the message itself is never touched.
Sends are not repeated once noted; a crash between a send and its note may
repeat that one notification after the restart, never lose it.
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from telephonist.config.model import VoicemailConfig
from telephonist.ivrd.voicemail.notify_mail import mail_message
from telephonist.ivrd.voicemail.sms_modem import SmsError, SmsModem
from telephonist.ivrd.voicemail.store import Box, Message, VoicemailStore, utcnow
from telephonist.ivrd.voicemail.wording import sms_text
from telephonist.mail import SmtpSettings

log = logging.getLogger("telephonist.ivrd.voicemail")


class Notifier:
    def __init__(self, store: VoicemailStore, settings: VoicemailConfig, time_zone: str = "Asia/Shanghai",
                 sms: SmsModem | None = None) -> None:
        self.store = store
        self.settings = settings
        self.time_zone = time_zone
        self.sms = sms
        self.smtp = SmtpSettings(settings.smtp_host, settings.smtp_port, settings.smtp_sender)
        self.retry_at: dict[tuple[int, str], float] = {}     # (message, channel) -> when it may be tried again
        self.sent = 0
        self.failed = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._warned_no_sms: set[int] = set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def message_stored(self, message_id: int) -> None:
        """A new message: sweep now rather than at the next retry."""
        self._wake.set()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        if self.sms is not None:
            await asyncio.to_thread(self.sms.close)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.sweep()
            except Exception:
                log.exception("event=voicemail_notify_sweep_failed")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=max(1, self.settings.notify_retry_s))
            except asyncio.TimeoutError:
                pass

    async def sweep(self) -> None:
        since = utcnow() - timedelta(seconds=self.settings.notify_give_up_s)
        for msg, box in await asyncio.to_thread(self.store.due_notifications, since):
            if box.email and msg.notified_email_at is None and self._due(msg.id, "email"):
                await self._email(msg, box)
            if box.sms_number and msg.notified_sms_at is None and self._due(msg.id, "sms"):
                await self._sms(msg, box)

    def _due(self, message_id: int, channel: str) -> bool:
        return self.retry_at.get((message_id, channel), 0.0) <= time.monotonic()

    def _failed(self, msg: Message, channel: str, to: str, error: object) -> None:
        self.failed += 1
        self.retry_at[(msg.id, channel)] = time.monotonic() + self.settings.notify_retry_s
        log.error("event=voicemail_notify_failed channel=%s id=%s mailbox=%s to=%s retry_s=%s error=%s", channel,
                  msg.id, msg.mailbox, to, self.settings.notify_retry_s, str(error).replace("\n", " "))

    async def _email(self, msg: Message, box: Box) -> None:
        try:
            await mail_message(self.smtp, msg, box, self.time_zone)
        except (OSError, ValueError) as exc:
            self._failed(msg, "email", box.email, exc)
            return
        await asyncio.to_thread(self.store.mark_notified, msg.id, "email")
        self.retry_at.pop((msg.id, "email"), None)
        self.sent += 1
        log.info("event=voicemail_notified channel=email id=%s mailbox=%s to=%s", msg.id, msg.mailbox, box.email)

    async def _sms(self, msg: Message, box: Box) -> None:
        if self.sms is None:
            if msg.id not in self._warned_no_sms:
                self._warned_no_sms.add(msg.id)
                log.warning("event=voicemail_sms_not_configured id=%s mailbox=%s hint=set [ivrd.voicemail.sms] device",
                            msg.id, msg.mailbox)
            return
        try:
            await self.sms.send(box.sms_number, sms_text(msg, box, self.time_zone))
        except SmsError as exc:
            self._failed(msg, "sms", box.sms_number, exc)
            return
        await asyncio.to_thread(self.store.mark_notified, msg.id, "sms")
        self.retry_at.pop((msg.id, "sms"), None)
        self.sent += 1
        log.info("event=voicemail_notified channel=sms id=%s mailbox=%s to=%s", msg.id, msg.mailbox, box.sms_number)
