"""Fixtures for the tests that run inside the DAHDI guest (scripts/dahdi-vm/guest-main.sh).

DAHDI runs on real time, so these tests wait on the wall clock (with generous deadlines:
DAHDI debounces hook changes for up to ~1.3 s and the guest is emulated) instead of the
engine's test clock the sim tests use.
"""
from __future__ import annotations

import select
import time
from typing import Any, Callable

import pytest
from chand_rig import FAR_END_PRIORITY, E, has, print_timing

from telephonist.engine import Clock, Codec, Engine, Event

DEADLINE_S = 10.0


class DahdiRig:
    """A started engine on some DAHDI channels, with the events it has told so far."""

    def __init__(self, channos: list[int], codec: Codec = Codec.ALAW) -> None:
        self.engine = Engine(frame_ms=20, max_channels=64)
        ids = self.engine.add_dahdi_span(channos, codec)
        self.chan = dict(zip(channos, ids))      # DAHDI channel number -> engine channel id
        self.events: list[Event] = []
        self.engine.set_realtime(FAR_END_PRIORITY)
        self.engine.start(Clock.REALTIME)

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            select.select([self.engine.fileno()], [], [], min(left, 0.1))
            self.events.extend(self.engine.read_events())

    def wait_for(self, pred: Callable[[Event], bool], what: str, timeout: float = DEADLINE_S) -> Event:
        end = time.monotonic() + timeout
        while True:
            for ev in self.events:
                if pred(ev):
                    self.events.remove(ev)
                    return ev
            left = end - time.monotonic()
            if left <= 0:
                seen = "\n  ".join(repr(e) for e in self.events)
                raise AssertionError(f"no {what} within {timeout:.0f} s; events seen:\n  {seen or '(none)'}")
            self.pump(min(left, 0.1))

    def event_on(self, channo: int, kind: type[E], timeout: float = DEADLINE_S, **fields: Any) -> E:
        """The next event of that kind on the channel whose fields have the values given."""
        cid = self.chan[channo]
        ev = self.wait_for(lambda e: e.chan == cid and isinstance(e, kind) and has(e, fields),
                           f"{kind.__name__} {fields or ''} on DAHDI channel {channo}", timeout)
        assert isinstance(ev, kind)
        return ev

    def of_type(self, channo: int, kind: type[E]) -> list[E]:
        cid = self.chan[channo]
        return [e for e in self.events if e.chan == cid and isinstance(e, kind)]

    def close(self) -> None:
        print_timing(self.engine, list(self.chan))
        self.engine.stop()
        self.engine.close()


@pytest.fixture
def rig_factory():
    rigs: list[DahdiRig] = []

    def make(channos: list[int], codec: Codec = Codec.ALAW) -> DahdiRig:
        rig = DahdiRig(channos, codec)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.close()


@pytest.fixture(scope="session")
def chand(tmp_path_factory):
    """The chand daemon on span 1's channels (chand_rig.py), started once for the chand tests."""
    from chand_rig import ChandProcess
    proc = ChandProcess(tmp_path_factory.mktemp("chand"))
    proc.start()
    yield proc
    proc.stop()
    print("---- chand's log\n" + proc.log_text(200_000))


def pytest_collection_modifyitems(items):
    # The engine-level tests first, then chand's (its daemon holds span 1 channels from its first
    # test on), and last the alarm test, which takes span 2 down for good.
    items.sort(key=lambda item: 2 if "alarm" in item.nodeid else 1 if "chand" in item.nodeid else 0)
