"""The senders [dialer] configures: e-mail with smtp_host, SMS with sms.device, fax with fax = true."""
from __future__ import annotations

from typing import Any

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
