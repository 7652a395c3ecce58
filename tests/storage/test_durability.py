"""An acknowledged record survives kill -9 of the writing process, and start-up closes what it left open."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from telephonist.storage import CallRecordStore, LegFilter, make_engine, migrate

CHILD = Path(__file__).with_name("leg_writer_child.py")
ACKED_BEFORE_KILL = 300


async def test_acknowledged_legs_survive_kill_9_and_are_closed_as_interrupted(db_url):
    migrate(db_url)
    proc = subprocess.Popen([sys.executable, str(CHILD), db_url, "node-k", "16"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    acked: list[int] = []
    try:
        for line in proc.stdout:                # blocks this test's loop: nothing else runs on it yet
            acked.append(int(line))
            if len(acked) >= ACKED_BEFORE_KILL:
                break
        os.kill(proc.pid, signal.SIGKILL)       # mid-stream: writes queued and in flight
    finally:
        if proc.poll() is None:
            proc.kill()
        rest, err = proc.communicate(timeout=30)
    acked += [int(x) for x in rest.split()]     # ids printed before the kill but not read yet
    assert proc.returncode == -signal.SIGKILL, err
    assert len(acked) >= ACKED_BEFORE_KILL, err

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            stored = {r[0]: r[1] for r in conn.execute(sa.text("SELECT id, ended_at FROM call_legs"))}
    finally:
        engine.dispose()
    missing = sorted(set(acked) - set(stored))
    assert not missing, f"acknowledged but not in the database: {missing[:20]}"
    open_before = {i for i, ended in stored.items() if ended is None}
    assert open_before                          # the child always has legs in progress

    async with CallRecordStore(db_url) as store:
        assert len(await store.recent(100_000, LegFilter(node="node-k", open=True))) == len(open_before)
        assert await store.close_interrupted("node-k") == len(open_before)
        assert await store.recent(100_000, LegFilter(node="node-k", open=True)) == []
        legs = {x.id: x for x in await store.recent(100_000, LegFilter(node="node-k"))}
    assert set(legs) == set(stored)
    assert {legs[i].disposition for i in open_before} == {"interrupted"}
    assert {legs[i].disposition for i in set(stored) - open_before} == {"answered"}
    assert all(legs[i].ended_at >= legs[i].started_at for i in open_before)
