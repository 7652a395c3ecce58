"""A closed order's follow-up call or survey: its type's `follow_up = { campaign = "NAME" }` (workorders.toml) puts
the customer into that dialer campaign, and the campaign's outcome comes back onto the customer's timeline.

Both halves run in the sweep (`telephonist workorders sweep`, every minute), after the closing transaction:

* `queue_due`: each order closed in the last FRESH_D days whose type has a follow-up and that has none yet
  becomes one record of the campaign, through the dialer's list import (telephonist/dialer/lists.py
  `import_rows`, the one insert path of dl_records) with the customer's number and the order's fields
  (order_id, order_type, order_type_name, title, customer_id, customer_number, and field_NAME for each of the
  order's own fields) that the campaign's IVR flow can say.
  The order's history and the customer's timeline say so. A campaign that is gone (deleted after
  `telephonist workorders check` passed) is a logged warning and a history entry, never a crash; a number
  already in the campaign is not added twice (the list import's rule): that record is followed instead.
  A sweep killed between the import and its note finds the record again as that duplicate, so a customer is
  never called twice for one order.
* `report_finished`: a follow-up whose record is finished (done with its flow's result, exhausted, on the
  do-not-call list, stopped) puts the outcome and result on the customer's timeline (kind "campaign") and in
  the order's history, once.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from telephonist.crm import timeline
from telephonist.crm.store import CustomerError
from telephonist.crm.store import get as get_customer
from telephonist.dialer import schema as D
from telephonist.dialer.lists import import_rows
from telephonist.dialer.store import DialerError, writing
from telephonist.workorders.config import WorkOrderConfig
from telephonist.workorders.schema import followups, orders
from telephonist.workorders.store import log_history

log = logging.getLogger("telephonist.workorders")

FRESH_D = 7                     # orders closed longer ago get no follow-up (a type's follow_up added later)
FINISHED = ("done", "exhausted", "dnc", "stopped")
HEADER = ["phone", "name", "order_id", "order_type", "order_type_name", "title", "customer_id", "customer_number"]


@dataclass
class FollowUpResult:
    queued: list[int] = field(default_factory=list)          # order ids put into a campaign
    refused: list[int] = field(default_factory=list)         # no campaign, no number
    reported: list[int] = field(default_factory=list)        # order ids whose outcome went on the timeline


def run(engine: Engine, cfg: WorkOrderConfig, now: datetime) -> FollowUpResult:
    r = FollowUpResult()
    queue_due(engine, cfg, now, r)
    report_finished(engine, now, r)
    return r


def queue_due(engine: Engine, cfg: WorkOrderConfig, now: datetime, r: FollowUpResult) -> None:
    types = {t.id: t for t in cfg.types.values() if t.follow_up}
    if not types:
        return
    o, f = orders.c, followups.c
    with engine.connect() as conn:
        due = [dict(x._mapping) for x in conn.execute(
            sa.select(o.id, o.type, o.title, o.fields, o.customer_id, o.caller_number, o.caller_name).where(
                o.state == "closed", o.type.in_(sorted(types)), o.closed_at >= now - timedelta(days=FRESH_D),
                ~sa.exists().where(f.order_id == o.id)).order_by(o.id).limit(500))]
    for order in due:
        t = types[order["type"]]
        try:
            _queue_one(engine, cfg, order, t.follow_up, t.name, now, r)
        except Exception:                     # one order's trouble never stops the others (tried next sweep)
            log.exception("event=workorder_follow_up_failed order=%s campaign=%s", order["id"], t.follow_up)


def _queue_one(engine: Engine, cfg: WorkOrderConfig, order: dict[str, Any], campaign: str, type_name: str,
               now: datetime, r: FollowUpResult) -> None:
    with engine.connect() as conn:
        cid = conn.execute(sa.select(D.campaigns.c.id).where(D.campaigns.c.name == campaign)).scalar()
        customer = _customer(conn, order["customer_id"])
    number = order["caller_number"] or (customer["phones"][0] if customer and customer["phones"] else "")
    if cid is None or not number:
        why = (f"campaign {campaign!r} does not exist ({cfg.path}:{cfg.types[order['type']].follow_up_line})"
               if cid is None else "the order has no phone number")
        log.warning("event=workorder_follow_up_refused order=%s campaign=%s reason=%s", order["id"], campaign, why)
        with writing(engine) as conn:
            conn.execute(followups.insert().values(order_id=order["id"], campaign=campaign, state=(
                "no_campaign" if cid is None else "no_number"), queued_at=now))
            log_history(conn, order["id"], now, "system", "follow_up", None, None, f"no follow-up call: {why}")
        r.refused.append(order["id"])
        return
    row = [number, order["caller_name"] or (customer["name"] if customer else ""), str(order["id"]), order["type"],
           type_name, order["title"], str(order["customer_id"] or ""), customer["number"] if customer else ""]
    extra = _order_fields(order["fields"])
    try:
        report = import_rows(engine, cid, HEADER + [f"field_{k}" for k in extra], [row + list(extra.values())],
                             {"phones": "phone", "name": "name"})
    except DialerError as exc:                    # the campaign went between the two reads
        log.warning("event=workorder_follow_up_refused order=%s campaign=%s reason=%s", order["id"], campaign, exc)
        return                                    # tried again next sweep (then refused as no_campaign)
    if report.rejected:
        log.warning("event=workorder_follow_up_refused order=%s campaign=%s reason=%s", order["id"], campaign,
                    report.rejected[0][1])
    with writing(engine) as conn:
        record = conn.execute(sa.select(D.records.c.id).where(D.records.c.campaign_id == cid,
                                                              D.records.c.dedup_key == number)).scalar()
        conn.execute(followups.insert().values(order_id=order["id"], campaign=campaign, record_id=record,
                                               state="queued" if record else "no_number", queued_at=now))
        note = (f"follow-up call to {number}: campaign {campaign}" + ("" if report.added else
                f" (the number was in it already: record {record} is followed)")) if record else \
            f"no follow-up call: {number} refused by the campaign's list"
        log_history(conn, order["id"], now, "system", "follow_up", None, None, note)
        if customer and record:
            timeline.append(conn, customer["id"], "campaign", f"{campaign}: follow-up of order {order['id']} queued",
                            ref=f"dl_record:{record}", link=f"/workorders/{order['id']}", at=now)
    log.info("event=workorder_follow_up order=%s campaign=%s record=%s added=%d", order["id"], campaign, record,
             report.added)
    (r.queued if record else r.refused).append(order["id"])


def _order_fields(text: str | None) -> dict[str, str]:
    """The order's own fields (its type's: address, fault ...) as text, for the record (field_NAME)."""
    try:
        values = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {}


def _customer(conn: Any, customer_id: int | None) -> dict[str, Any] | None:
    if not customer_id:
        return None
    try:
        return get_customer(conn, customer_id)
    except CustomerError:
        return None


def report_finished(engine: Engine, now: datetime, r: FollowUpResult) -> None:
    f, rec, att = followups.c, D.records.c, D.attempts.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(f.id, f.order_id, f.campaign, rec.id.label("record_id"), rec.state, rec.outcome, rec.result,
                      orders.c.customer_id)
            .join(D.records, rec.id == f.record_id).join(orders, orders.c.id == f.order_id)
            .where(f.state == "queued", rec.state.in_(FINISHED),
                   ~sa.exists().where(att.record_id == rec.id, att.state.in_(["claimed", "dialing", "answered"])))
            .order_by(f.id).limit(500)).all()
    for x in rows:
        summary = f"{x.campaign}: {x.outcome or x.state}" + (f" · {x.result}" if x.result else "")
        with writing(engine) as conn:
            done = conn.execute(followups.update().where(followups.c.id == x.id, followups.c.state == "queued")
                                .values(state="reported", outcome=x.outcome, result=x.result, reported_at=now)).rowcount
            if not done:
                continue                          # another sweep reported it
            log_history(conn, x.order_id, now, "system", "follow_up", None, None, f"follow-up call: {summary}")
            if x.customer_id and _customer(conn, x.customer_id):
                timeline.append(conn, x.customer_id, "campaign", summary, ref=f"dl_record:{x.record_id}",
                                link=f"/workorders/{x.order_id}", at=now)
        log.info("event=workorder_follow_up_reported order=%s record=%s outcome=%s result=%s", x.order_id,
                 x.record_id, x.outcome, x.result)
        r.reported.append(x.order_id)


def of_order(conn: Any, order_id: int) -> list[dict[str, Any]]:
    return [dict(x._mapping) for x in conn.execute(sa.select(followups).where(followups.c.order_id == order_id)
                                                    .order_by(followups.c.id))]
