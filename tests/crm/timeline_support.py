"""Items of every source the customer timeline reads (crm/sources.py) for two customers, for the crm and console
tests: customer A (a number stored with 86, an ID-card number, an e-mail address in a custom field) and customer B."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from telephonist.acd.schema import calls as acd_calls
from telephonist.crm import store, timeline
from telephonist.crm.store import CustomerInput
from telephonist.dialer import schema as D
from telephonist.ivrd.schema import sessions, steps, survey_results
from telephonist.storage.schema import call_legs
from telephonist.workorders.schema import orders, sms

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
A_PHONE, B_PHONE = "8613900000050", "13900000051"
A_CARD = "11010119900101123X"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _leg(conn, call_id: str, caller: str, minutes: int) -> int:
    return int(conn.execute(sa.insert(call_legs).values(
        call_id=call_id, direction="inbound", span="s1", channel=1, caller=caller, dialled="95000", state="hungup",
        started_at=at(minutes), node="n1")).inserted_primary_key[0])


def _ivr(conn, call_id: str, caller: str, minutes: int, tag: str | None = None) -> int:
    conn.execute(sa.insert(sessions).values(call_id=call_id, chan="s1/1", flow="main", caller=caller, dialled="95000",
                                            outcome="queue", outcome_detail="queue:claims", started_at=at(minutes),
                                            ended_at=at(minutes + 1)))
    for node, t, result in (("menu", None, "ok"), ("policy", tag, "ok"), ("policy2", tag, "ok")):
        conn.execute(sa.insert(steps).values(call_id=call_id, flow="main", node=node, node_type="menu", tag=t,
                                             result=result, caller=caller, at=at(minutes)))
    return _leg(conn, call_id, caller, minutes)


def _order(conn, caller: str, minutes: int, customer_id: int | None = None, title: str = "gas leak") -> int:
    return int(conn.execute(sa.insert(orders).values(
        type="repair", title=title, priority="normal", state="accepted", unit="east", customer_id=customer_id,
        caller_number=caller, source="desk", created_by="agent1", created_at=at(minutes), updated_at=at(minutes),
        state_since=at(minutes), due_at=at(minutes + 600))).inserted_primary_key[0])


def _campaign(conn, name: str, kind: str, mode: str) -> int:
    return int(conn.execute(sa.insert(D.campaigns).values(
        name=name, kind=kind, mode=mode, target="" if mode in ("sms", "email") else "flow1", trunk_group="pstn",
        state="running", strategy="{}", created_at=T0, updated_at=T0)).inserted_primary_key[0])


def _record(conn, campaign_id: int, number: str, minutes: int | None, outcome: str | None = None,
            result: str | None = None, state: str = "done", id_card: str = "") -> int:
    """A record of the campaign; with ``minutes``, dialled (or messaged) at ``number`` then."""
    rid = int(conn.execute(sa.insert(D.records).values(
        campaign_id=campaign_id, phones=json.dumps([number]), dedup_key=number, id_card=id_card,
        state=state if minutes is not None else "pending", attempts=int(minutes is not None), outcome=outcome,
        result=result, updated_at=at(minutes or 0))).inserted_primary_key[0])
    if minutes is not None:
        conn.execute(sa.insert(D.attempts).values(record_id=rid, campaign_id=campaign_id, number=number, state="done",
                                                  outcome=outcome, result=result, claimed_at=at(minutes),
                                                  ended_at=at(minutes)))
    return rid


def seed(engine) -> dict:
    """Customer A (a number stored with 86, an ID-card number) and customer B, each with an item of every source;
    A's items are spelled both ways the call records keep a caller."""
    with engine.begin() as conn:
        store.set_field(conn, "email", "E-mail")
        a = store.open_customer(conn, CustomerInput(name="A", phones=[A_PHONE], id_card=A_CARD,
                                                    custom={"email": "a@example.com"}), T0)
        b = store.open_customer(conn, CustomerInput(name="B", phones=[B_PHONE]), T0)
        ids = {"a": a, "b": b}
        ids["leg_ivr"] = _ivr(conn, "c-ivr-a", "+" + A_PHONE, 1, tag="policy_query")
        _ivr(conn, "c-ivr-b", B_PHONE, 30)
        conn.execute(sa.insert(acd_calls).values(call_id="c-ivr-a", queue="claims", caller="+" + A_PHONE,
                                                 entered_at=at(1) + timedelta(seconds=30), agent="1001",
                                                 outcome="answered"))
        conn.execute(sa.insert(survey_results).values(call_id="c-ivr-a", agent="1001", queue="claims", caller=A_PHONE,
                                                      digit="1", answer="satisfied", created_at=at(2)))
        conn.execute(sa.insert(survey_results).values(call_id="c-ivr-b", agent="1002", queue="claims", caller=B_PHONE,
                                                      digit="3", answer="dissatisfied", created_at=at(31)))
        ids["order"] = _order(conn, "+" + A_PHONE, 3)
        ids["order_b"] = _order(conn, B_PHONE, 32, title="B's leak")
        # an order with A as its customer is on the timeline through the work-order store, not read again
        ids["linked"] = linked = _order(conn, A_PHONE, 4, customer_id=a["id"], title="linked order")
        timeline.append(conn, a["id"], "work_order", "repair: linked order", ref=str(linked), at=at(4),
                        link=f"/workorders/{linked}")
        conn.execute(sa.insert(sms).values(order_id=ids["order"], number=A_PHONE, text="your order is closed",
                                           created_at=at(5), next_try_at=at(5), sent_at=at(6)))
        conn.execute(sa.insert(sms).values(order_id=ids["order_b"], number=B_PHONE, text="B's sms", created_at=at(33),
                                           next_try_at=at(33)))
        ids["survey_c"] = _campaign(conn, "satisfaction", "survey", "agentless")
        ids["sms_c"] = _campaign(conn, "bill-sms", "notice", "sms")
        ids["mail_c"] = _campaign(conn, "bill-mail", "notice", "email")
        ids["sales_c"] = _campaign(conn, "upsell", "sales", "progressive")
        _record(conn, ids["survey_c"], "+" + A_PHONE, 7, "answered", "5")
        _record(conn, ids["sms_c"], A_PHONE, 8, "sent")
        _record(conn, ids["mail_c"], "a@example.com", 9, "sent")                    # by the address
        _record(conn, ids["mail_c"], "a.work@example.com", 10, "failed", id_card=A_CARD)  # by the ID card
        _record(conn, ids["sales_c"], A_PHONE, 11, "no_answer", state="exhausted")
        _record(conn, ids["sales_c"], "a2@example.com", None, id_card=A_CARD)      # not tried yet: no outcome
        follow = _record(conn, ids["survey_c"], A_PHONE + "9", 12, "answered", "4", id_card=A_CARD)
        timeline.append(conn, a["id"], "campaign", "satisfaction: answered · 4", ref=f"dl_record:{follow}",
                        link=f"/workorders/{linked}", at=at(13))
        _record(conn, ids["sales_c"], B_PHONE, 34, "answered", "bought")
        _record(conn, ids["mail_c"], "b@example.com", 35, "sent", id_card="B-CARD")
    return ids
