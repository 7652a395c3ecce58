"""A started engine (a media thread on the real-time clock) driven from a test: its events waited
for on its descriptor, and engine timers to let engine time pass. For what only happens in real
time (the writer thread, the prompt loaders' silence while a disk stalls); tests/support/
engine_harness.py is the stepped clock every other engine test uses."""
from __future__ import annotations

import select
import threading
import time
from typing import Any, Callable

from telephonist.engine import Engine, Event, Timer


class LiveEngine:
    """A started engine and every event it sent, waited for on its descriptor."""

    def __init__(self) -> None:
        self.engine = Engine()
        self.events: list[Event] = []

    def close(self) -> None:
        self.engine.close()

    def wait(self, pred: Callable[[Event], bool], within_s: float = 20.0) -> Event:
        """The first event (from now) that satisfies pred; fails after within_s of wall time."""
        deadline = time.monotonic() + within_s
        while (left := deadline - time.monotonic()) > 0:
            select.select([self.engine.fileno()], [], [], left)
            batch = self.engine.read_events()
            self.events.extend(batch)       # all of it: what came after the match is for the next wait
            for ev in batch:
                if pred(ev):
                    return ev
        raise AssertionError(f"no such event within {within_s} s; saw {[type(e).__name__ for e in self.events]}")

    def after(self, ms: int) -> Event:
        """Returns once ms of engine time have passed (an engine timer fired)."""
        tid = self.engine.timer(ms)
        return self.wait(lambda e: isinstance(e, Timer) and e.id == tid)


def returns_at_once(call: Callable[[], Any], unblock: Callable[[], None], within_s: float = 10.0) -> Any:
    """call()'s result, made in another thread; fails the test if that thread is still inside call()
    within_s later (it then runs unblock(), so the blocked call ends and the test can clean up)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:        # handed to the test's thread
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(within_s)
    if t.is_alive():
        unblock()
        t.join()
        raise AssertionError(f"the call blocked its caller for more than {within_s} s")
    if "error" in box:
        raise box["error"]
    return box["value"]
