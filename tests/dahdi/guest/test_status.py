"""Span status through DAHDI_SPANSTAT: what `telephonist status` will show."""
from __future__ import annotations

import pytest

from telephonist.engine import EngineError


def test_span_status_of_both_loopback_spans(rig_factory):
    rig = rig_factory([3, 27])
    rig.pump(1.0)
    for spanno in (1, 2):
        st = rig.engine.dahdi_span_status(spanno)
        assert st.spanno == spanno
        assert st.totalchans == 24
        assert st.alarms == 0 and st.alarm_text == "OK", st
    with pytest.raises(EngineError):
        rig.engine.dahdi_span_status(13)          # the guest has spans 1-12


def test_gains_and_echo_canceller_options(rig_factory):
    rig = rig_factory([3])
    rig.engine.dahdi_gains(rig.chan[3], 0.0, -3.5)
    with pytest.raises(EngineError):
        rig.engine.dahdi_gains(rig.chan[3], 0.0, -60.0)      # out of range
    # system.conf names no echo canceller: DAHDI may load its default one or refuse;
    # a refusal must name the ioctl, and switching it off always works
    try:
        rig.engine.dahdi_echocan(rig.chan[3], 128, {"nlp": 1})
    except EngineError as exc:
        assert "ECHOCANCEL" in str(exc)
    rig.engine.dahdi_echocan(rig.chan[3], 0)
