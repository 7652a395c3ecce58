"""kill -9 of faxd in the middle of a broadcast: a new faxd finishes the rest and nobody gets the fax twice.

"Twice" is judged as a fax machine would: a delivery counts once the receiver has confirmed the last
page (MCF), and faxd records it then, before acknowledging the event. A send cut by the kill between
the receiver storing its last page and sending that confirmation cannot be known to have arrived and
is sent again; only the sends under way at the kill may therefore arrive twice, never a confirmed one.
"""
import asyncio
import glob
import os
import signal
import sqlite3
import subprocess
import sys

import pytest
from PIL import Image

from tests.support.fax_docs import make_fax_tiff

pytestmark = pytest.mark.slow        # kills and restarts faxd daemons: `make test` runs it, `make test-fast` does not

NUMBERS = [f"6688{i:04d}" for i in range(20)]

CONFIG = """\
[system]
node = "faxtest"
state_dir = "state"

[database]
url = "sqlite:///state/calls.db"

[control]
socket = "state/chand.sock"

[engine]
clock = "lockstep"

[[spans]]
name = "e1a"
driver = "sim"
type = "e1"
channels = 6

[[trunk_groups]]
name = "fax-out"
lines = ["e1a/*"]

[faxd]
spool_dir = "state/fax"
trunk_group = "fax-out"
max_sending = 4
retries = 3
retry_interval_s = 1

[[sim.numbers]]
pattern = "6688*"
behaviour = "fax"
"""


def spawn(*args, env=None):
    return subprocess.Popen([sys.executable, "-m", "telephonist.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def recipients(db):
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT number, state, attempts FROM fax_job_recipients ORDER BY id").fetchall()


def complete_receptions(received_dir):
    counts = {}
    for path in glob.glob(os.path.join(received_dir, "telephonist-simfax-*.tif")):
        number = os.path.basename(path).split("-")[2]
        try:
            with Image.open(path) as im:
                if im.n_frames == 1 and im.size[0] == 1728:
                    counts[number] = counts.get(number, 0) + 1
        except Exception:
            pass                  # a transfer cut short leaves an unreadable file: not received
    return counts


async def test_kill9_of_faxd_during_a_broadcast(tmp_path):
    cfg = tmp_path / "telephonist.toml"
    cfg.write_text(CONFIG)
    received = tmp_path / "received"
    received.mkdir()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(received)}
    chand = spawn("chand", "--config", str(cfg), env=env)
    faxd = None
    try:
        for _ in range(300):
            if (tmp_path / "state" / "chand.sock").exists():
                break
            await asyncio.sleep(0.1)
        doc = make_fax_tiff(tmp_path / "page.tif", pages=1)
        r = subprocess.run([sys.executable, "-m", "telephonist.cli", "fax", "--config", str(cfg), "send", doc,
                            *sum((["--to", n] for n in NUMBERS), [])], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        db = str(tmp_path / "state" / "calls.db")
        faxd = spawn("faxd", "--config", str(cfg), env=env)
        for _ in range(1200):
            sent = sum(1 for _, state, _ in recipients(db) if state == "sent")
            if sent >= 6:
                break
            await asyncio.sleep(0.05)
        assert 6 <= sent < 20, f"{sent} sent before the kill"
        os.kill(faxd.pid, signal.SIGKILL)
        at_kill = {n: state for n, state, _ in recipients(db)}
        faxd.wait(10)
        faxd = spawn("faxd", "--config", str(cfg), env=env)
        for _ in range(2400):
            rows = recipients(db)
            if all(state in ("sent", "failed") for _, state, _ in rows):
                break
            await asyncio.sleep(0.05)
        assert [state for _, state, _ in rows] == ["sent"] * 20, rows
        counts = complete_receptions(str(received))
        assert set(counts) == set(NUMBERS), counts                       # everybody got it
        twice = {n for n, c in counts.items() if c > 1}
        assert all(at_kill[n] == "sending" for n in twice), (twice, at_kill)  # no confirmed fax went again
        assert all(c <= 2 for c in counts.values()), counts
    finally:
        for p in (faxd, chand):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.communicate(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
