"""Two sip spans of one engine calling each other through sofia-sip over loopback: the messages chand
sees, G.711 both ways, RFC 4733 digits, the causes of BYE and CANCEL, and RTCP's figures."""
from __future__ import annotations

import pytest

from telephonist.engine import (Codec, DtmfEvent, DtmfSent, EngineError, RecDone, RecMode, SigMsg, SipParams)
from tests.sip.support import free_udp_ports, samples_of, seen, tone_share
from tests.support.live_engine import LiveEngine


@pytest.fixture
def pair():
    """(live engine, line of span A, line of span B): A's peer is B."""
    lv = LiveEngine()
    sa, sb = free_udp_ports(1, even=False), free_udp_ports(1, even=False)
    ra, rb = free_udp_ports(4), free_udp_ports(4)
    a = lv.engine.add_sip_span(SipParams(bind=f"127.0.0.1:{sa}", rtp_host="127.0.0.1", rtp_port=ra,
                                         peer=f"127.0.0.1:{sb}"), 2, Codec.ALAW)
    b = lv.engine.add_sip_span(SipParams(bind=f"127.0.0.1:{sb}", rtp_host="127.0.0.1", rtp_port=rb), 2, Codec.ULAW)
    lv.engine.start()
    yield lv, a[0], b[0]
    lv.close()


def msg(lv: LiveEngine, chan: int, kind: str, within_s: float = 10.0) -> SigMsg:
    return seen(lv, lambda e: isinstance(e, SigMsg) and e.chan == chan and e.kind == kind, within_s)


def connect(lv: LiveEngine, a: int, b: int) -> None:
    lv.engine.sigmsg(a, "SETUP calling=5551234 called=800")
    setup = msg(lv, b, "SETUP")
    assert setup.fields == {"calling": "5551234", "called": "800"}
    lv.engine.sigmsg(b, "ALERTING")
    msg(lv, a, "ALERTING")
    lv.engine.sigmsg(b, "CONNECT")
    msg(lv, a, "CONNECT")


def test_call_carries_audio_and_rfc4733_digits_both_ways(pair, tmp_path):
    lv, a, b = pair
    connect(lv, a, b)
    # A-law on A, µ-law on B: the RTP payload is agreed by SDP and transcoded where a line differs
    rec = lv.engine.record(b, str(tmp_path / "b.wav"), RecMode.RX, Codec.LINEAR, max_ms=1500)
    lv.engine.play(a, [("tone", "dial", 3000)])
    done = lv.wait(lambda e: isinstance(e, RecDone) and e.recording == rec)
    heard = samples_of(done.path)
    assert tone_share(heard[4000:], 450) > 0.8          # A's 450 Hz, heard on B after the buffer filled
    sent = lv.engine.send_dtmf(b, "159#", on_ms=80, off_ms=60)
    seen(lv, lambda e: isinstance(e, DtmfSent) and e.id == sent)
    seen(lv, lambda e: isinstance(e, DtmfEvent) and e.chan == a and e.digit == "#")
    assert "".join(e.digit for e in lv.events if isinstance(e, DtmfEvent) and e.chan == a) == "159#"
    lv.engine.send_dtmf(a, "7")
    seen(lv, lambda e: isinstance(e, DtmfEvent) and e.chan == b and e.digit == "7")
    st = lv.engine.rtp_stats(b)
    assert st.payload_type == 8 and st.rx_packets > 50 and st.tx_dtmf == 4 and st.rx_dtmf == 1
    lv.engine.sigmsg(a, "DISCONNECT cause=16")
    assert msg(lv, b, "DISCONNECT").fields["cause"] == "16"
    msg(lv, a, "RELEASE")
    # the line is free again for the next call
    connect(lv, a, b)


def test_unanswered_call_cancelled_with_its_cause(pair):
    lv, a, b = pair
    lv.engine.sigmsg(a, "SETUP calling=1 called=2")
    msg(lv, b, "SETUP")
    lv.engine.sigmsg(a, "DISCONNECT cause=19")       # chand's no-answer timer
    assert msg(lv, b, "DISCONNECT").fields["cause"] == "19"
    msg(lv, a, "RELEASE")


def test_refused_call_reaches_the_caller_as_q850(pair):
    lv, a, b = pair
    lv.engine.sigmsg(a, "SETUP calling=1 called=2")
    msg(lv, b, "SETUP")
    lv.engine.sigmsg(b, "DISCONNECT cause=17")       # busy: 486 Busy Here
    assert msg(lv, a, "DISCONNECT").fields["cause"] == "17"


def test_no_peer_and_bad_settings_are_refused_clearly():
    lv = LiveEngine()
    try:
        with pytest.raises(EngineError, match="rtp_port 7001"):
            lv.engine.add_sip_span(SipParams(bind="127.0.0.1:0", rtp_host="127.0.0.1", rtp_port=7001), 1)
        with pytest.raises(EngineError, match="not an IPv4 address"):
            lv.engine.add_sip_span(SipParams(bind="127.0.0.1:0", rtp_host="localhost", rtp_port=free_udp_ports()), 1)
    finally:
        lv.close()


@pytest.mark.slow
def test_rtcp_reports_round_trip_and_loss(pair):
    lv, a, b = pair
    connect(lv, a, b)
    lv.after(8000)                                     # two report intervals
    st = lv.engine.rtp_stats(a)
    assert st.rtcp_rx >= 1 and st.rtcp_tx >= 1
    assert 0 <= st.rtt_ms < 200 and st.remote_loss_pct == 0 and st.rx_lost == 0
