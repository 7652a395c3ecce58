"""SIPp (Debian's sip-tester) as the far end of a sip span: a process the test starts and waits for."""
from __future__ import annotations

import asyncio
import os
import shutil

import pytest

SCENARIOS = os.path.join(os.path.dirname(__file__), "scenarios")


def need_sipp() -> str:
    path = shutil.which("sipp")
    if not path:
        pytest.skip("SIPp is not installed (Debian: sip-tester; scripts/bootstrap.sh installs it)")
    return path


async def run_sipp(scenario: str, *args: str, tmp_path, timeout_s: float = 60.0) -> tuple[int, str]:
    """Run SIPp with scenarios/<scenario>.xml in tmp_path; (exit code, what it and its logs said)."""
    proc = await asyncio.create_subprocess_exec(
        need_sipp(), "-sf", os.path.join(SCENARIOS, f"{scenario}.xml"), "-i", "127.0.0.1", "-mi", "127.0.0.1",
        "-m", "1", "-nostdin", "-trace_err", "-recv_timeout", "20000", *args,
        cwd=str(tmp_path), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout_s)
    except asyncio.TimeoutError:
        proc.kill()
        out, _ = await proc.communicate()
        raise AssertionError(f"SIPp did not finish in {timeout_s} s:\n{out.decode(errors='replace')[-2000:]}")
    logs = "".join(open(os.path.join(tmp_path, f), errors="replace").read()
                   for f in os.listdir(tmp_path) if f.endswith("_errors.log"))
    return proc.returncode, out.decode(errors="replace")[-3000:] + logs[-3000:]
