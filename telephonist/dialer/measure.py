"""What a predictive campaign measures of itself, for `predictive.decide()`: the share of dials a person
answers, the time from dial to that answer, the time an agent of its queue is taken by a call (talk and
wrap-up), and the abandonment of the campaign today and over the rolling 30 days.

Pure bookkeeping on the engine's clock (no database, no chand): the daemon feeds it what happened and reads
the figures on every pass. The abandonment counts start from the database (`DialerStore.answered_by_day`)
and are kept up to date in memory as calls are answered and abandoned.

Until a campaign has `MIN_SAMPLES` outcomes, its answer rate is taken as 1 (every dial answered), so a new
campaign dials no more than one call per ready agent until it knows better: dialling ahead on a guessed rate
is what abandons calls.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta

WINDOW = 300                 # the last outcomes the answer rate and the connect time are measured on
MIN_SAMPLES = 30             # before that many outcomes: answer rate 1 (no dialling ahead)
DEFAULT_CONNECT_S = 8.0
DEFAULT_HANDLE_S = 180.0
HANDLE_WINDOW = 200
ABANDON_DAYS = 30


@dataclass
class CampaignMeasures:
    outcomes: deque[bool] = field(default_factory=lambda: deque(maxlen=WINDOW))   # a person answered?
    connects_ms: deque[int] = field(default_factory=lambda: deque(maxlen=WINDOW))
    by_day: dict[date, list[int]] = field(default_factory=dict)                   # day -> [answered, abandoned]

    # ---- what happened ----------------------------------------------------------------------------------
    def dial_ended(self, person: bool, connect_ms: int | None = None) -> None:
        """A dial's end: a person answered (after connect_ms) or not (busy, no answer, machine, failed)."""
        self.outcomes.append(person)
        if person and connect_ms is not None:
            self.connects_ms.append(max(0, connect_ms))

    def answered(self, day: date) -> None:
        self.by_day.setdefault(day, [0, 0])[0] += 1

    def abandoned(self, day: date) -> None:
        self.by_day.setdefault(day, [0, 0])[1] += 1

    def load_days(self, counts: dict[date, tuple[int, int]]) -> None:
        self.by_day = {d: [n, ab] for d, (n, ab) in counts.items()}

    # ---- the figures ---------------------------------------------------------------------------------------
    @property
    def answer_rate(self) -> float:
        if len(self.outcomes) < MIN_SAMPLES:
            return 1.0
        return sum(self.outcomes) / len(self.outcomes)

    @property
    def connect_s(self) -> float:
        if not self.connects_ms:
            return DEFAULT_CONNECT_S
        return sum(self.connects_ms) / len(self.connects_ms) / 1000

    def abandon_rate(self, today: date, days: int = 1) -> float | None:
        """Abandoned / answered over the `days` ending today (None: nothing answered)."""
        first = today - timedelta(days=days - 1)
        answered = abandoned = 0
        for d, (n, ab) in self.by_day.items():
            if first <= d <= today:
                answered, abandoned = answered + n, abandoned + ab
        return abandoned / answered if answered else None

    def forget_before(self, today: date) -> None:
        first = today - timedelta(days=ABANDON_DAYS - 1)
        for d in [d for d in self.by_day if d < first]:
            del self.by_day[d]


@dataclass
class AgentCycles:
    """How long a call takes an agent of a queue: from leaving ready for a call to ready again (talk, hold and
    wrap-up), from the ACD's agent_state events. A break (not ready) ends a cycle without a sample."""
    since_ms: dict[str, int] = field(default_factory=dict)           # agent -> engine ms it took a call
    samples: dict[str, deque[int]] = field(default_factory=dict)    # queue -> cycle lengths

    BUSY = ("reserved", "ringing", "on_call", "on_hold", "wrap_up")

    def agent_state(self, agent: str, state: str, queues: list[str], now_ms: int) -> None:
        if state in self.BUSY:
            self.since_ms.setdefault(agent, now_ms)
            return
        started = self.since_ms.pop(agent, None)
        if started is not None and state == "ready":
            for q in queues:
                self.samples.setdefault(q, deque(maxlen=HANDLE_WINDOW)).append(now_ms - started)

    def handle_s(self, queue: str) -> float:
        got = self.samples.get(queue)
        return sum(got) / len(got) / 1000 if got else DEFAULT_HANDLE_S
