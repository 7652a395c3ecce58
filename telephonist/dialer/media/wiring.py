"""The senders [dialer] configures (e-mail with smtp_host, SMS with sms.device, fax with fax = true), and the
dialer daemon's tasks that use them: the media campaigns' runner and the account managers' reports."""
from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

from telephonist.config.model import Config
from telephonist.mail import SmtpSettings


def smtp_of(cfg: Config) -> SmtpSettings | None:
    d = cfg.dialer
    return SmtpSettings(host=d.smtp_host, port=d.smtp_port, sender=d.smtp_sender) if d.smtp_host else None


def senders(cfg: Config) -> dict[str, Any]:
    out: dict[str, Any] = {}
    smtp = smtp_of(cfg)
    if smtp is not None:
        from telephonist.dialer.media.email import EmailSender
        out["email"] = EmailSender(smtp)
    if cfg.dialer.sms.device:
        from telephonist.dialer.media.sms import SmsSender
        from telephonist.ivrd.voicemail.sms_modem import SmsModem
        out["sms"] = SmsSender(SmsModem(cfg.dialer.sms))
    if cfg.dialer.fax:
        from telephonist.dialer.media.fax import FaxSender
        out["fax"] = FaxSender(cfg.database.url, cfg.faxd.spool_dir)
    return out


def side_tasks(cfg: Config, store: Any, stop: asyncio.Event) -> tuple[list[asyncio.Task], list[Any]]:
    """(the tasks started, the senders to close when they end)."""
    from telephonist.dialer.media.runner import MediaRunner
    from telephonist.dialer.reports import Reporter
    loop = asyncio.get_running_loop()
    media = senders(cfg)
    tasks = [loop.create_task(MediaRunner(store, media).serve(stop, cfg.dialer.media_tick_s))] if media else []
    smtp, modem = smtp_of(cfg), (media["sms"].modem if "sms" in media else None)
    if smtp or modem:
        tasks.append(loop.create_task(Reporter(store.engine, ZoneInfo(cfg.system.time_zone), smtp, modem).serve(stop)))
    return tasks, list(media.values())
