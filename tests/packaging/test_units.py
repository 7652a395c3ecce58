"""The systemd units as `systemd-analyze security` sees them (offline, on the tree's files): each
keeps the exposure docs/admin.md records, has the sandbox issue 12 asks for, and only chand may use
real-time scheduling (CAP_SYS_NICE) and, with ivrd, the dialout group. How they run under a real
systemd: test_deb_systemd.py."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.packaging.builds import TREE

# the overall exposure of each unit, as recorded in docs/admin.md ("Processes and sandboxing")
EXPOSURE = {"chand": 2.0, "ivrd": 1.7, "acd": 1.3, "faxd": 1.3, "webadmin": 1.3, "backup": 1.3, "quality": 1.3,
            "workorders": 1.7, "dialer": 1.3, "dialer-import": 1.3}

# what every unit must have (systemd-analyze's names of the checks it passes)
SANDBOX = ("NoNewPrivileges=", "ProtectSystem=", "ProtectHome=", "PrivateTmp=", "ProtectKernelTunables=",
           "ProtectKernelModules=", "ProtectControlGroups=", "RestrictNamespaces=~user", "RestrictSUIDSGID=",
           "LockPersonality=", "MemoryDenyWriteExecute=", "SystemCallArchitectures=",
           "RestrictAddressFamilies=~AF_PACKET", "RestrictAddressFamilies=~AF_NETLINK",
           "RestrictAddressFamilies=~…", "CapabilityBoundingSet=~CAP_SYS_ADMIN", "User=/DynamicUser=")


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """An installed layout of the units: /lib/systemd/system and the programs they name."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is missing (Debian's systemd package)")
    root = tmp_path_factory.mktemp("root")
    shutil.copytree(TREE / "systemd", root / "lib/systemd/system")
    for program in ("opt/telephonist/bin/telephonist", "bin/kill"):
        (root / program).parent.mkdir(parents=True, exist_ok=True)
        (root / program).write_text("#!/bin/sh\n")
        (root / program).chmod(0o755)
    return root


def security(root, unit: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["systemd-analyze", "security", "--offline=true", f"--root={root}", *args,
                           f"telephonist-{unit}.service"], capture_output=True, text=True)


@pytest.mark.parametrize("unit", sorted(EXPOSURE))
def test_each_unit_keeps_its_recorded_exposure_and_the_sandbox(root, unit):
    r = security(root, unit, f"--threshold={round(EXPOSURE[unit] * 10)}")
    assert r.returncode == 0, r.stdout[-600:] + r.stderr
    checks = {c["name"]: c["set"] for c in json.loads(security(root, unit, "--json=short").stdout)}
    assert [name for name in SANDBOX if not checks[name]] == []
    # real-time scheduling (CAP_SYS_NICE) for chand's media thread only
    assert checks["CapabilityBoundingSet=~CAP_SYS_(NICE|RESOURCE)"] == (unit != "chand")
    assert checks["RestrictRealtime="] == (unit != "chand")
    # devices (and their dialout group): the DAHDI cards for chand, the GSM modems for ivrd and the work orders
    assert checks["SupplementaryGroups="] == (unit not in ("chand", "ivrd", "workorders"))
    assert checks["PrivateDevices="] == (unit not in ("chand", "ivrd", "workorders"))


def test_no_unit_forces_a_scheduling_policy_and_each_has_its_umask():
    """[engine] realtime_priority is the one real-time knob: no unit puts every thread at RR."""
    for unit in (TREE / "systemd").glob("*.service"):
        text = unit.read_text()
        assert "CPUScheduling" not in text, unit.name
        assert ("UMask=0077" if unit.name == "telephonist-backup.service" else "UMask=0027") in text, unit.name
