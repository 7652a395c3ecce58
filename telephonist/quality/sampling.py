"""Sampling rules: which recorded calls reviewers must score.

``per_agent_week`` draws ``count`` answered, recorded calls per agent and week (at random, the same draw every
time for the same week, topped up when run again); ``disposition`` takes every call an agent wrapped up with
one of the rule's codes (e.g. every complaint). Drawn calls land in qa_samples, the reviewers' work list; a
call is drawn once, whichever rule drew it first.
"""
from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from telephonist.acd.schema import calls as acd_calls
from telephonist.quality.schema import reviews, rules, samples
from telephonist.quality.store import QualityError
from telephonist.storage.database import utcnow
from telephonist.storage.schema import call_legs

KINDS = ("per_agent_week", "disposition")


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]


def list_rules(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(select(rules).order_by(rules.c.name))]


def save_rule(conn: Connection, rule_id: int | None, name: str, kind: str, count: int, codes: str, queues: str,
              active: bool) -> int:
    name = name.strip()
    if not name or len(name) > 80:
        raise QualityError("a rule needs a name of at most 80 characters")
    if kind not in KINDS:
        raise QualityError(f"a rule's kind is one of {', '.join(KINDS)}")
    if kind == "per_agent_week" and not 1 <= count <= 1000:
        raise QualityError("calls per agent and week: from 1 to 1000")
    if kind == "disposition" and not _split(codes):
        raise QualityError("name the wrap-up codes whose calls are all reviewed")
    clash = conn.execute(select(rules.c.id).where(rules.c.name == name)).scalar()
    if clash is not None and clash != rule_id:
        raise QualityError(f"a rule named {name} exists already")
    values = dict(name=name, kind=kind, count=count if kind == "per_agent_week" else 0,
                  codes=",".join(_split(codes)), queues=",".join(_split(queues)), active=active)
    if rule_id is None:
        return conn.execute(insert(rules).values(**values)).inserted_primary_key[0]
    conn.execute(update(rules).where(rules.c.id == rule_id).values(**values))
    return rule_id


def delete_rule(conn: Connection, rule_id: int) -> None:
    conn.execute(delete(rules).where(rules.c.id == rule_id))


def _candidates(conn: Connection, rule: dict[str, Any], since: datetime, until: datetime):
    recorded = select(call_legs.c.call_id).where(call_legs.c.recording_path.is_not(None)).scalar_subquery()
    q = (select(acd_calls.c.id, acd_calls.c.agent)
         .where(and_(acd_calls.c.answered_at >= since, acd_calls.c.answered_at < until,
                     acd_calls.c.agent.is_not(None), acd_calls.c.call_id.in_(recorded)))
         .order_by(acd_calls.c.id))
    if rule["queues"]:
        q = q.where(acd_calls.c.queue.in_(_split(rule["queues"])))
    if rule["kind"] == "disposition":
        q = q.where(acd_calls.c.wrapup_code.in_(_split(rule["codes"])))
    return list(conn.execute(q))


def draw(conn: Connection, since: datetime, until: datetime, now: datetime | None = None) -> int:
    """Run every active rule over the calls answered in [since, until) (a week); returns how many were drawn."""
    now = now or utcnow()
    taken = set(conn.execute(select(samples.c.call_row)).scalars())
    reviewed = set(conn.execute(select(reviews.c.call_row)).scalars())
    new: list[dict[str, Any]] = []
    for rule in list_rules(conn):
        if not rule["active"]:
            continue
        cands = [c for c in _candidates(conn, rule, since, until) if c.id not in taken]
        if rule["kind"] == "disposition":
            chosen = cands
        else:
            per_agent: dict[str, list] = {}
            for c in cands:
                per_agent.setdefault(c.agent, []).append(c)
            have = dict(conn.execute(
                select(samples.c.agent, func.count()).join(acd_calls, acd_calls.c.id == samples.c.call_row)
                .where(and_(samples.c.rule == rule["name"], acd_calls.c.answered_at >= since,
                            acd_calls.c.answered_at < until)).group_by(samples.c.agent)).all())
            chosen = []
            for agent, mine in sorted(per_agent.items()):
                want = rule["count"] - have.get(agent, 0)
                if want > 0:
                    rng = random.Random(f"{rule['name']}/{agent}/{since.isoformat()}")
                    chosen += rng.sample(mine, min(want, len(mine)))
        for c in chosen:
            taken.add(c.id)
            new.append({"call_row": c.id, "agent": c.agent, "rule": rule["name"], "drawn_at": now,
                        "review_id": None})
    if new:
        conn.execute(insert(samples), new)
        for row in new:
            if row["call_row"] in reviewed:
                rid = conn.execute(select(reviews.c.id).where(reviews.c.call_row == row["call_row"]).limit(1)).scalar()
                conn.execute(update(samples).where(samples.c.call_row == row["call_row"]).values(review_id=rid))
    return len(new)


def work_list(conn: Connection, agents: set[str] | None, limit: int = 500) -> list[dict[str, Any]]:
    """The drawn calls not scored yet (oldest first), ``agents`` None: every agent's."""
    q = (select(samples, acd_calls.c.queue, acd_calls.c.caller, acd_calls.c.answered_at, acd_calls.c.talk_ms,
                acd_calls.c.wrapup_code)
         .join(acd_calls, acd_calls.c.id == samples.c.call_row)
         .where(samples.c.review_id.is_(None)).order_by(samples.c.drawn_at, samples.c.id).limit(limit))
    if agents is not None:
        q = q.where(samples.c.agent.in_(sorted(agents)))
    return [dict(r._mapping) for r in conn.execute(q)]
