"""A campaign's strategy: when a customer may be called, how often, and what each outcome leads to.

Stored as JSON on the campaign (edited live in the console; the dialer reads it again before every
dial, so an edit takes effect on the next one):

    {"windows": {"default": {"time_zone": "Asia/Shanghai", "calendar": "cn",
                             "hours": {"mon-fri": "09:00-12:00,13:30-20:00", "sat": "10:00-16:00"}},
                 "vip": {"calendar": "cn", "hours": {"mon-fri": "10:00-18:00"}}},
     "min_attempts": 1, "max_attempts": 3,            # per number
     "min_interval_s": 600, "max_interval_s": 86400,  # between two attempts at one customer
     "retry": {"busy": 600, "no_answer": 1800, "machine": 3600, "failed": 3600},   # seconds; null: no retry
     "phone_order": "rotate",                         # rotate (next number each retry) | exhaust (each in turn)
     "batch": 4,                                      # calls of this campaign at once
     "amd": {"greeting_ms": 1800},                    # answering-machine detection before the hand-off:
                                                      # true, or its settings (chand's `amd`); absent: none
     "appointment_wait_s": 60,                        # progressive: an appointment waits for its agent, then any
     "start": "2026-12-01", "end": "2026-12-31",      # the campaign's period (dates of the first window)
     "wait_limit_ms": 2000,                           # predictive: an answered customer no agent took by then
     "abandon_prompt": "zh/dialer/abandon.wav"}       # hears this (under prompts_dir) and is hung up on

A window is a schedule with the keys of ivrd's schedules.toml (hours per weekday, the Chinese statutory
calendar with its make-up working days, holiday_hours, workday_hours; ivrd/schedules.py reads it); a
customer type without a window of its own uses "default". Everything here is pure: no clock, no database.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telephonist.ivrd.schedules import Override, Schedule, schedule_from_table

OUTCOMES_RETRIED = ("busy", "no_answer", "machine", "failed", "abandoned")
DEFAULT_ABANDON_PROMPT = "zh/dialer/abandon.wav"   # made by espeak-ng (dialer/prompts.py); sites record their own
PHONE_ORDERS = ("rotate", "exhaust")
DEFAULT_TYPE = "default"
SEARCH_DAYS = 45                  # how far ahead the next window is looked for


class StrategyError(ValueError):
    """A strategy that cannot work; `problems` says each thing wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Strategy:
    windows: dict[str, Schedule]
    min_attempts: int = 1
    max_attempts: int = 3
    min_interval_s: int = 600
    max_interval_s: int = 86400
    retry: dict[str, int | None] = field(default_factory=dict)
    phone_order: str = "rotate"
    batch: int = 4
    start: date | None = None
    end: date | None = None
    amd: dict[str, int] | None = None   # answering-machine detection's settings; None: no detection
    appointment_wait_s: int = 60        # progressive: an appointment's call waits this long for its agent, then any
    wait_limit_ms: int = 2000           # predictive: the longest an answered customer waits for an agent
    abandon_prompt: str = DEFAULT_ABANDON_PROMPT   # predictive: what one no agent took hears before the hang-up

    def window(self, customer_type: str) -> Schedule:
        return self.windows.get(customer_type) or self.windows[DEFAULT_TYPE]


def parse_strategy(obj: Any) -> Strategy:
    """The strategy of a campaign, or StrategyError with every problem."""
    problems: list[str] = []
    if not isinstance(obj, dict):
        raise StrategyError(["the strategy must be an object"])
    known = {"windows", "min_attempts", "max_attempts", "min_interval_s", "max_interval_s", "retry",
             "phone_order", "batch", "start", "end", "amd", "appointment_wait_s", "wait_limit_ms", "abandon_prompt"}
    problems += [f"unknown key {k!r}" for k in obj if k not in known]
    windows: dict[str, Schedule] = {}
    raw_windows = obj.get("windows")
    if not isinstance(raw_windows, dict) or DEFAULT_TYPE not in raw_windows:
        problems.append('windows must be an object with at least "default" (the hours of customers of any type)')
        raw_windows = {}
    for ctype, table in raw_windows.items():
        sched, wrong = schedule_from_table(str(ctype), table, f"strategy windows.{ctype}")
        problems += [f"windows.{ctype}: {w}" for w in wrong]
        if sched is not None:
            windows[ctype] = sched

    def whole(key: str, default: int, low: int, high: int) -> int:
        value = obj.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(f"{key} must be a whole number from {low} to {high}")
            return default
        return value

    min_a, max_a = whole("min_attempts", 1, 1, 50), whole("max_attempts", 3, 1, 50)
    min_i, max_i = whole("min_interval_s", 600, 0, 30 * 86400), whole("max_interval_s", 86400, 0, 30 * 86400)
    if min_a > max_a:
        problems.append("min_attempts is above max_attempts")
    if min_i > max_i:
        problems.append("min_interval_s is above max_interval_s")
    retry: dict[str, int | None] = {k: min_i for k in OUTCOMES_RETRIED}
    retry["abandoned"] = max_i            # a customer who heard the abandoned-call message: not again soon
    raw_retry = obj.get("retry", {})
    if not isinstance(raw_retry, dict):
        problems.append("retry must be an object: outcome -> seconds (or null: no retry)")
        raw_retry = {}
    for k, v in raw_retry.items():
        if k not in OUTCOMES_RETRIED:
            problems.append(f"retry.{k}: the outcomes retried are {', '.join(OUTCOMES_RETRIED)}")
        elif v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            problems.append(f"retry.{k} must be seconds (0 or more) or null")
        else:
            retry[k] = v
    order = obj.get("phone_order", "rotate")
    if order not in PHONE_ORDERS:
        problems.append(f"phone_order must be one of {', '.join(PHONE_ORDERS)}")
    period = {}
    for key in ("start", "end"):
        value = obj.get(key)
        try:
            period[key] = date.fromisoformat(value) if value else None
        except (TypeError, ValueError):
            problems.append(f"{key} must be a date like 2026-12-01")
            period[key] = None
    if period["start"] and period["end"] and period["start"] > period["end"]:
        problems.append("start is after end")
    batch = whole("batch", 4, 1, 500)
    amd = _amd(obj.get("amd"), problems)
    appointment_wait = whole("appointment_wait_s", 60, 0, 3600)
    wait_limit = whole("wait_limit_ms", 2000, 200, 2000)
    prompt = obj.get("abandon_prompt", DEFAULT_ABANDON_PROMPT)
    if not isinstance(prompt, str) or not prompt.endswith(".wav") or ".." in prompt or prompt.startswith("/"):
        problems.append("abandon_prompt must be a .wav file under the prompts directory, like zh/dialer/abandon.wav")
    if problems:
        raise StrategyError(problems)
    return Strategy(windows=windows, min_attempts=min_a, max_attempts=max_a, min_interval_s=min_i,
                    max_interval_s=max_i, retry=retry, phone_order=order, batch=batch, amd=amd,
                    appointment_wait_s=appointment_wait, wait_limit_ms=wait_limit, abandon_prompt=prompt, **period)


AMD_SETTINGS = ("initial_silence_ms", "greeting_ms", "after_greeting_ms", "total_ms", "min_word_ms",
                "between_words_ms", "max_words", "max_word_ms", "threshold_dbm0")   # chand's `amd` (csrc/amd.c)


def _amd(raw: Any, problems: list[str]) -> dict[str, int] | None:
    """`amd`: absent/false (none), true (the engine's defaults) or an object of settings (whole numbers; chand and
    the engine check their ranges when the call is made, and a refused setting fails that attempt)."""
    if raw is None or raw is False:
        return None
    if raw is True:
        return {}
    if not isinstance(raw, dict):
        problems.append("amd must be true, false or an object of its settings")
        return None
    for k, v in raw.items():
        if k not in AMD_SETTINGS:
            problems.append(f"amd.{k}: the settings are {', '.join(AMD_SETTINGS)}")
        elif isinstance(v, bool) or not isinstance(v, int) or not -100_000 <= v <= 100_000:
            problems.append(f"amd.{k} must be a whole number")
    return {k: v for k, v in raw.items() if k in AMD_SETTINGS and isinstance(v, int) and not isinstance(v, bool)}


# ---- windows ---------------------------------------------------------------------------------------
def _local(sched: Schedule, when: datetime) -> datetime:
    return when.astimezone(ZoneInfo(sched.time_zone)) if sched.time_zone else when


def may_call(strategy: Strategy, customer_type: str, when: datetime, overrides: Iterable[Override] = ()) -> bool:
    """Inside the campaign's period and the calling window of the customer's type."""
    sched = strategy.window(customer_type)
    day = _local(sched, when).date()
    if (strategy.start and day < strategy.start) or (strategy.end and day > strategy.end):
        return False
    return sched.state_at(when, overrides).state == "open"


def next_opening(strategy: Strategy, customer_type: str, when: datetime,
                 overrides: Iterable[Override] = ()) -> datetime | None:
    """The first moment at or after `when` the customer may be called (None: not within SEARCH_DAYS or
    after the campaign's end)."""
    sched = strategy.window(customer_type)
    overrides = list(overrides)
    local = _local(sched, when)
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        if strategy.end and day > strategy.end:
            return None
        if strategy.start and day < strategy.start:
            continue
        kind, _ = sched.day_kind(day, overrides)
        spans = {"holiday": sched.holiday_hours, "workday": sched.workday_hours}.get(kind, sched.hours[day.weekday()])
        midnight = datetime(day.year, day.month, day.day, tzinfo=local.tzinfo)
        now_min = local.hour * 60 + local.minute if offset == 0 else -1
        for a, b in spans:
            if a <= now_min < b:
                return when
            if a > now_min:
                return midnight + timedelta(minutes=a)
    return None


# ---- what an outcome leads to ------------------------------------------------------------------------
class RecordState(enum.Enum):
    PENDING = "pending"          # waiting for its next dial (next_at)
    DIALING = "dialing"          # an attempt is out
    DONE = "done"                # answered: the flow's or the agent's result is on it
    EXHAUSTED = "exhausted"      # every number had its attempts, or the rules said stop
    DNC = "dnc"                  # on the do-not-call list (found before dialing, or asked)
    STOPPED = "stopped"          # the campaign ended (its period, stopped by hand) before this one finished


@dataclass(frozen=True)
class AttemptCounts:
    """What a record has had so far: attempts per number, in the record's order of numbers."""
    per_phone: tuple[int, ...]
    current: int                 # the index of the number just dialled


@dataclass(frozen=True)
class Decision:
    state: RecordState
    next_phone: int = 0
    retry_after_s: int = 0
    dnc_number: bool = False     # the number goes to the do-not-call list (SIT: empty or wrong)


def after_outcome(strategy: Strategy, counts: AttemptCounts, outcome: str) -> Decision:
    """The record's next state after an attempt ended with `outcome` (answered, busy, no_answer, machine,
    failed, sit, lost, abandoned: answered with no agent free). `counts` already includes that attempt. A lost attempt (the dialer stopped before
    it knew) counts as failed."""
    if outcome in ("answered", "sent"):            # sent: an SMS, e-mail or fax went through (dialer/media)
        return Decision(RecordState.DONE, counts.current)
    sit = outcome == "sit"
    rule = strategy.retry.get("failed" if outcome in ("sit", "lost") else outcome, strategy.min_interval_s)
    tried = sum(counts.per_phone)
    if rule is None and tried >= strategy.min_attempts:
        return Decision(RecordState.EXHAUSTED, counts.current, dnc_number=sit)
    usable = [i for i, n in enumerate(counts.per_phone) if n < strategy.max_attempts and not (sit and i == counts.current)]
    if not usable:
        return Decision(RecordState.EXHAUSTED, counts.current, dnc_number=sit)
    if strategy.phone_order == "exhaust" and counts.current in usable:
        nxt = counts.current
    else:
        after = [i for i in usable if i > counts.current]
        nxt = after[0] if after else usable[0]
    wait = min(max(rule or 0, strategy.min_interval_s), strategy.max_interval_s)
    return Decision(RecordState.PENDING, nxt, retry_after_s=wait, dnc_number=sit)
