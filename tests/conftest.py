"""Shared fixtures: a real engine on sim spans, and helpers to drive it in tests.

Area-specific fixtures live beside their tests (tests/<area>/conftest.py) or in
tests/support/*.py modules, so that each area owns its own.
"""
from __future__ import annotations

import pytest

from tests.support.engine_harness import EngineHarness


@pytest.fixture
def harness():
    """An engine not started: tests advance its clock with run()/run_until()."""
    h = EngineHarness()
    yield h
    h.close()
