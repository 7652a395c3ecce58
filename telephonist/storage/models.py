"""The call-record values the store takes and gives back (plain dataclasses, no ORM)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class StorageError(Exception):
    """A call-record operation that the database could not or would not do."""


class LegNotFound(StorageError, LookupError):
    def __init__(self, leg_id: int) -> None:
        super().__init__(f"no call leg with id {leg_id}")
        self.leg_id = leg_id


class LegClosed(StorageError):
    def __init__(self, leg_id: int) -> None:
        super().__init__(f"call leg {leg_id} is already closed")
        self.leg_id = leg_id


@dataclass(slots=True)
class LegOpen:
    """What is known when a leg starts. ``started_at`` defaults to now; ``state`` to
    ``ringing`` (inbound) or ``dialing`` (outbound)."""
    call_id: str
    direction: str                  # inbound | outbound
    span: str
    channel: int
    caller: str
    dialled: str
    node: str
    trunk_group: str | None = None
    application: str | None = None
    started_at: datetime | None = None
    state: str | None = None


@dataclass(slots=True)
class Leg:
    """One row of call_legs. Times are timezone-aware UTC; ``ended_at`` is None while open."""
    id: int
    call_id: str
    direction: str
    span: str
    channel: int
    trunk_group: str | None
    caller: str
    dialled: str
    application: str | None
    state: str
    disposition: str | None
    hangup_cause: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    ring_ms: int | None
    talk_ms: int | None
    recording_path: str | None
    node: str
    agent: str | None = None
    queue: str | None = None

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


@dataclass(slots=True)
class LegEvent:
    id: int
    leg_id: int
    at: datetime
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class LegFilter:
    """Filters for CallRecordStore.recent(); every field set must match (exact values).

    ``since``/``until`` bound ``started_at`` (since <= started_at < until);
    ``open`` True keeps only legs not yet closed, False only closed ones.
    """
    call_id: str | None = None
    caller: str | None = None
    dialled: str | None = None
    disposition: str | None = None
    direction: str | None = None
    node: str | None = None
    span: str | None = None
    trunk_group: str | None = None
    application: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    open: bool | None = None
