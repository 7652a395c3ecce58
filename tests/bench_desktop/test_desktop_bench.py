"""`telephonist bench desktop` in small: 20 desktops logged in through the login form, the ACD driven for a few
seconds. Its JSON says what the documentation says it does, and every desktop got every ACD event that
concerns it (its own agent's, its queue's callers). No timing is asserted: the figures are the bench's own."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

FIGURES = ("clients", "event_p99_ms", "event_p50_ms", "events", "deliveries", "missing", "expected_deliveries",
           "request_to_desk_p99_ms", "page_p99_ms", "page_p50_ms", "pages", "pages_failed", "restarts", "goal",
           "cpu_percent", "client_loop_lag_p99_ms", "machine", "loadavg_before", "loadavg_after")


def test_twenty_desktops_get_every_event_that_concerns_them():
    run = subprocess.run([sys.executable, "-m", "telephonist.cli", "bench", "desktop", "--clients", "20",
                          "--seconds", "5", "--state-changes", "10", "--calls", "2", "--pages", "5", "--json"],
                         capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert set(FIGURES) <= set(result)
    assert result["clients"] == 20
    assert result["goal"] == {"event_p99_ms": 250, "page_p99_ms": 500}
    assert set(result["cpu_percent"]) == {"chand", "acd", "webadmin", "desktops_client", "bench_driver"}
    kinds = result["events_by_kind"]
    assert kinds.get("agent_state", 0) > 0 and kinds.get("caller_joined", 0) > 0 and kinds.get("call_answered", 0) > 0
    # a caller's arrival goes to every desktop of its queue (here all 20), an agent's change to its own desktop
    assert result["expected_deliveries"] >= 20 * kinds["caller_joined"]
    assert result["missing"] == 0 and result["deliveries"] == result["expected_deliveries"]
    assert result["restarts"] == 0
    assert result["pages"] > 0 and result["pages_failed"] == 0
