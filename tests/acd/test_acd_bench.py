"""`telephonist bench acd` runs and reports its figures (the figures themselves go in docs/performance.md)."""
import json
import subprocess
import sys


def test_the_routing_benchmark_reports_its_figures_and_the_reference():
    out = subprocess.run([sys.executable, "-m", "telephonist.cli", "bench", "acd", "--json", "--decisions", "3000"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    result = json.loads(out)
    assert result["decisions"] == 3000 and result["agents"] == 1024 and result["skills"] == 50
    assert result["callers_waiting"] == 5000                # kept there through the run
    for key in ("decision_p99_ms", "decisions_per_s", "reference_scan_agents_p99_ms", "reference_scan_callers_p99_ms"):
        assert result[key] > 0
