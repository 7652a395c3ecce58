"""A brake on what one key (a client address, a chat) may do in a sliding window: the chat page's starts per
address and lines per visitor. Kept in memory, like the login brake (throttle.py): the console is one process,
and a restart only forgives."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import Callable

MAX_KEYS = 10_000              # keys remembered at once; the least recently used go first


class WindowLimit:
    def __init__(self, most: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.most = most
        self.window_s = window_s
        self._clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Counts one for ``key`` and returns 0, or (over the limit, nothing counted) the seconds until it may."""
        now = self._clock()
        with self._lock:
            times = self._seen.get(key, deque())
            while times and times[0] <= now - self.window_s:
                times.popleft()
            if len(times) >= self.most:
                return max(0.001, times[0] + self.window_s - now)
            times.append(now)
            self._seen[key] = times
            self._seen.move_to_end(key)
            while len(self._seen) > MAX_KEYS:
                self._seen.popitem(last=False)
            return 0.0
