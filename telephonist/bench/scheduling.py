"""Real-time scheduling for the benchmarks: the priority chand's media thread would get, where this process may
use SCHED_FIFO (root, CAP_SYS_NICE or `ulimit -r`), so that other jobs on the host do not decide a figure."""
from __future__ import annotations

import os


def fifo_allowed(priority: int) -> int:
    """priority where this process may use SCHED_FIFO at it, else 0 (normal scheduling)."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    except OSError:
        return 0
    os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    return priority
