"""`telephonist bench sip --json` in a tiny mode (two calls, seconds): the JSON's shape, and that RTP packets
flowed both ways between the two spans and calls went through SIP. No figure is judged: that is the bench's job."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.sip.support import free_udp_ports

KEYS = {"rtp_channels_realtime": int, "bare_rtp_channels": int, "ratio": float, "sip_calls_per_second": float,
        "calls_realtime": int, "bare_rtp_ns_per_channel_frame": float, "realtime_runs": list, "cps_trials": list,
        "scheduling": str, "cpu": str}


@pytest.mark.long
def test_bench_sip_json_in_a_tiny_mode():
    # the spans' ports from this worker's range, as every sip test takes its own (two calls: a few dozen ports)
    ports = free_udp_ports(64)
    out = subprocess.run([sys.executable, "-m", "telephonist.cli", "bench", "sip", "--seconds", "20",
                          "--max-calls", "2", "--ports-from", str(ports), "--json"],
                         capture_output=True, text=True, timeout=180, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    for key, kind in KEYS.items():
        assert isinstance(res[key], kind), (key, res[key])
    assert "sip_p99_setup_ms" in res
    # the bare loop received every packet it sent (500 frames, 1,000 channels)
    assert res["bare_rtp_packets_received"] == [500_000, 500_000]
    assert res["bare_rtp_channels"] > 0 and res["rtp_channels_realtime"] <= 4
    # two calls were held and their RTP was counted both ways: 4 channels, a packet a channel every 20 ms
    runs = [r for r in res["realtime_runs"] if "rtp_rx" in r]
    assert runs and all(r["channels"] == 4 for r in runs)
    assert all(r["rtp_rx"] > 0 and r["rtp_tx"] > 0 and r["ticks"] > 0 for r in runs)
    # calls went through SIP: INVITE, 180, 200, ACK, then BYE
    assert res["cps_trials"] and res["cps_trials"][0]["connected"] > 0


def test_bench_sip_sipp_mode_completes_every_call():
    """`bench sip --sipp-rate`: SIPp calls a sip span at 20 calls/s for 3 s; every call set up, held and cleared,
    and the JSON says so (the 100 calls/s for a minute of docs/performance.md is the same command)."""
    from tests.sip.sipp import need_sipp
    need_sipp()
    ports = free_udp_ports(200)
    out = subprocess.run([sys.executable, "-m", "telephonist.cli", "bench", "sip", "--sipp-rate", "20",
                          "--sipp-seconds", "3", "--sipp-hold-ms", "500", "--ports-from", str(ports), "--json"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["calls_attempted"] == res["calls_completed"] == 60, res
    assert res["calls_failed"] == 0 and res["calls_lost"] == 0 and res["sipp_exit"] == 0
    assert res["engine_setups"] == res["engine_disconnects"] == 60      # each came in and was cleared by BYE
    assert res["setup_samples"] == 60 and res["p99_setup_ms"] > 0
    assert isinstance(res["retransmissions"], int) and len(res["load_before"]) == 3
