"""Overdue orders (督办): past its deadline by [sweep] remind_after_min an open order gets a reminder to
its assignee (or, not yet assigned, to its unit's members); past escalate_after_min it is escalated to the
head of its unit. Each step happens once per deadline (wo_orders.escalation 0 → 1 → 2; a reopened order
starts again) and is written in the order's history, where the console shows it: the assignee's and the
head's lists show the orders reminded or escalated to them. Each person addressed also gets an e-mail and an
SMS where workorders.toml says how to reach them (notify.py: queued here, sent after the transaction).

`sweep(conn, cfg, now)` takes "now" from its caller: `telephonist workorders sweep` (run every minute by
telephonist-workorders.timer) passes chand's engine clock (workorders/clock.py: the wall clock on real spans,
ahead of it on simulated ones; the wall clock, logged, when chand cannot be asked), tests the clock they drive.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection

from telephonist.workorders import notify
from telephonist.workorders.config import WorkOrderConfig
from telephonist.workorders.schema import orders
from telephonist.workorders.store import log_history
from telephonist.workorders.workflow import OPEN_STATES


@dataclass
class SweepResult:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)


def sweep(conn: Connection, cfg: WorkOrderConfig, now: datetime) -> SweepResult:
    result = SweepResult()
    remind_by = now - timedelta(minutes=cfg.sweep.remind_after_min)
    escalate_by = now - timedelta(minutes=cfg.sweep.escalate_after_min)
    open_states = sorted(s.value for s in OPEN_STATES)
    late = conn.execute(select(orders.c.id, orders.c.unit, orders.c.assignee, orders.c.due_at, orders.c.escalation,
                               orders.c.type, orders.c.title)
                        .where(orders.c.state.in_(open_states), orders.c.escalation < 2, orders.c.due_at <= remind_by)
                        .order_by(orders.c.due_at).with_for_update()).all()
    for o in late:
        unit = cfg.units.get(o.unit)
        level = o.escalation
        if level < 1:
            people = [o.assignee] if o.assignee else sorted(cfg.members_of(o.unit))
            to = ", ".join(people) or o.unit
            unreached = notify.queue(conn, cfg, o, "remind", people, now)
            log_history(conn, o.id, now, "system", "remind", None, None, f"overdue since {o.due_at:%Y-%m-%d %H:%M} UTC: "
                                                                  f"reminder to {to}" + _unreached(cfg, unreached))
            level = 1
            result.reminded.append(o.id)
        if o.due_at <= escalate_by:
            head = unit.head if unit and unit.head else "(no head configured)"
            unreached = notify.queue(conn, cfg, o, "escalate", [unit.head], now) if unit and unit.head else []
            log_history(conn, o.id, now, "system", "escalate", None, None, f"overdue since {o.due_at:%Y-%m-%d %H:%M} UTC: "
                                                                    f"escalated to {head}" + _unreached(cfg, unreached))
            level = 2
            result.escalated.append(o.id)
        if level != o.escalation:
            conn.execute(update(orders).where(orders.c.id == o.id).values(escalation=level))
    return result


def _unreached(cfg: WorkOrderConfig, people: list[str]) -> str:
    """What the history says of people the site's e-mail or SMS cannot reach (nothing when it has neither)."""
    if not people or not (cfg.mail.host or cfg.sms.device):
        return ""
    return f" (no e-mail or SMS for {', '.join(people)}: shown in the console only)"


def reminders_for(conn: Connection, cfg: WorkOrderConfig, username: str) -> dict[str, list[int]]:
    """What the sweep addressed to `username` and is still open: {"reminded": ids, "escalated": ids} —
    reminders to them as the assignee (or a member of an unassigned order's unit), escalations to them as
    the unit's head. The console shows these to the user on the list and the crew page."""
    open_states = sorted(s.value for s in OPEN_STATES)
    member_of = sorted(u.id for u in cfg.units_of(username))          # members and heads, as the reminder says
    heads = sorted(u.id for u in cfg.units.values() if u.head == username)
    rows = conn.execute(select(orders.c.id, orders.c.unit, orders.c.assignee, orders.c.escalation)
                        .where(orders.c.state.in_(open_states), orders.c.escalation > 0,
                               or_(orders.c.assignee == username, orders.c.unit.in_(member_of)))
                        .order_by(orders.c.due_at)).all()
    reminded = [o.id for o in rows if o.assignee == username or (o.assignee is None and o.unit in member_of)]
    escalated = [o.id for o in rows if o.escalation >= 2 and o.unit in heads]
    return {"reminded": reminded, "escalated": escalated}
