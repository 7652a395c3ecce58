"""ISDN PRI on a sim E1 span at engine level: libpri at both ends (csrc/drv_sim.c's eng_sim_pri, csrc/pri.c), the
test playing both the far end (sigmsg on the far channels) and our lines (nothing answers unless the test does).

libpri keeps real time on each end's thread, so these run a started engine (tests/support/live_engine.py)."""
from __future__ import annotations

from telephonist.engine import AlarmEvent, Kind, SigMsg


def _pri_span(live, nlines: int = 2) -> tuple[list[int], list[int]]:
    """A sim E1 PRI span (our lines the user side, the far end the network), started, its D-channel up."""
    eng = live.engine
    near = eng.add_sim_span(Kind.E1, nlines)
    far = [eng.sim_far(c) for c in near]
    span = eng.sim_pri(near[0], "user", "euroisdn")
    eng.start()
    live.wait(lambda e: isinstance(e, AlarmEvent) and e.span == span and e.bits == 0)
    return near, far


def _told(live, chan: int, kind: str, since: int) -> SigMsg:
    """The first SigMsg kind on chan among the events from index since on (already read, or waited for)."""
    def match(e) -> bool:
        return isinstance(e, SigMsg) and e.chan == chan and e.kind == kind
    for ev in live.events[since:]:
        if match(ev):
            return ev
    return live.wait(match)


def test_a_setup_cleared_before_any_answer_reaches_the_called_line_with_its_cause(live):
    """The far end's SETUP is offered on pri line 1 and nothing here answers it (no CALL PROCEEDING, ALERTING or
    SETUP ACKNOWLEDGE): the caller's DISCONNECT (cause 19) reaches the line as DISCONNECT cause=19; the line's
    RELEASE completes the clearing (the far end is told), and the line takes the next call."""
    near, far = _pri_span(live)
    eng = live.engine
    for cause in (19, 16, 34):     # 34: the caller clears with RELEASE COMPLETE (libpri does for 1, 34, 44, 82)
        mark = len(live.events)
        eng.sigmsg(far[0], "SETUP calling=13800138000 called=4001")
        setup = _told(live, near[0], "SETUP", mark)
        assert setup.fields["called"] == "4001", setup
        eng.sigmsg(far[0], f"DISCONNECT cause={cause}")
        told = _told(live, near[0], "DISCONNECT", mark)
        assert told.fields["cause"] == str(cause), told
        _told(live, far[0], "RELEASE", mark)            # the caller's clearing is complete
        eng.sigmsg(near[0], "RELEASE")                  # the line lets it go: nothing more to tell

    # the line is free: the next SETUP is offered on it and goes through to the answer and a normal clearing
    mark = len(live.events)
    eng.sigmsg(far[0], "SETUP calling=1 called=4002")
    assert _told(live, near[0], "SETUP", mark).fields["called"] == "4002"
    eng.sigmsg(near[0], "CONNECT")
    _told(live, far[0], "CONNECT", mark)
    eng.sigmsg(far[0], "DISCONNECT cause=16")
    assert _told(live, near[0], "DISCONNECT", mark).fields["cause"] == "16"
    eng.sigmsg(near[0], "RELEASE")
    _told(live, far[0], "RELEASE", mark)
    kinds = [(e.chan, e.kind) for e in live.events[mark:] if isinstance(e, SigMsg)]
    assert kinds.count((near[0], "DISCONNECT")) == 1, kinds
