"""`telephonist bench dialer` runs both modes end to end and reports its figures (a short run: the figures of
the full one go in docs/performance.md)."""
import json
import subprocess
import sys

import pytest


@pytest.mark.long
def test_the_dialer_benchmark_runs_predictive_and_progressive_and_reports_them():
    out = subprocess.run([sys.executable, "-m", "telephonist.cli", "bench", "dialer", "--json", "--agents", "4",
                          "--hours", "0.1", "--spans", "1"], capture_output=True, text=True, check=True,
                         timeout=300).stdout
    result = json.loads(out)
    assert result["agents"] == 4 and result["hours"] == 0.1 and result["lines"] == 30
    for mode in ("predictive", "progressive"):
        run = result[mode]
        assert run["answered"] > 0 and run["dials"] > run["answered"]         # the list was worked
        assert 0 < run["occupancy"] <= 1 and 0 <= run["abandon_rate"] <= 1
        assert run["outcomes"].get("machine", 0) > 0                           # AMD hung up on machines
    assert result["progressive_abandon_rate"] == 0                              # never more calls than agents
    assert result["occupancy"] == result["predictive"]["occupancy"]
