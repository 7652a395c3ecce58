"""How quickly the dialer works: each pass's wall time, and per campaign the time from a line coming free with
records due (an attempt's end) to the dial that takes it, in engine ms and in wall ms.

Kept in memory, the last KEEP of each, for the dialer's `status` request and `telephonist bench
dialer-campaigns` (docs/performance.md). A campaign whose lines come free while nothing of it is due (the list
ran out, a window closed) forgets those times at its next pass, so they are never matched with a later dial.
"""
from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Any

KEEP = 10_000


def percentile(values: list[float], share: float) -> float | None:
    """Nearest rank."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


class Latency:
    def __init__(self, clock=time.perf_counter) -> None:
        self.clock = clock
        self.passes: deque[float] = deque(maxlen=KEEP)             # wall ms of each pass
        self.freed: dict[int, deque[tuple[int | None, float]]] = defaultdict(deque)    # campaign -> (engine ms, wall s)
        self.to_dial: dict[int, deque[tuple[int, float]]] = defaultdict(lambda: deque(maxlen=KEEP))  # (engine, wall ms)

    def pass_took(self, started: float) -> None:
        self.passes.append((self.clock() - started) * 1000.0)

    def line_freed(self, campaign: int, engine_ms: int | None) -> None:
        """None: the engine time is not known yet (a flow's end comes without it): the next `stamp` gives it."""
        self.freed[campaign].append((engine_ms, self.clock()))

    def stamp(self, engine_ms: int) -> None:
        """The engine time of what came free without one (the pass that follows asks chand the time)."""
        for waiting in self.freed.values():
            for i, (ms, at) in enumerate(waiting):
                if ms is None:
                    waiting[i] = (engine_ms, at)

    def dialled(self, campaign: int, engine_ms: int) -> None:
        waiting = self.freed.get(campaign)
        if waiting:
            freed_ms, freed_at = waiting.popleft()
            self.to_dial[campaign].append((engine_ms - (engine_ms if freed_ms is None else freed_ms),
                                           (self.clock() - freed_at) * 1000.0))

    def nothing_due(self, campaign: int) -> None:
        self.freed.pop(campaign, None)

    def figures(self, campaign: int | None = None) -> dict[str, Any]:
        """p50 and p99 of the pass's wall ms, or of one campaign's line-free-to-dial (engine ms, wall ms)."""
        if campaign is None:
            ms = list(self.passes)
            return {"passes": len(ms), "p50_ms": _r(percentile(ms, 0.5)), "p99_ms": _r(percentile(ms, 0.99))}
        pairs = list(self.to_dial.get(campaign, ()))
        engine, wall = [p[0] for p in pairs], [p[1] for p in pairs]
        return {"dials": len(pairs), "engine_p50_ms": _r(percentile(engine, 0.5)),
                "engine_p99_ms": _r(percentile(engine, 0.99)), "wall_p50_ms": _r(percentile(wall, 0.5)),
                "wall_p99_ms": _r(percentile(wall, 0.99))}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 1)
