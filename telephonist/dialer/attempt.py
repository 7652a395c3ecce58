"""One attempt's life: an enum and the one transition table; `advance` logs "from -> to".

    claimed ──dial──► dialing ──answer──► answered ──result──► done
       │                 └──fail / end──────────────────────► done
       └──refused (no free line) / lost (restart)───────────► done

The database holds the state (dl_attempts.state); a claimed attempt is never dialled after a restart.
"""
from __future__ import annotations

import enum
import logging

log = logging.getLogger("telephonist.dialer")


class AttemptState(enum.Enum):
    CLAIMED = "claimed"
    DIALING = "dialing"
    ANSWERED = "answered"
    DONE = "done"


class BadTransition(Exception):
    """A signal the attempt's state does not take (an event that came twice or too late)."""


TRANSITIONS: dict[tuple[AttemptState, str], AttemptState] = {
    (AttemptState.CLAIMED, "dial"): AttemptState.DIALING,
    (AttemptState.CLAIMED, "refused"): AttemptState.DONE,
    (AttemptState.CLAIMED, "lost"): AttemptState.DONE,
    (AttemptState.DIALING, "answer"): AttemptState.ANSWERED,
    (AttemptState.DIALING, "fail"): AttemptState.DONE,
    (AttemptState.DIALING, "end"): AttemptState.DONE,
    (AttemptState.DIALING, "lost"): AttemptState.DONE,
    (AttemptState.ANSWERED, "result"): AttemptState.DONE,
}


def advance(attempt_id: int, state: AttemptState, signal: str) -> AttemptState:
    new = TRANSITIONS.get((state, signal))
    if new is None:
        raise BadTransition(f"attempt {attempt_id}: {signal} in state {state.value}")
    log.info("event=dialer_attempt attempt=%d %s -> %s signal=%s", attempt_id, state.value, new.value, signal)
    return new
