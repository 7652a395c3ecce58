"""`telephonist dahdi-scan` on the loopback spans: what the kernel reports, and a configuration that loads.

The layout is guest-main.sh's system.conf: per span, fxoks / e&m / cas / clear / fxsks / fxoks pairs,
then unconfigured channels.
"""
from __future__ import annotations

import json
import subprocess
import sys

from telephonist.config import load_config


def scan(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "telephonist.cli", "dahdi-scan", *args], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_scan_lists_spans_and_channels_as_the_kernel_has_them():
    text = scan().stdout
    assert "[1]\nactive=yes\nalarms=OK" in text and "[2]\n" in text, text
    assert "totchans=24" in text and "channels=25-48" in text
    assert "port=11,digital" in text and "signalling=fxsks" in text
    data = json.loads(scan("--json").stdout)
    spans = {s["spanno"]: s for s in data["spans"]}
    # 3 and 4: the E1 pair for PRI (test_pri.py), 5 and 6 for R2 (test_r2.py), 7-12 three more PRI pairs
    # (test_e1_scale.py)
    assert set(spans) == set(range(1, 13))
    chans = {c["channo"]: c for s in spans.values() for c in s["channels"]}
    assert len(chans) == 48 + 10 * 31
    assert {n: chans[n]["signalling"] for n in (1, 3, 5, 9, 11, 13, 15, 25, 37)} == {
        1: "fxoks", 3: "e&m", 5: "cas", 9: "clear", 11: "fxsks", 13: "fxoks", 15: "", 25: "fxsks", 37: "fxsks"}
    assert chans[11]["spanno"] == 1 and chans[11]["chanpos"] == 11 and chans[35]["chanpos"] == 11
    assert "fxsks" in chans[11]["caps"] and "fxoks" in chans[11]["caps"] and "cas" in chans[11]["caps"]


def test_the_proposed_spans_load_as_configuration(tmp_path):
    proposal = scan("--toml").stdout
    spans = [(s["type"], s["channels"], s["signalling"]) for s in json.loads(scan("--json").stdout)["proposal"]["spans"]]
    assert spans == [("fxs", "1-2", "kewlstart"), ("e1", "5-8", "cas"), ("fxo", "11-12", "kewlstart"),
                     ("fxs", "13-14", "kewlstart"), ("fxo", "25-26", "kewlstart"), ("e1", "29-32", "cas"),
                     ("fxs", "35-36", "kewlstart"), ("fxo", "37-38", "kewlstart"),
                     ("e1", "49-63,65-79", "pri"), ("e1", "80-94,96-110", "pri"),    # B-channels; D on 64, 95
                     ("e1", "111-114", "cas"), ("e1", "142-145", "cas"),
                     ("e1", "173-187,189-203", "pri"), ("e1", "204-218,220-234", "pri"),
                     ("e1", "235-249,251-265", "pri"), ("e1", "266-280,282-296", "pri"),
                     ("e1", "297-311,313-327", "pri"), ("e1", "328-342,344-358", "pri")]
    assert "channels 3-4 (e&m)" in proposal and "channels 15-24 (not configured)" in proposal, proposal
    path = tmp_path / "telephonist.toml"
    path.write_text('[system]\nnode = "scan"\nstate_dir = "state"\n\n' + proposal)
    cfg = load_config(str(path))
    assert [(s.driver, s.type, s.channels) for s in cfg.spans] == [
        ("dahdi", t, ch) for t, ch, _ in spans]
    assert len({s.name for s in cfg.spans}) == len(spans)
    phones = [s for s in cfg.spans if s.type == "fxs"]
    assert [e for s in phones for e in s.extensions] == ["8001", "8002", "8003", "8004", "8005", "8006"]
