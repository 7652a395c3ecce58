"""Appointments and the agent's outcome of a preview attempt.

An appointment ("call back at <time>", set by the agent, or by the customer in an agentless campaign's flow with
the variable `callback_at`) puts the record back to `pending` with `next_at` and `callback_at` at that time and
its agent on it. Then it goes first: on top of the agent's preview list once due (preview.agent_list), and ahead
of the records without one when the dialer claims (store.claim orders appointments first). Times are the engine
clock's wall time, the one the dialer runs windows and retries on.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from telephonist.dialer import schema as T
from telephonist.dialer.preview import PreviewError, attempt_of_agent, outcome_for
from telephonist.dialer.preview import attempt as preview_attempt
from telephonist.dialer.store import DialerStore, writing
from telephonist.dialer.strategy import RecordState, parse_strategy

DO_NOT_CALL = ("dnc", "do_not_call")
MAX_AHEAD = timedelta(days=366)


def set_appointment(store: DialerStore, record_id: int, at: datetime, agent: str | None, now: datetime) -> None:
    """The record is called again at `at` (by `agent` first, when there is one)."""
    if at <= now:
        raise PreviewError("an appointment is a time still to come")
    if at - now > MAX_AHEAD:
        raise PreviewError("an appointment is at most a year ahead")
    r = T.records
    with writing(store.engine) as conn:
        done = conn.execute(r.update().where(r.c.id == record_id, r.c.state.notin_([RecordState.DNC.value]))
                            .values(state=RecordState.PENDING.value, next_at=at, callback_at=at, updated_at=now,
                                    **({"agent": agent} if agent else {}))).rowcount
    if not done:
        raise PreviewError(f"record {record_id} cannot take an appointment (it is on the do-not-call list)")


def finish_by_agent(store: DialerStore, attempt_id: int, agent: str, code: str, now: datetime,
                    callback_at: datetime | None = None, has_call: bool = False) -> str:
    """The agent's outcome code for its attempt: a code of a customer not reached (busy, no_answer, machine,
    failed, wrong_number) ends the attempt with that outcome, and the strategy decides the retry; any other
    code is the answered call's result. `callback_at`: an appointment (with `agent`). `has_call`: the asker checked
    that `agent` has (or just had) the attempt's call, transferred to it by the attempt's agent, who may give the
    outcome as well. Returns the record's state."""
    att = preview_attempt(store.engine, attempt_id) if has_call else attempt_of_agent(store.engine, attempt_id, agent)
    outcome = outcome_for(code)
    if callback_at is not None and callback_at <= now:
        raise PreviewError("an appointment is a time still to come")
    if att["state"] == "done":
        raise PreviewError(f"attempt {attempt_id} has its outcome already")
    if att["state"] == "claimed" and outcome != "answered":
        store.finish(attempt_id, "unplaced", now)          # it never went out: not an attempt at the customer
    elif outcome == "answered":
        if att["state"] != "answered":
            store.answered(attempt_id, now)
        store.result(attempt_id, code, now, code.lower() in DO_NOT_CALL)
    else:
        store.finish(attempt_id, outcome, now, result=code if code == "wrong_number" else None)
    if callback_at is not None:
        set_appointment(store, att["record_id"], callback_at, agent, now)
    with store.engine.connect() as conn:
        return conn.execute(sa.select(T.records.c.state).where(T.records.c.id == att["record_id"])).scalar_one()


def parse_time(text: str, time_zone: str = "") -> datetime:
    """An appointment's time: ISO 8601 ("2026-12-08T15:00", "2026-12-08 15:00+08:00"); without an offset, in
    `time_zone` (the campaign's default window's), else UTC."""
    try:
        at = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise PreviewError(f"{text!r} is not a time (2026-12-08T15:00)") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(time_zone or "UTC"))
    return at


def campaign_time_zone(store: DialerStore, record_id: int) -> str:
    """The time zone of the record's campaign's default window ("" for none)."""
    with store.engine.connect() as conn:
        text = conn.execute(sa.select(T.campaigns.c.strategy).join(T.records, T.records.c.campaign_id == T.campaigns.c.id)
                            .where(T.records.c.id == record_id)).scalar()
    return parse_strategy(json.loads(text)).window("default").time_zone if text else ""


def from_flow(store: DialerStore, attempt_id: int, value: str, now: datetime) -> datetime:
    """The customer chose a time in an agentless campaign's flow (its variable `callback_at`): the appointment."""
    with store.engine.connect() as conn:
        record_id = conn.execute(sa.select(T.attempts.c.record_id).where(T.attempts.c.id == attempt_id)).scalar()
    if record_id is None:
        raise PreviewError(f"no attempt {attempt_id}")
    at = parse_time(value, campaign_time_zone(store, record_id))
    set_appointment(store, record_id, at, None, now)
    return at
