"""`telephonist workorders`: `check` the order types file (and that each follow_up names a dialer campaign),
`sweep` once (overdue reminders and escalations, closed orders' follow-up calls into their campaigns and the
campaigns' outcomes onto the customers' timelines, then the reminders' e-mail and SMS and the customers' SMS
that are due). telephonist-workorders.timer runs the sweep every minute, on chand's clock (workorders/clock.py).

Why a timer and not a loop in a daemon: the sweep is a few queries a minute that need no call and no state
between runs (it only asks chand the time); a one-shot unit keeps ivrd and the web console free
of it, and the SMS go through a modem of its own ([sms] device), never the one ivrd holds for voicemail.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import datetime

from telephonist.config import load_config


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    sub.add_parser("check", help="check workorders.toml beside the configuration (file:line for each problem)")
    s = sub.add_parser("sweep", help="remind and escalate overdue orders, send the customers' SMS that are due")
    s.add_argument("--json", action="store_true", help="one JSON object: what was done")
    m = sub.add_parser("mail", help="make an order of one e-mail message read from standard input "
                                    "(a mail server's pipe alias); exit 1 refuses it with the reason")
    m.add_argument("--type", required=True, help="the order type id")
    m.add_argument("--priority", default="normal")


def main(args: argparse.Namespace) -> int:
    from telephonist.logsetup import setup_logging
    from telephonist.workorders.config import config_path, load
    cfg = load_config(args.config)
    setup_logging(cfg.system.log_level)
    path = config_path(os.path.dirname(os.path.abspath(args.config)))
    wo = load(path)                                  # ConfigError: printed with file:line by telephonist.cli
    if args.action == "check":
        _check_campaigns(cfg.database.url, wo)       # ConfigError: a follow_up naming no dialer campaign
        print(f"{path}: {len(wo.types)} order type(s), {len(wo.units)} unit(s)")
        return 0
    if args.action == "mail":
        return _mail(cfg.database.url, wo, args)
    if wo.sms.device and wo.sms.device == cfg.ivrd.voicemail.sms.device:
        print(f"telephonist workorders: {path}: [sms] device {wo.sms.device} is ivrd's voicemail modem; "
              "give the work orders a modem of their own", file=sys.stderr)
        return 2
    from telephonist.workorders.clock import ask_chand
    now = asyncio.run(ask_chand(cfg.control.socket))      # the calls' clock; the wall clock when chand is away
    result = asyncio.run(run_sweep(cfg.database.url, wo, now))
    if args.json:
        print(json.dumps(result))
    else:
        print(f"reminded {len(result['reminded'])}, escalated {len(result['escalated'])}, "
              f"SMS sent {result['sms_sent']}, failed {result['sms_failed']}")
    return 0


async def run_sweep(database_url: str, wo, now: datetime) -> dict:
    """One pass at `now`: the overdue orders (reminders, escalations), the follow-up calls, then what is due to be
    sent: the customers' SMS and the reminders' e-mail and SMS (each channel when it is configured)."""
    from telephonist.storage.database import WRITE, make_engine
    from telephonist.workorders import followup, notify, sms
    from telephonist.workorders.sweep import sweep
    engine = make_engine(database_url)
    try:
        def overdue():
            with engine.connect().execution_options(**WRITE) as conn, conn.begin():
                return sweep(conn, wo, now)
        r = await asyncio.to_thread(overdue)
        follow = await asyncio.to_thread(followup.run, engine, wo, now)
        sent = failed = 0
        senders: dict = {}
        if wo.mail.host:
            from telephonist.mail import send_mail
            senders["mail"] = lambda to, subject, text: send_mail(wo.mail, to, subject, text)
        modem = None
        if wo.sms.device:
            from telephonist.config.model import SmsModemConfig
            from telephonist.ivrd.voicemail.sms_modem import SmsModem
            modem = SmsModem(SmsModemConfig(device=wo.sms.device, baud=wo.sms.baud, pin=wo.sms.pin,
                                            smsc=wo.sms.smsc, timeout_s=wo.sms.timeout_s))
            senders["sms"] = lambda to, _subject, text: modem.send(to, text)
        try:
            if modem is not None:
                sent, failed = await sms.send_due(engine, modem.send, wo.sms, now)
            told, not_told = await notify.send_due(engine, senders, wo, now)
        finally:
            if modem is not None:
                await asyncio.to_thread(modem.close)
        return {"now": now.isoformat(), "reminded": r.reminded, "escalated": r.escalated, "sms_sent": sent,
                "sms_failed": failed, "follow_ups": follow.queued, "follow_ups_refused": follow.refused,
                "follow_ups_reported": follow.reported, "notices_sent": told, "notices_failed": not_told}
    finally:
        engine.dispose()


def _check_campaigns(database_url: str, wo) -> None:
    """Every follow_up names a campaign of the dialer's database (ConfigError with file:line otherwise)."""
    if not any(t.follow_up for t in wo.types.values()):
        return
    import sqlalchemy as sa

    from telephonist.config.loader import ConfigError
    from telephonist.dialer.schema import campaigns
    from telephonist.storage.database import make_engine
    from telephonist.workorders.config import campaign_problems
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            names = set(conn.execute(sa.select(campaigns.c.name)).scalars())
    finally:
        engine.dispose()
    problems = campaign_problems(wo, names)
    if problems:
        raise ConfigError(problems)


def _mail(database_url: str, wo, args: argparse.Namespace) -> int:
    from telephonist.storage.database import WRITE, make_engine, utcnow
    from telephonist.workorders.mail_in import MAX_MESSAGE, parse, store_mail
    from telephonist.workorders.store import OrderError
    engine = make_engine(database_url)
    try:
        mail = parse(sys.stdin.buffer.read(MAX_MESSAGE + 1), args.type, args.priority)
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            oid = store_mail(conn, wo, mail, utcnow())
    except OrderError as exc:
        print(f"telephonist workorders mail: refused: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"work order {oid}")
    return 0
