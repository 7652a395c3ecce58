"""The dialer's database: campaigns, records, attempts and the do-not-call list (schema.py).

Every method is blocking (the daemon calls them with asyncio.to_thread; the console calls them from
its request). The claim of an attempt is one transaction that is committed before chand is asked to
dial: a dialer killed between the two finds the claim again and never dials that attempt a second time.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from telephonist.dialer import schema as T
from telephonist.dialer.strategy import (
    AttemptCounts,
    RecordState,
    Strategy,
    after_outcome,
    parse_strategy,
)
from telephonist.storage.database import WRITE, make_engine

KINDS = ("survey", "notice", "dunning", "confirmation", "sales")
MODES = ("agentless", "progressive", "predictive", "preview")
MEDIA = ("sms", "email", "fax")     # worked by dialer/media, not dialled: a message filled from the record's fields
MODES = MODES + MEDIA
STATES = ("draft", "running", "paused", "stopped", "finished")
NOT_COUNTED = ("unplaced",)          # attempts chand never placed (no free line): not an attempt at the customer


class DialerError(ValueError):
    """A request the dialer's rules refuse (unknown campaign, bad name, bad strategy ...)."""


@dataclass(frozen=True)
class Campaign:
    id: int
    name: str
    kind: str
    mode: str
    target: str
    trunk_group: str
    caller_id: str
    priority: int
    state: str
    strategy: Strategy
    message: dict[str, Any] = field(default_factory=dict)     # sms/email/fax: {"subject": ..., "body": ...}
    report_to: str = ""                                       # whom results are sent to (reports.py)


@dataclass(frozen=True)
class Claim:
    attempt_id: int
    record_id: int
    campaign_id: int
    number: str
    fields: dict[str, Any]
    agent: str | None = None        # an appointment's agent: offered the call first (appointments.py)
    name: str = ""                      # the customer's (a message's ${name})

    @property
    def call_id(self) -> str:
        return f"dl-{self.attempt_id}"

    def handoff_data(self, campaign: str) -> dict[str, Any]:
        """What goes with the call to whoever takes it (ivrd's flow, the ACD's queue and every agent a transfer
        passes it to): the record's fields (text and numbers), the campaign, the record and the number."""
        return {**{k: v for k, v in self.fields.items() if isinstance(v, (str, int, float))},
                "campaign": campaign, "record": str(self.record_id), "number": self.number}


@dataclass(frozen=True)
class Settled:
    """What a restart found of an attempt left open (restart.py): its outcome, and an answered call's result."""
    attempt_id: int
    state: str                      # as the stopped dialer left it: claimed, dialing, answered
    outcome: str
    result: str | None = None
    do_not_call: bool = False       # the customer asked not to be called again (the flow's result)


def attempt_of(call_id: str | None) -> int | None:
    """The attempt a chand call id names ("dl-17" -> 17), None for any other call."""
    if call_id and call_id.startswith("dl-") and call_id[3:].isdigit():
        return int(call_id[3:])
    return None


@contextmanager
def writing(engine: sa.Engine) -> Iterator[Connection]:
    """A write transaction that takes SQLite's write lock up front (BEGIN IMMEDIATE): the daemon's threads and
    the console wait their turn on the busy timeout instead of failing halfway."""
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        yield conn


def _now() -> datetime:
    return datetime.now(UTC)


class DialerStore:
    def __init__(self, url: str | None = None, engine: sa.Engine | None = None) -> None:
        """Its own engine on `url` (the daemon), or one it is lent (the web console's)."""
        self._owned = engine is None
        self.engine = engine if engine is not None else make_engine(url or "")

    def close(self) -> None:
        if self._owned:
            self.engine.dispose()

    # ---- campaigns ---------------------------------------------------------------------------------
    def create_campaign(self, name: str, kind: str, mode: str, target: str, trunk_group: str,
                        strategy: dict[str, Any], caller_id: str = "", priority: int = 0,
                        message: dict[str, Any] | None = None, report_to: str = "") -> int:
        if not name or len(name) > 64:
            raise DialerError("a campaign needs a name of 1 to 64 characters")
        if kind not in KINDS:
            raise DialerError(f"kind must be one of {', '.join(KINDS)}")
        if mode not in MODES:
            raise DialerError(f"mode must be one of {', '.join(MODES)}")
        if mode not in MEDIA and (not target or not trunk_group):
            raise DialerError("a campaign needs its flow or queue (target) and a trunk group")
        if mode == "fax" and not trunk_group:
            raise DialerError("a fax campaign needs the trunk group its faxes go out on")
        text = self._checked_strategy(strategy)
        message_text = checked_message(mode, message or {})
        now = _now()
        with writing(self.engine) as conn:
            if conn.execute(sa.select(T.campaigns.c.id).where(T.campaigns.c.name == name)).first():
                raise DialerError(f"a campaign named {name!r} exists already")
            return conn.execute(T.campaigns.insert().values(
                name=name, kind=kind, mode=mode, target=target, trunk_group=trunk_group, caller_id=caller_id,
                priority=priority, state="draft", strategy=text, message=message_text, report_to=report_to.strip(),
                created_at=now, updated_at=now)).inserted_primary_key[0]

    @staticmethod
    def _checked_strategy(strategy: dict[str, Any]) -> str:
        parse_strategy(strategy)               # StrategyError with every problem
        return json.dumps(strategy, ensure_ascii=False)

    def set_strategy(self, campaign_id: int, strategy: dict[str, Any]) -> None:
        """A new strategy: the dialer reads it before its next dial."""
        self._update_campaign(campaign_id, strategy=self._checked_strategy(strategy))

    def set_message(self, campaign_id: int, mode: str, message: dict[str, Any]) -> None:
        """The text an SMS, e-mail or fax campaign sends (takes effect on the next message)."""
        self._update_campaign(campaign_id, message=checked_message(mode, message))

    def set_report_to(self, campaign_id: int, report_to: str) -> None:
        self._update_campaign(campaign_id, report_to=report_to.strip())

    def set_state(self, campaign_id: int, state: str) -> None:
        if state not in STATES:
            raise DialerError(f"state must be one of {', '.join(STATES)}")
        self._update_campaign(campaign_id, state=state)

    def _update_campaign(self, campaign_id: int, **values: Any) -> None:
        with writing(self.engine) as conn:
            done = conn.execute(T.campaigns.update().where(T.campaigns.c.id == campaign_id)
                                .values(updated_at=_now(), **values)).rowcount
        if not done:
            raise DialerError(f"no campaign {campaign_id}")

    def campaigns(self, states: Iterable[str] = STATES) -> list[Campaign]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(T.campaigns).where(T.campaigns.c.state.in_(list(states)))
                                .order_by(T.campaigns.c.priority.desc(), T.campaigns.c.id)).all()
        return [Campaign(r.id, r.name, r.kind, r.mode, r.target, r.trunk_group, r.caller_id, r.priority, r.state,
                         parse_strategy(json.loads(r.strategy)), json.loads(r.message or "{}"), r.report_to)
                for r in rows]

    def campaign_id(self, name: str) -> int:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(T.campaigns.c.id).where(T.campaigns.c.name == name)).first()
        if row is None:
            raise DialerError(f"no campaign named {name!r}")
        return row.id

    # ---- do-not-call -----------------------------------------------------------------------------------
    def dnc_add(self, kind: str, value: str, reason: str = "manual", source: str = "") -> bool:
        """True when it was added (False: it was on the list already)."""
        if kind not in ("phone", "id_card") or not value.strip():
            raise DialerError("a do-not-call entry is a phone number or an ID-card number")
        with writing(self.engine) as conn:
            return _dnc_add(conn, kind, value.strip(), reason, source)

    def dnc_delete(self, kind: str, value: str) -> bool:
        with writing(self.engine) as conn:
            return bool(conn.execute(T.dnc.delete().where(T.dnc.c.kind == kind, T.dnc.c.value == value)).rowcount)

    def dnc_search(self, text: str = "", limit: int = 100) -> list[dict[str, Any]]:
        q = sa.select(T.dnc).order_by(T.dnc.c.id.desc()).limit(limit)
        if text:
            q = q.where(T.dnc.c.value.contains(text, autoescape=True))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # ---- the dial's life -----------------------------------------------------------------------------------
    def claim(self, campaign: Campaign, now: datetime, limit: int,
              may_call: Callable[[str], bool]) -> list[Claim]:
        """Up to `limit` records due now whose customer type's window is open (may_call(type)), each with a new
        attempt committed in state "claimed" and the record "dialing". A record whose every number is on the
        do-not-call list (or whose ID card is) becomes "dnc" without a dial."""
        if limit <= 0:
            return []
        r = T.records
        claims: list[Claim] = []
        with writing(self.engine) as conn:
            due = conn.execute(sa.select(r).where(
                r.c.campaign_id == campaign.id, r.c.state == RecordState.PENDING.value,
                sa.or_(r.c.next_at.is_(None), r.c.next_at <= now))
                .order_by(r.c.callback_at.is_(None), r.c.next_at, r.c.id)          # appointments first
                .limit(limit * 4 + 20)).all()
            blocked = _dnc_blocked(conn, due)
            for row in due:
                if len(claims) >= limit:
                    break
                if not may_call(row.customer_type):
                    continue
                phones = json.loads(row.phones)
                number = _callable_number(phones, row.next_phone, blocked, row.id_card)
                if number is None:
                    conn.execute(r.update().where(r.c.id == row.id).values(
                        state=RecordState.DNC.value, updated_at=now))
                    continue
                aid = conn.execute(T.attempts.insert().values(
                    record_id=row.id, campaign_id=campaign.id, number=number, state="claimed",
                    claimed_at=now)).inserted_primary_key[0]
                conn.execute(r.update().where(r.c.id == row.id).values(
                    state=RecordState.DIALING.value, next_phone=phones.index(number), callback_at=None, updated_at=now))
                claims.append(Claim(aid, row.id, campaign.id, number, json.loads(row.fields),
                                    row.agent if row.callback_at is not None else None, row.name))
        return claims

    def dialing(self, attempt_id: int, chan: str) -> None:
        with writing(self.engine) as conn:
            conn.execute(T.attempts.update().where(T.attempts.c.id == attempt_id).values(state="dialing", chan=chan))

    def answered(self, attempt_id: int, now: datetime) -> None:
        """The customer answered: the record is done (its result may follow from the flow)."""
        self.finish(attempt_id, "answered", now, state="answered")

    def finish(self, attempt_id: int, outcome: str, now: datetime, result: str | None = None,
               state: str = "done") -> RecordState | None:
        """The attempt's outcome, and what the strategy makes of it for the record (retry, next number,
        exhausted, the number to the do-not-call list). None when the attempt had ended already."""
        with writing(self.engine) as conn:
            return _finish(conn, attempt_id, outcome, now, result, state)

    def result(self, attempt_id: int, result: str, now: datetime, do_not_call: bool = False) -> None:
        """What the flow (or the agent) concluded for an answered attempt; "do not call me" puts the number and
        the ID card on the do-not-call list."""
        self.finish(attempt_id, "answered", now, result=result)
        if do_not_call:
            with writing(self.engine) as conn:
                _do_not_call(conn, attempt_id)

    def settle(self, settled: Iterable[Settled], now: datetime) -> None:
        """What a restart found of the attempts a stopped dialer left open (restart.py), written in one
        transaction: as `answered` + `result` or `finish` would, one by one."""
        with writing(self.engine) as conn:
            for s in settled:
                if s.outcome != "answered":
                    _finish(conn, s.attempt_id, s.outcome, now)
                    continue
                if s.state != "answered":
                    _finish(conn, s.attempt_id, "answered", now, state="answered")
                _finish(conn, s.attempt_id, "answered", now, result=s.result or "")
                if s.do_not_call:
                    _do_not_call(conn, s.attempt_id)

    def abandoned(self, attempt_id: int, now: datetime) -> RecordState | None:
        """An answered customer no agent took within the campaign's wait limit (the message was played, or the
        customer hung up first): outcome "abandoned", the record retried by `retry.abandoned`."""
        return self.finish(attempt_id, "abandoned", now)

    def answered_by_day(self, campaign_id: int | None, since: datetime, tz: Any) -> dict[Any, tuple[int, int]]:
        """Answered calls (a person answered: handed on or abandoned) and abandoned ones per local day (`tz`)
        since `since`: {date: (answered, abandoned)}. campaign_id None: every campaign."""
        a = T.attempts
        q = sa.select(a.c.outcome, a.c.ended_at).where(a.c.outcome.in_(["answered", "abandoned"]),
                                                       a.c.ended_at >= since)
        if campaign_id is not None:
            q = q.where(a.c.campaign_id == campaign_id)
        days: dict[Any, list[int]] = {}
        with self.engine.connect() as conn:
            for outcome, ended in conn.execute(q):
                day = days.setdefault(ended.astimezone(tz).date(), [0, 0])
                day[0] += 1
                day[1] += outcome == "abandoned"
        return {d: (n, ab) for d, (n, ab) in days.items()}

    def open_attempts(self, media: bool = False) -> list[dict[str, Any]]:
        """Attempts a stopped dialer left claimed, dialing or answered (what a restart reconciles): of the
        dialled campaigns, or (media) of the SMS / e-mail / fax ones."""
        mode = T.campaigns.c.mode.in_(MEDIA) if media else T.campaigns.c.mode.notin_(MEDIA)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(
                sa.select(T.attempts).join(T.campaigns, T.campaigns.c.id == T.attempts.c.campaign_id)
                .where(T.attempts.c.state.in_(["claimed", "dialing", "answered"]), mode))]

    def in_flight(self, campaign_id: int) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(T.attempts).where(
                T.attempts.c.campaign_id == campaign_id, T.attempts.c.state.in_(["claimed", "dialing"]))).scalar_one()

    def next_due(self, campaign_id: int) -> tuple[datetime | None, set[str], bool]:
        """(the earliest next_at of pending records, their customer types, whether anything is unfinished: a
        record to dial or out, or an answered call whose flow has not said its result)."""
        r = T.records
        with self.engine.connect() as conn:
            pending = conn.execute(sa.select(sa.func.min(r.c.next_at)).where(
                r.c.campaign_id == campaign_id, r.c.state == "pending")).scalar()
            types = {t for (t,) in conn.execute(sa.select(r.c.customer_type).distinct().where(
                r.c.campaign_id == campaign_id, r.c.state == "pending"))}
            open_ = conn.execute(sa.select(sa.func.count()).select_from(r).where(
                r.c.campaign_id == campaign_id, r.c.state.in_(["pending", "dialing"]))).scalar_one()
            open_ += conn.execute(sa.select(sa.func.count()).select_from(T.attempts).where(   # flows still running
                T.attempts.c.campaign_id == campaign_id, T.attempts.c.state == "answered")).scalar_one()
        return pending, types, bool(open_)


def checked_message(mode: str, message: dict[str, Any]) -> str:
    """A media campaign's message as JSON: {"subject" (e-mail), "body"}, texts with ${field} placeholders."""
    if mode not in MEDIA:
        return json.dumps(message or {}, ensure_ascii=False)
    if not isinstance(message, dict) or not isinstance(message.get("body"), str) or not message["body"].strip():
        raise DialerError(f"a {mode} campaign needs its message: {{\"body\": \"... ${{field}} ...\"}}")
    unknown = [k for k in message if k not in ("subject", "body")]
    if unknown or not isinstance(message.get("subject", ""), str):
        raise DialerError("a message has a body and (e-mail) a subject, both texts")
    if mode == "sms" and len(message["body"]) > 1000:
        raise DialerError("an SMS message is at most 1000 characters (it is sent in parts of 67)")
    return json.dumps(message, ensure_ascii=False)


def _finish(conn: Connection, attempt_id: int, outcome: str, now: datetime, result: str | None = None,
            state: str = "done") -> RecordState | None:
    """DialerStore.finish inside the caller's transaction."""
    a, r = T.attempts, T.records
    att = conn.execute(sa.select(a).where(a.c.id == attempt_id)).first()
    if att is None or att.state == "done" or (att.state == "answered" and state != "done"):
        return None
    if outcome == "abandoned" and att.state != "answered":
        return None                               # only an answered call can be abandoned
    conn.execute(a.update().where(a.c.id == attempt_id).values(
        state=state, outcome=outcome, ended_at=now, **({"result": result} if result is not None else {})))
    if att.state == "answered" and outcome != "abandoned":   # an answered call's result: the record is done
        if result is not None:
            conn.execute(r.update().where(r.c.id == att.record_id).values(result=result, updated_at=now))
        return RecordState.DONE
    rec = conn.execute(sa.select(r).where(r.c.id == att.record_id)).first()
    camp = conn.execute(sa.select(T.campaigns.c.strategy).where(T.campaigns.c.id == rec.campaign_id)).first()
    strategy = parse_strategy(json.loads(camp.strategy))
    phones = json.loads(rec.phones)
    if outcome in NOT_COUNTED:
        conn.execute(r.update().where(r.c.id == rec.id).values(
            state=RecordState.PENDING.value, updated_at=now))
        return RecordState.PENDING
    tried = conn.execute(sa.select(a.c.number, sa.func.count()).where(
        a.c.record_id == rec.id, a.c.outcome.notin_(NOT_COUNTED)).group_by(a.c.number)).all()
    per = dict(tried)
    counts = AttemptCounts(tuple(per.get(p, 0) for p in phones), phones.index(att.number))
    d = after_outcome(strategy, counts, outcome)
    if d.dnc_number:
        _dnc_add(conn, "phone", att.number, "sit", f"campaign {rec.campaign_id}")
    conn.execute(r.update().where(r.c.id == rec.id).values(
        state=d.state.value, next_phone=d.next_phone, attempts=sum(counts.per_phone), outcome=outcome,
        next_at=now + timedelta(seconds=d.retry_after_s), updated_at=now,
        **({"result": result} if result is not None else {})))
    return d.state


def _do_not_call(conn: Connection, attempt_id: int) -> None:
    """The customer of an answered attempt asked not to be called: its number and ID card to the list."""
    att = conn.execute(sa.select(T.attempts.c.number, T.records.c.id_card, T.records.c.campaign_id)
                       .join(T.records, T.records.c.id == T.attempts.c.record_id)
                       .where(T.attempts.c.id == attempt_id)).first()
    if att is not None:
        source = f"campaign {att.campaign_id}"
        _dnc_add(conn, "phone", att.number, "asked", source)
        if att.id_card:
            _dnc_add(conn, "id_card", att.id_card, "asked", source)


def _dnc_add(conn: Connection, kind: str, value: str, reason: str, source: str) -> bool:
    if conn.execute(sa.select(T.dnc.c.id).where(T.dnc.c.kind == kind, T.dnc.c.value == value)).first():
        return False
    conn.execute(T.dnc.insert().values(kind=kind, value=value, reason=reason, source=source, created_at=_now()))
    return True


def _dnc_blocked(conn: Connection, rows: list) -> set[tuple[str, str]]:
    """The (kind, value) pairs of the do-not-call list among these records' numbers and ID cards."""
    phones = {p for row in rows for p in json.loads(row.phones)}
    cards = {row.id_card for row in rows if row.id_card}
    found = conn.execute(sa.select(T.dnc.c.kind, T.dnc.c.value).where(sa.or_(
        sa.and_(T.dnc.c.kind == "phone", T.dnc.c.value.in_(list(phones))),
        sa.and_(T.dnc.c.kind == "id_card", T.dnc.c.value.in_(list(cards)))))).all()
    return {(k, v) for k, v in found}


def _callable_number(phones: list[str], start: int, blocked: set[tuple[str, str]], id_card: str) -> str | None:
    """The record's next number not on the do-not-call list (from `start`, in the record's order)."""
    if id_card and ("id_card", id_card) in blocked:
        return None
    for i in range(len(phones)):
        number = phones[(start + i) % len(phones)]
        if ("phone", number) not in blocked:
            return number
    return None
