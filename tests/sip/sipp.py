"""SIPp (Debian's sip-tester) as the far end of a sip span: a process the test starts and waits for."""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess

import pytest

SCENARIOS = os.path.join(os.path.dirname(__file__), "scenarios")


def need_sipp() -> str:
    path = shutil.which("sipp")
    if not path:
        pytest.skip("SIPp is not installed (Debian: sip-tester; scripts/bootstrap.sh installs it)")
    return path


async def listening(port: int, within_s: float = 20.0) -> None:
    """Returns once something (SIPp) has bound UDP port on 127.0.0.1; SIP sent before would be refused."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while loop.time() < deadline:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return
        finally:
            s.close()
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing listens on UDP port {port} after {within_s} s")


def sipp_args(scenario: str, *args: str) -> list[str]:
    return [need_sipp(), "-sf", os.path.join(SCENARIOS, f"{scenario}.xml"), "-i", "127.0.0.1", "-mi", "127.0.0.1",
            "-m", "1", "-nostdin", "-trace_err", "-recv_timeout", "20000", *args]


def start_sipp(scenario: str, *args: str, tmp_path) -> subprocess.Popen:
    """SIPp in the background (for a test that is not async); finish_sipp waits for it."""
    return subprocess.Popen(sipp_args(scenario, *args), cwd=str(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finish_sipp(proc: subprocess.Popen, timeout_s: float = 60.0) -> tuple[int, str]:
    try:
        out, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        raise AssertionError(f"SIPp did not finish in {timeout_s} s:\n{out[-2000:]}") from None
    return proc.returncode, out[-3000:]


async def run_sipp(scenario: str, *args: str, tmp_path, timeout_s: float = 60.0) -> tuple[int, str]:
    """Run SIPp with scenarios/<scenario>.xml in tmp_path; (exit code, what it and its logs said)."""
    proc = await asyncio.create_subprocess_exec(
        *sipp_args(scenario, *args), cwd=str(tmp_path), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout_s)
    except asyncio.TimeoutError:
        proc.kill()
        out, _ = await proc.communicate()
        raise AssertionError(f"SIPp did not finish in {timeout_s} s:\n{out.decode(errors='replace')[-2000:]}")
    logs = "".join(open(os.path.join(tmp_path, f), errors="replace").read()
                   for f in os.listdir(tmp_path) if f.endswith("_errors.log"))
    return proc.returncode, out.decode(errors="replace")[-3000:] + logs[-3000:]
