"""Fixtures of the engine tests that need more than the stepped harness (tests/conftest.py)."""
from __future__ import annotations

import os

import pytest

from tests.support.live_engine import LiveEngine
from tests.support.stall_fs import StallFs


@pytest.fixture
def live():
    """An engine whose media thread runs in real time; the test starts it (engine.start())."""
    lv = LiveEngine()
    yield lv
    lv.close()


@pytest.fixture
def stalling_disk(tmp_path):
    """A mounted disk whose opens, reads and writes wait while it is stalled (tests/support/stall_fs.py).
    Ask for it after `live`, so it is released and unmounted before the engine closes."""
    if not os.path.exists("/dev/fuse"):
        pytest.skip("no /dev/fuse: cannot mount a disk that stalls")
    fs = StallFs(tmp_path / "backing", tmp_path / "disk")
    yield fs
    fs.close()
