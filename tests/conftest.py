"""Shared fixtures: a real engine on sim spans, and helpers to drive it in tests.

Area-specific fixtures live beside their tests (tests/<area>/conftest.py) or in
tests/support/*.py modules, so that each area owns its own.
"""
from __future__ import annotations

import logging

import pytest

from tests.support.engine_harness import EngineHarness


@pytest.fixture
def harness():
    """An engine not started: tests advance its clock with run()/run_until()."""
    h = EngineHarness()
    yield h
    h.close()


@pytest.fixture(autouse=True)
def _root_logging_restored():
    """A command run in-process (`telephonist.cli.main([...])`) sets the root logger up as a daemon would: a
    handler on this test's captured stderr, closed once the test ends. Every later test in the process would
    then log into a closed file (an error and a traceback per record, kept in the next test's capture: the
    faxd memory test saw its process grow with them). Each test gets the root logger back as it found it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
