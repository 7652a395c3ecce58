"""What a stopped dialer left open, settled at the next start, before it dials anything.

Each attempt left claimed, dialing or answered is looked up by its chand call id "dl-<attempt>": in ivrd's
sessions (handed to its flow: answered, with the flow's result, or still running: its end is published and
awaited) and in chand's call records (busy, no answer, failed; a call cut by the stop — still open, or hung
up by chand's fallback when the dialer went, or answered and not yet handed on — or none, is `lost`, retried
as failed). BATCH attempts at a time: a few queries to look them up, one transaction to write what
was found. The service (service.py) settles one batch in the handler of one chand timer event, so that no
handler takes long whatever the number left open (chand drops an application that leaves an event
unacknowledged for app_timeout_ms, 2 s), and a lockstep engine clock still stands still while it works.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from telephonist.dialer.store import DialerStore, Settled

log = logging.getLogger("telephonist.dialer")
BATCH = 100                   # attempts per look-up and write transaction (and per timer event of the start)
DO_NOT_CALL_RESULTS = ("dnc", "do_not_call")


def left_open(store: DialerStore) -> list[dict[str, Any]]:
    """The dialled campaigns' attempts a stopped dialer left open, but preview ones (their agents give their
    outcomes, preview.py)."""
    return [att for att in store.open_attempts() if not att.get("agent")]


def settle(store: DialerStore, attempts: Sequence[dict[str, Any]], now: datetime) -> list[Settled]:
    """Settle these attempts left open (at most BATCH: one look-up, one write transaction; blocking, run it in a
    thread). An attempt whose flow still runs is left open. What was settled is returned and logged
    (event=dialer_reconciled)."""
    found = what_happened(store.engine, attempts)
    settled = []
    for att in attempts:
        outcome, result = found[att["id"]]
        log.info("event=dialer_reconciled attempt=%d state=%s outcome=%s result=%s", att["id"], att["state"],
                 outcome, result)
        if outcome is not None:                        # None: the flow still runs, its end is published
            settled.append(Settled(att["id"], att["state"], outcome, result,
                                   outcome == "answered" and (result or "").lower() in DO_NOT_CALL_RESULTS))
    store.settle(settled, now)
    return settled


def what_happened(engine: sa.Engine, attempts: Sequence[dict[str, Any]]) -> dict[int, tuple[str | None, str | None]]:
    """attempt id -> (outcome, result) of attempts left open: None as outcome while its flow still runs."""
    from telephonist.ivrd.schema import sessions, steps
    from telephonist.storage.schema import call_events, call_legs
    ids = {f"dl-{att['id']}": att["id"] for att in attempts}
    with engine.connect() as conn:
        session_of: dict[str, Any] = {}
        for row in conn.execute(sa.select(sessions.c.call_id, sessions.c.ended_at, sessions.c.outcome)
                                .where(sessions.c.call_id.in_(list(ids))).order_by(sessions.c.id)):
            session_of.setdefault(row.call_id, row)
        results: dict[str, list[Any]] = {}
        flowed = [cid for cid, s in session_of.items() if s.ended_at is not None]
        if flowed:
            for call_id, detail in conn.execute(sa.select(steps.c.call_id, steps.c.detail).where(
                    steps.c.call_id.in_(flowed), steps.c.node_type == "set").order_by(steps.c.id)):
                if detail:
                    results.setdefault(call_id, []).append(json.loads(detail).get("result"))
        leg_of: dict[str, Any] = {}
        dialled = [c for c in ids if c not in session_of]
        for row in conn.execute(sa.select(call_legs.c.call_id, call_legs.c.disposition, call_legs.c.hangup_cause,
                                          call_legs.c.ended_at, call_legs.c.queue)
                                .where(call_legs.c.call_id.in_(dialled)).order_by(call_legs.c.id)):
            leg_of.setdefault(row.call_id, row)
        # chand hung up on the stopped dialer's calls (its fallback; written before the leg's end)
        cut = set(conn.execute(sa.select(call_legs.c.call_id).join(call_events, call_events.c.leg_id == call_legs.c.id)
                               .where(call_legs.c.call_id.in_(dialled), call_events.c.kind == "fallback")).scalars())
    out: dict[int, tuple[str | None, str | None]] = {}
    for call_id, aid in ids.items():
        session = session_of.get(call_id)
        if session is not None:                        # handed to its flow: answered
            if session.ended_at is None:
                out[aid] = (None, None)
                continue
            said = [r for r in results.get(call_id, []) if r is not None]
            out[aid] = ("answered", str(said[-1]) if said else session.outcome)
            continue
        leg = leg_of.get(call_id)
        if leg is None or leg.ended_at is None or call_id in cut or leg.disposition == "answered" and not leg.queue:
            out[aid] = ("lost", None)                  # never placed, or cut by the stop: counted, retried later
        elif leg.disposition == "answered":
            out[aid] = ("answered", "agent")
        else:
            out[aid] = (outcome_of(leg.disposition or "failed", leg.hangup_cause or ""), None)
    return out


def outcome_of(disposition: str, cause: str) -> str:
    """A failed dial's outcome: busy, no_answer, sit (the number is empty or wrong: SIT tones on an analog line,
    Q.850 cause "1 unallocated" or "3 no_route" on a digital one), failed."""
    if disposition in ("busy", "no_answer"):
        return disposition
    name = cause.split()[-1] if cause else ""
    return "sit" if name in ("unallocated", "no_route") else "failed"
