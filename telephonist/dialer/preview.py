"""Preview mode: records assigned to agents, who see each one (its fields and history) and dial it themselves.

    supervisor ──assign (batch, one by one, reassign, take back)──► dl_records.agent
    agent's desk ──list (appointments due first)──► a record ──Dial──► claim (committed) ──► the ACD dials:
        the agent's phone, then the customer through the campaign's trunk group, call id "dl-<attempt>"
    agent ──outcome code (and maybe "call back at")──► the attempt ends; the strategy decides the record's next

The attempt lives in dl_attempts like the dialer's own (one home for its state), with the agent on it. The dialer
daemon neither dials preview campaigns nor settles their attempts after a restart: their agent does, with the
outcome code. Every function is blocking (the console calls them from its requests).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from telephonist.dialer import schema as T
from telephonist.dialer.store import (
    Claim,
    DialerError,
    _callable_number,
    _dnc_blocked,
    writing,
)
from telephonist.dialer.strategy import RecordState, may_call, parse_strategy

MODE = "preview"
# an agent's outcome code -> the dialer's outcome (the strategy retries it); any other code: answered, the code
# being the record's result
NOT_REACHED = {"busy": "busy", "no_answer": "no_answer", "machine": "machine", "failed": "failed",
               "wrong_number": "sit"}
CODE = re.compile(r"^[\w.-]{1,64}$")
MAX_LIST = 200


class PreviewError(DialerError):
    """A preview request the rules refuse (not the agent's record, not a preview campaign, not now ...)."""


@dataclass(frozen=True)
class Assigned:
    record_id: int
    campaign_id: int
    campaign: str
    name: str
    phones: list[str]
    state: str
    callback_at: datetime | None
    due: bool                     # an appointment whose time has come: on top of the list
    open_attempt: int | None      # dialled and not yet given its outcome


# ---- the supervisor's side ---------------------------------------------------------------------------------
def _preview_campaign(conn, campaign_id: int):
    camp = conn.execute(sa.select(T.campaigns).where(T.campaigns.c.id == campaign_id)).first()
    if camp is None:
        raise PreviewError(f"no campaign {campaign_id}")
    if camp.mode != MODE:
        raise PreviewError(f"campaign {camp.name} is not a preview campaign")
    return camp


def assign(engine: sa.Engine, campaign_id: int, record_ids: list[int], agent: str | None, now: datetime) -> int:
    """Give these records to `agent` (one by one, or reassigned from another), or take them back (agent None).
    Only records not being dialled move; returns how many did."""
    r = T.records
    with writing(engine) as conn:
        _preview_campaign(conn, campaign_id)
        return conn.execute(r.update().where(
            r.c.campaign_id == campaign_id, r.c.id.in_(record_ids), r.c.state == RecordState.PENDING.value)
            .values(agent=agent, updated_at=now)).rowcount


def assign_batch(engine: sa.Engine, campaign_id: int, agents: list[str], per_agent: int, now: datetime) -> dict[str, int]:
    """Unassigned pending records shared out in turn among `agents`, up to `per_agent` more each."""
    if not agents or per_agent < 1:
        raise PreviewError("a batch needs agents and a number of records per agent")
    r = T.records
    given = {a: 0 for a in agents}
    with writing(engine) as conn:
        _preview_campaign(conn, campaign_id)
        free = conn.execute(sa.select(r.c.id).where(
            r.c.campaign_id == campaign_id, r.c.state == RecordState.PENDING.value, r.c.agent.is_(None))
            .order_by(r.c.id).limit(per_agent * len(agents))).scalars().all()
        for i, rid in enumerate(free):
            agent = agents[i % len(agents)]
            conn.execute(r.update().where(r.c.id == rid).values(agent=agent, updated_at=now))
            given[agent] += 1
    return given


def assignments(engine: sa.Engine, campaign_id: int) -> dict[str, Any]:
    """Per agent: records on its list and done by it; and the unassigned pending ones (the console's page)."""
    r = T.records
    with engine.connect() as conn:
        _preview_campaign(conn, campaign_id)
        rows = conn.execute(sa.select(r.c.agent, r.c.state, sa.func.count()).where(r.c.campaign_id == campaign_id)
                            .group_by(r.c.agent, r.c.state)).all()
        records = [dict(x._mapping) for x in conn.execute(
            sa.select(r.c.id, r.c.name, r.c.phones, r.c.state, r.c.agent, r.c.callback_at, r.c.result)
            .where(r.c.campaign_id == campaign_id).order_by(r.c.id).limit(1000))]
    for rec in records:
        rec["phones"] = json.loads(rec["phones"])
    per: dict[str, dict[str, int]] = {}
    for agent, state, n in rows:
        per.setdefault(agent or "", {})[state] = n
    return {"per_agent": per, "records": records}


# ---- the agent's side ----------------------------------------------------------------------------------------
def agent_list(engine: sa.Engine, agent: str, now: datetime) -> list[Assigned]:
    """The agent's records in running preview campaigns: appointments due first (earliest first), then those
    being dialled by it, then the rest in their campaigns' order; records waiting for a later retry or
    appointment come last."""
    r, c, a = T.records, T.campaigns, T.attempts
    with engine.connect() as conn:
        rows = conn.execute(sa.select(r, c.c.name.label("campaign")).join(c, c.c.id == r.c.campaign_id).where(
            r.c.agent == agent, c.c.mode == MODE, c.c.state == "running",
            r.c.state.in_([RecordState.PENDING.value, RecordState.DIALING.value])).limit(MAX_LIST)).all()
        open_ = dict(conn.execute(sa.select(a.c.record_id, a.c.id).where(
            a.c.record_id.in_([x.id for x in rows]), a.c.agent == agent,
            a.c.state.in_(["claimed", "dialing"]))).all()) if rows else {}
    def order(x) -> tuple:
        due = x.callback_at is not None and x.callback_at <= now
        later = x.next_at is not None and x.next_at > now
        return (not due, x.id not in open_, later, x.callback_at or now, x.next_at or now, x.id)
    return [Assigned(x.id, x.campaign_id, x.campaign, x.name, json.loads(x.phones), x.state, x.callback_at,
                     x.callback_at is not None and x.callback_at <= now, open_.get(x.id)) for x in sorted(rows, key=order)]


def _mine(conn, record_id: int, agent: str):
    rec = conn.execute(sa.select(T.records).where(T.records.c.id == record_id)).first()
    if rec is None or rec.agent != agent:
        raise PreviewError(f"record {record_id} is not on agent {agent}'s list")
    return rec


def record_view(engine: sa.Engine, record_id: int, agent: str) -> dict[str, Any]:
    """What the desk shows of one of the agent's records: its fields, numbers and earlier attempts."""
    with engine.connect() as conn:
        return _view(conn, _mine(conn, record_id, agent))


def record_of_attempt(engine: sa.Engine, attempt_id: int) -> dict[str, Any] | None:
    """The same of an attempt's record, for the agent who has the attempt's call (one transferred to it: the asker
    checked that); None when there is no such attempt."""
    with engine.connect() as conn:
        rec = conn.execute(sa.select(T.records).join(T.attempts, T.attempts.c.record_id == T.records.c.id)
                           .where(T.attempts.c.id == attempt_id)).first()
        return _view(conn, rec) if rec is not None else None


def _view(conn, rec) -> dict[str, Any]:
    a = T.attempts
    camp = conn.execute(sa.select(T.campaigns).where(T.campaigns.c.id == rec.campaign_id)).one()
    history = [{"attempt": h.id, "number": h.number, "outcome": h.outcome, "result": h.result, "agent": h.agent,
                "at": h.claimed_at.isoformat(), "state": h.state}
               for h in conn.execute(sa.select(a).where(a.c.record_id == rec.id).order_by(a.c.id.desc()))]
    return {"record": rec.id, "mode": camp.mode, "campaign": camp.name, "campaign_id": camp.id, "kind": camp.kind,
            "script_id": camp.script_id, "name": rec.name, "phones": json.loads(rec.phones),
            "next_phone": rec.next_phone, "customer_type": rec.customer_type, "id_card": rec.id_card,
            "fields": json.loads(rec.fields), "state": rec.state, "result": rec.result, "outcome": rec.outcome,
            "callback_at": rec.callback_at.isoformat() if rec.callback_at else None, "history": history}


def claim(engine: sa.Engine, record_id: int, agent: str, now: datetime, number: str | None = None,
          script: dict[str, Any] | None = None) -> tuple[Claim, Any]:
    """The agent dials its record: an attempt committed as "claimed" (with the script's state it starts from),
    the record "dialing". Refused outside the customer's calling window, for a number on the do-not-call list,
    or while another attempt of the record is out. Returns the claim and the campaign's row."""
    r = T.records
    all_listed = False
    with writing(engine) as conn:
        rec = _mine(conn, record_id, agent)
        camp = _preview_campaign(conn, rec.campaign_id)
        if camp.state != "running":
            raise PreviewError(f"campaign {camp.name} is {camp.state}, not running")
        if rec.state != RecordState.PENDING.value:
            raise PreviewError(f"record {record_id} is {rec.state}: it cannot be dialled now")
        strategy = parse_strategy(json.loads(camp.strategy))
        if not may_call(strategy, rec.customer_type, now):
            raise PreviewError("outside the calling window of this customer (or of the campaign's period)")
        phones = json.loads(rec.phones)
        blocked = _dnc_blocked(conn, [rec])
        if number is not None:
            if number not in phones:
                raise PreviewError(f"{number} is not a number of record {record_id}")
            if ("phone", number) in blocked or (rec.id_card and ("id_card", rec.id_card) in blocked):
                raise PreviewError(f"{number} is on the do-not-call list")
        else:
            number = _callable_number(phones, rec.next_phone, blocked, rec.id_card)
            if number is None:                       # the record ends "dnc" (committed), then the refusal
                conn.execute(r.update().where(r.c.id == rec.id).values(state=RecordState.DNC.value, updated_at=now))
                all_listed = True
        if not all_listed:
            aid = conn.execute(T.attempts.insert().values(
                record_id=rec.id, campaign_id=camp.id, number=number, state="claimed", claimed_at=now, agent=agent,
                script=json.dumps(script, ensure_ascii=False) if script is not None else None)).inserted_primary_key
            conn.execute(r.update().where(r.c.id == rec.id).values(
                state=RecordState.DIALING.value, next_phone=phones.index(number), callback_at=None, updated_at=now))
    if all_listed or number is None:
        raise PreviewError("every number of this customer is on the do-not-call list")
    return Claim(int(aid[0]), rec.id, camp.id, number, json.loads(rec.fields)), camp  # type: ignore[index]


def outcome_for(code: str) -> str:
    """The dialer's outcome an agent's code stands for."""
    if not CODE.match(code or ""):
        raise PreviewError("an outcome code is 1-64 letters, digits, '.', '_' or '-'")
    return NOT_REACHED.get(code, "answered")


def attempt(engine: sa.Engine, attempt_id: int) -> dict[str, Any]:
    """A preview campaign's attempt."""
    with engine.connect() as conn:
        att = conn.execute(sa.select(T.attempts, T.campaigns.c.mode).join(
            T.campaigns, T.campaigns.c.id == T.attempts.c.campaign_id).where(T.attempts.c.id == attempt_id)).first()
    if att is None or att.mode != MODE:
        raise PreviewError(f"attempt {attempt_id} is no preview campaign's")
    return dict(att._mapping)


def attempt_of_agent(engine: sa.Engine, attempt_id: int, agent: str) -> dict[str, Any]:
    with engine.connect() as conn:
        att = conn.execute(sa.select(T.attempts).where(T.attempts.c.id == attempt_id)).first()
    if att is None or att.agent != agent:
        raise PreviewError(f"attempt {attempt_id} is not agent {agent}'s")
    return dict(att._mapping)
