"""chand as a process: systemd readiness, kill -9 with calls up, reload good and bad configurations."""
import asyncio
import os
import signal
import socket
import textwrap

import pytest

from tests.support.chand_process import connect, start_chand
from telephonist.storage import CallRecordStore

CONFIG = """\
[system]
node = "t1"
state_dir = "state"
recordings_dir = "state/rec"
prompts_dir = "state/prompts"

[database]
url = "sqlite:///state/calls.db"

[control]
socket = "state/chand.sock"

[engine]
clock = "realtime"

[[spans]]
name = "ea"
driver = "sim"
type = "e1"
channels = 30

[[spans]]
name = "eb"
driver = "sim"
type = "e1"
channels = 30

[[trunk_groups]]
name = "out"
lines = ["eb/*"]
hunting = "ascending"

[routing]
default = "app:hold"
"""


def wait_ready(ns: socket.socket) -> None:
    """READY=1 from the chand just started; a WATCHDOG=1 the killed one sent may still be queued first."""
    while b"READY=1" not in (msg := ns.recv(4096)):
        assert msg.startswith(b"WATCHDOG=1"), msg


@pytest.fixture
def config(tmp_path):
    p = tmp_path / "telephonist.toml"
    p.write_text(CONFIG)
    return str(p)


async def test_ready_notification_and_kill9_with_50_calls_up(tmp_path, config):
    notify = str(tmp_path / "notify.sock")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(notify)
    ns.settimeout(30)
    proc = start_chand(config, notify)
    try:
        wait_ready(ns)
        sock = str(tmp_path / "state" / "chand.sock")
        hold = await connect(sock, "hold")

        async def on_offer(ev):
            await hold.call("answer", chan=ev["chan"])
        hold.on("offer", on_offer)
        tester = await connect(sock, "tester")
        await tester.call("subscribe", lines=False, calls=True)
        committed: set[str] = set()
        all_committed = asyncio.Event()

        def on_call_event(ev):
            if ev["what"] == "record_written" and ev["part"] == "answered":
                committed.add(ev["call_id"])
                if len(committed) == 50:
                    all_committed.set()
        tester.on("call_event", on_call_event)
        for i in range(50):
            await tester.call("sim.call", span="ea" if i < 30 else "eb", caller=f"1390000{i:04d}", dialled="100")
        await asyncio.wait_for(all_committed.wait(), 60)   # every call's record and its answer are in the database
        st = await tester.call("status")
        assert len([ln for ln in st["lines"] if ln["state"] == "up" and ln.get("record_committed")]) == 50
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        await hold.close()
        await tester.close()
    finally:
        if proc.poll() is None:
            proc.kill()
    # restart: the 50 open records are closed as interrupted, none missing
    proc = start_chand(config, notify)
    try:
        wait_ready(ns)
        store = CallRecordStore(f"sqlite:///{tmp_path}/state/calls.db")
        legs = await store.recent(100)
        await store.close()
        assert len(legs) == 50
        assert {leg.disposition for leg in legs} == {"interrupted"}
        assert all(leg.ended_at is not None and leg.answered_at is not None for leg in legs)
        assert sorted(leg.caller for leg in legs) == [f"1390000{i:04d}" for i in range(50)]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        ns.close()
    assert "records_interrupted count=50" in out
    assert proc.returncode == 0, out


async def test_reload_applies_good_and_refuses_bad_configuration(tmp_path, config):
    proc = start_chand(config)
    try:
        sock = str(tmp_path / "state" / "chand.sock")
        admin = await connect(sock, "ops", role="admin")
        st = await admin.call("status")
        assert st["trunk_groups"][0]["hunting"] == "ascending"
        with open(config, "a") as f:
            f.write('\n[[routes]]\ndialled = "8*"\napplication = "app:sales"\n')
        text = open(config).read().replace('hunting = "ascending"', 'hunting = "descending"')
        open(config, "w").write(text)
        r = await admin.call("reload")
        assert r["applied"] is True and r["restart_needed"] == []
        st = await admin.call("status")
        assert st["trunk_groups"][0]["hunting"] == "descending"
        # a bad file is refused with file:line and the running configuration stays
        open(config, "w").write(text.replace('hunting = "descending"', 'hunting = "sideways"'))
        r = await admin.call("reload")
        assert r["applied"] is False
        assert any(e.startswith(config + ":") and "sideways" in e for e in r["errors"]), r
        st = await admin.call("status")
        assert st["trunk_groups"][0]["hunting"] == "descending"
        # SIGHUP takes the same path, and subscribers hear how it went
        await admin.call("subscribe", lines=True)
        open(config, "w").write(text.replace('hunting = "descending"', 'hunting = "round_robin"'))
        mark = admin.mark()
        proc.send_signal(signal.SIGHUP)
        ev = await admin.wait_for("reloaded", since=mark)
        assert ev["applied"] is True
        assert (await admin.call("status"))["trunk_groups"][0]["hunting"] == "round_robin"
        await admin.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert "reload_refused" in out
    assert proc.returncode == 0, out


def test_bad_configuration_at_start_exits_with_file_and_line(tmp_path):
    p = tmp_path / "telephonist.toml"
    p.write_text(textwrap.dedent(CONFIG).replace('type = "e1"', 'type = "t1"', 1))
    proc = start_chand(str(p))
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert f"{p}:19: unknown span type 't1'" in out


@pytest.mark.long
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_right_after_ready_is_handled_not_fatal(config, sig):
    """systemd may stop or reload chand the moment it says READY=1 (`systemctl restart` twice): the signal
    handlers are in place before READY, so SIGTERM stops it cleanly and SIGHUP reloads it. (They used to
    be installed after: a SIGTERM there killed chand, exit -15, about one start in two.)"""
    for _ in range(5):
        proc = start_chand(config)
        proc.send_signal(sig)
        if sig == signal.SIGHUP:
            proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, out
        assert "event=chand_stopped" in out
