"""A per-address brake on password guessing, beside the per-account lockout (accounts.authenticate).

The lockout stops guesses at one account; it does nothing against one address trying a few
passwords on each of many accounts (and it lets that address lock everyone out). This counts the
failed logins of each client address over a sliding window; once an address has ``max_failures``
in the window, its logins are refused without looking at the user name or the password until the
oldest failure leaves the window. Successful logins do not clear the count (an attacker holding one
account could reset it between guesses). Kept in memory: the console is one process, and a restart
only forgives.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import Callable

MAX_ADDRESSES = 10_000        # addresses remembered at once; the least recently failed go first


class LoginThrottle:
    def __init__(self, max_failures: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, address: str) -> float:
        """Seconds until ``address`` may try again (0: it may now)."""
        now = self._clock()
        with self._lock:
            times = self._recent(address, now)
            if len(times) < self.max_failures:
                return 0.0
            return max(0.0, times[-self.max_failures] + self.window_s - now)

    def failed(self, address: str) -> None:
        now = self._clock()
        with self._lock:
            times = self._recent(address, now)
            times.append(now)
            while len(times) > self.max_failures:
                times.popleft()
            self._failures[address] = times
            self._failures.move_to_end(address)
            while len(self._failures) > MAX_ADDRESSES:
                self._failures.popitem(last=False)

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self._failures.get(address, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            self._failures.pop(address, None)
        return times
