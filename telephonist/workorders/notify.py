"""The sweep's reminders and escalations, sent: an e-mail (workorders.toml [mail]) and an SMS (the [sms] GSM
modem) to each person addressed, as [people.USERNAME] email / mobile say how to reach them.

`queue` writes one wo_notices row per person and channel in the sweep's transaction (with the history entry
of the reminder); `send_due` then sends what is due, outside any transaction. A send that fails is logged and
tried again at a later sweep ([sms] retry_min) until [sms] give_up_h, when the order's history says it gave up;
a sent one is noted in the order's history. A crash between a send and its note may send that one message
twice, never lose it.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from telephonist.storage.database import WRITE
from telephonist.workorders.config import WorkOrderConfig
from telephonist.workorders.schema import notices
from telephonist.workorders.store import log_history

log = logging.getLogger("telephonist.workorders")

Sender = Callable[[str, str, str], Awaitable[Any]]          # (address, subject, text)
WORDS = {"remind": ("overdue: a reminder", "超期提醒"), "escalate": ("overdue: escalated to you", "超期督办")}


def wording(kind: str, order: Any, type_name: str, unit_name: str) -> tuple[str, str]:
    """(subject, text) of a reminder or escalation about `order` (a row with id, title, due_at)."""
    en, zh = WORDS[kind]
    subject = f"[{zh}] 工单 {order.id} {type_name}: {order.title}"[:200]
    text = (f"工单 {order.id}（{type_name}，{unit_name}）{zh}：期限 {order.due_at:%Y-%m-%d %H:%M} UTC。\n"
            f"Work order {order.id} ({order.title}) {en}: due {order.due_at:%Y-%m-%d %H:%M} UTC.\n"
            f"/workorders/{order.id}")
    return subject, text


def queue(conn: Connection, cfg: WorkOrderConfig, order: Any, kind: str, people: list[str],
          now: datetime) -> list[str]:
    """A notice for each of `people` by e-mail (when [mail] has a host) and SMS (when [sms] has a modem);
    returns the people who could not be reached (no address configured), for the history."""
    t = cfg.types.get(order.type)
    unit = cfg.units.get(order.unit)
    subject, text = wording(kind, order, t.name if t else order.type, unit.name if unit else order.unit)
    unreached = []
    for name in people:
        p = cfg.people.get(name)
        ways = [("mail", p.email)] if p and p.email and cfg.mail.host else []
        ways += [("sms", p.mobile)] if p and p.mobile and cfg.sms.device else []
        if not ways:
            unreached.append(name)
        for channel, address in ways:
            conn.execute(sa.insert(notices).values(
                order_id=order.id, kind=kind, channel=channel, username=name, address=address, subject=subject,
                text=text if channel == "mail" else f"{subject}\n{text}"[:700], created_at=now, next_try_at=now,
                attempts=0, gave_up=0))
    return unreached


async def send_due(engine: Engine, senders: dict[str, Sender], cfg: WorkOrderConfig,
                   now: datetime) -> tuple[int, int]:
    """Send the notices due by `now` on the channels there is a sender for; (sent, failed)."""
    rows = await asyncio.to_thread(_due, engine, now, sorted(senders))
    sent = failed = 0
    for r in rows:
        try:
            await senders[r.channel](r.address, r.subject, r.text)
        except Exception as exc:             # SMTP refused, no network, the modem's error: tried again later
            failed += 1
            give_up = r.created_at <= now - timedelta(hours=cfg.sms.give_up_h)
            log.warning("event=workorder_notice_failed id=%s order=%s channel=%s to=%s error=%s%s", r.id,
                        r.order_id, r.channel, r.address, exc, " gave_up=1" if give_up else "")
            await asyncio.to_thread(_note, engine, r, now, dict(
                attempts=r.attempts + 1, last_error=str(exc)[:500], gave_up=int(give_up),
                next_try_at=now + timedelta(minutes=cfg.sms.retry_min)),
                f"{_what(r)} not sent after {r.attempts + 1} tries: gave up ({exc})" if give_up else "")
            continue
        sent += 1
        log.info("event=workorder_notice_sent id=%s order=%s channel=%s to=%s", r.id, r.order_id, r.channel,
                 r.address)
        await asyncio.to_thread(_note, engine, r, now, dict(attempts=r.attempts + 1, sent_at=now, last_error=None),
                                f"{_what(r)} sent")
    return sent, failed


def _what(r: Any) -> str:
    return f"{r.kind} {'e-mail' if r.channel == 'mail' else 'SMS'} to {r.username} <{r.address}>"


def _due(engine: Engine, now: datetime, channels: list[str]) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(notices).where(
            notices.c.sent_at.is_(None), notices.c.gave_up == 0, notices.c.next_try_at <= now,
            notices.c.channel.in_(channels)).order_by(notices.c.id).limit(500)))


def _note(engine: Engine, r: Any, now: datetime, values: dict[str, Any], history: str) -> None:
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        conn.execute(sa.update(notices).where(notices.c.id == r.id).values(**values))
        if history:
            log_history(conn, r.order_id, now, "system", r.channel, None, None, history)


def of_order(conn: Any, order_id: int) -> list[dict[str, Any]]:
    return [dict(x._mapping) for x in conn.execute(sa.select(notices).where(notices.c.order_id == order_id)
                                                    .order_by(notices.c.id))]
