"""DTMF through a sim line: every digit the far end sends arrives, with its duration."""
from telephonist.engine import Dsp, DtmfEvent, DtmfSent, Hook


def test_all_sixteen_digits_arrive_in_order(harness):
    (near, far), = harness.sim()
    harness.engine.set_dsp(near, Dsp.DTMF)
    harness.engine.hook(near, Hook.OFF)
    harness.engine.send_dtmf(far, "0123456789*#ABCD", on_ms=80, off_ms=80)
    harness.run_until(lambda e: isinstance(e, DtmfSent) and e.chan == far)
    harness.run(200)
    assert harness.digits(near) == "0123456789*#ABCD"
    for ev in harness.of(DtmfEvent, near):
        assert 40 <= ev.duration_ms <= 120, ev


def test_no_digit_without_detection_enabled(harness):
    (near, far), = harness.sim()
    harness.engine.hook(near, Hook.OFF)
    harness.engine.send_dtmf(far, "123")
    harness.run(1000)
    assert harness.digits(near) == ""
