"""The customer's SMS when an order is closed: queued in wo_sms in the closing transaction, sent by the sweep
through the GSM modem of workorders.toml [sms] (telephonist/ivrd/voicemail/sms_modem.py does the AT work).

A send that fails is tried again at a later sweep ([sms] retry_min) until [sms] give_up_h; a crash between a
send and its note may send that one SMS twice, never lose it. Nothing here blocks on the modem: `send_due`
awaits the modem's coroutine.
"""
from __future__ import annotations

import logging
import string
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from telephonist.storage.database import WRITE
from telephonist.workorders.config import OrderType, SmsConfig
from telephonist.workorders.schema import sms

log = logging.getLogger("telephonist.workorders")

Sender = Callable[[str, str], Awaitable[Any]]


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def wording(template: str, order: dict[str, Any], t: OrderType) -> str:
    """The type's sms_on_close with {number} (the order's number), {type}, {title} filled in; an unknown
    {name} is left out rather than failing a close."""
    values = _Blank(number=str(order["id"]), type=t.name, title=order.get("title", ""))
    try:
        return string.Formatter().vformat(template, (), values)[:700]
    except (ValueError, IndexError, AttributeError):
        return template[:700]


def queue(conn: Any, order_id: int, number: str, text: str, now: datetime) -> None:
    conn.execute(insert(sms).values(order_id=order_id, number=number, text=text, created_at=now, next_try_at=now,
                                    attempts=0, gave_up=0))


async def send_due(engine: Engine, send: Sender, cfg: SmsConfig, now: datetime) -> tuple[int, int]:
    """Send what is due by `now`; (sent, failed)."""
    import asyncio
    rows = await asyncio.to_thread(_due, engine, now)
    sent = failed = 0
    for r in rows:
        try:
            await send(r.number, r.text)
        except Exception as exc:             # SmsError, or the port went away: noted, tried again later
            failed += 1
            give_up = r.created_at <= now - timedelta(hours=cfg.give_up_h)
            log.warning("event=workorder_sms_failed id=%s order=%s to=%s error=%s%s", r.id, r.order_id, r.number,
                        exc, " gave_up=1" if give_up else "")
            await asyncio.to_thread(_note, engine, r.id, dict(
                attempts=r.attempts + 1, last_error=str(exc)[:500], gave_up=int(give_up),
                next_try_at=now + timedelta(minutes=cfg.retry_min)))
            continue
        sent += 1
        log.info("event=workorder_sms_sent id=%s order=%s to=%s", r.id, r.order_id, r.number)
        await asyncio.to_thread(_note, engine, r.id, dict(attempts=r.attempts + 1, sent_at=now, last_error=None))
    return sent, failed


def _due(engine: Engine, now: datetime) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(sms).where(sms.c.sent_at.is_(None), sms.c.gave_up == 0,
                                                   sms.c.next_try_at <= now).order_by(sms.c.id).limit(500)))


def _note(engine: Engine, sms_id: int, values: dict[str, Any]) -> None:
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        conn.execute(update(sms).where(sms.c.id == sms_id).values(**values))


def of_order(conn: Any, order_id: int) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(select(sms).where(sms.c.order_id == order_id).order_by(sms.c.id))]
