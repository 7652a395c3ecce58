"""`[engine] realtime_priority`: the one knob for real-time scheduling. chand gives it to the media
thread at start (the unit grants only the right to it, LimitRTPRIO=); every other thread stays at
normal scheduling."""
import os
import signal
import subprocess
import sys

import pytest

from tests.chand.test_daemon import CONFIG
from tests.support.chand_process import connect, start_chand

ENGINE = '[engine]\nclock = "realtime"\n'

def thread_policies(pid: int) -> dict[str, tuple[int, int]]:
    """{thread name: (scheduling policy, real-time priority)} of process pid (the last of each name)."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm", encoding="ascii") as f:
            out[f.read().strip()] = (os.sched_getscheduler(int(tid)), os.sched_getparam(int(tid)).sched_priority)
    return out


def fifo_allowed() -> bool:
    """Whether this machine lets a process of ours take SCHED_FIFO (a container may drop CAP_SYS_NICE)."""
    probe = subprocess.run([sys.executable, "-c", "import os; os.sched_setscheduler(0, os.SCHED_FIFO, "
                            "os.sched_param(5))"], capture_output=True)
    return probe.returncode == 0


async def chand_after_a_call(tmp_path, priority_line: str) -> tuple[dict[str, tuple[int, int]], str]:
    """Start chand with this [engine] line, take one sim call (the media thread has ticked since chand
    said READY: the call rang and was offered), then the threads' scheduling and chand's output."""
    cfg = tmp_path / "telephonist.toml"
    cfg.write_text(CONFIG.replace(ENGINE, ENGINE + priority_line + "\n"))
    proc = start_chand(cfg)
    try:
        app = await connect(tmp_path / "state" / "chand.sock", "hold")     # [routing] default = "app:hold"
        offered = app.expect("offer")
        await app.call("sim.call", span="ea", caller="1390001", dialled="100")
        await offered
        policies = thread_policies(proc.pid)
        await app.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    return policies, out


async def test_the_configured_priority_reaches_the_media_thread_and_no_other(tmp_path):
    policies, out = await chand_after_a_call(tmp_path, "realtime_priority = 7")
    if not fifo_allowed():
        # refused (no CAP_SYS_NICE, no RLIMIT_RTPRIO): chand runs on at normal priority and says why
        assert "event=realtime_refused priority=7" in out and "realtime=refused" in out
        assert policies["tel-media"] == (os.SCHED_OTHER, 0)
        return
    assert "realtime=fifo:7" in out
    assert policies["tel-media"] == (os.SCHED_FIFO, 7)
    others = {name: p for name, p in policies.items() if name != "tel-media"}
    assert others and set(others.values()) == {(os.SCHED_OTHER, 0)}, others


async def test_priority_zero_leaves_every_thread_at_normal_scheduling(tmp_path):
    policies, out = await chand_after_a_call(tmp_path, "realtime_priority = 0")
    assert "realtime=off" in out
    assert set(policies.values()) == {(os.SCHED_OTHER, 0)}, policies


@pytest.mark.parametrize("value", ["-1", "100", '"high"'])
def test_a_priority_out_of_range_is_refused_with_its_line(tmp_path, value):
    from telephonist.config import ConfigError, load_config
    cfg = tmp_path / "telephonist.toml"
    text = CONFIG.replace(ENGINE, ENGINE + f"realtime_priority = {value}\n")
    cfg.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_config(str(cfg))
    assert [p.line for p in exc.value.problems] == [text.splitlines().index(f"realtime_priority = {value}") + 1]
    assert "realtime_priority" in str(exc.value)
