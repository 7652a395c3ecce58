"""T.38 fax between two sip spans of one engine over loopback: the receiving line re-INVITEs to m=image when
its fax starts (span t38 = "on"), the sending line takes it (t38 = "accept"), both fax terminals go on as
spandsp's T.38 terminals over UDPTL, and the received pages are the sent ones pixel for pixel; in either
direction of the call. A far end that refuses T.38 (488) leaves the fax on G.711, where it still completes.
The engine runs on the fast clock at 8 times real time (both ends are its own lines); SIPp's test, in real time."""
from __future__ import annotations

import socket

import pytest

from telephonist.engine import Clock, Codec, ErrorEvent, FaxDone, FaxPage, SigMsg, SipParams
from tests.sip.sipp import finish_sipp, need_sipp, start_sipp
from tests.sip.support import free_udp_ports, seen
from tests.support.fax_docs import differing_pixels, make_fax_tiff, pages_of
from tests.support.live_engine import LiveEngine

pytestmark = pytest.mark.long

OFF, ACCEPT, ON = 0, 1, 2           # ENG_SIP_T38_*
SPEED = 8       # two spans of one engine: no frame waits for the wall clock, only SIP's re-INVITE runs on it


def two_spans(t38_a: int, t38_b: int):
    """(live engine, line of span A, line of span B), A calling B, each with its t38 setting."""
    lv = LiveEngine()
    sa, sb = free_udp_ports(1, even=False), free_udp_ports(1, even=False)
    ra, rb = free_udp_ports(4), free_udp_ports(4)
    a = lv.engine.add_sip_span(SipParams(bind=f"127.0.0.1:{sa}", rtp_host="127.0.0.1", rtp_port=ra,
                                         peer=f"127.0.0.1:{sb}", t38=t38_a), 2, Codec.ALAW)
    b = lv.engine.add_sip_span(SipParams(bind=f"127.0.0.1:{sb}", rtp_host="127.0.0.1", rtp_port=rb, t38=t38_b),
                               2, Codec.ULAW)
    lv.engine.start(Clock.FAST, SPEED)
    return lv, a[0], b[0]


def connect(lv: LiveEngine, a: int, b: int) -> None:
    lv.engine.sigmsg(a, "SETUP calling=5551234 called=800")
    seen(lv, lambda e: isinstance(e, SigMsg) and e.chan == b and e.kind == "SETUP")
    lv.engine.sigmsg(b, "CONNECT")
    seen(lv, lambda e: isinstance(e, SigMsg) and e.chan == a and e.kind == "CONNECT")


def fax(lv: LiveEngine, sender: int, receiver: int, tmp_path, pages: int, ecm: bool, sender_calls: bool):
    """Sends a document from sender to receiver; (sent pages, received pages, the two FaxDone by line)."""
    src = make_fax_tiff(tmp_path / "doc.tif", pages=pages)
    dst = str(tmp_path / "received.tif")
    lv.engine.fax(sender, src, send=True, calling=sender_calls, ecm=ecm, ident="SENDER")
    lv.engine.fax(receiver, dst, send=False, calling=not sender_calls, ecm=ecm, ident="RECEIVER")
    done = {}
    for _ in range(2):
        ev = seen(lv, lambda e: isinstance(e, FaxDone), within_s=150)
        done[ev.chan] = ev
    return pages_of(src), pages_of(dst), done


def assert_identical(sent, got):
    assert len(got) == len(sent)
    for a, b in zip(sent, got):
        assert differing_pixels(a, b) == 0


@pytest.mark.parametrize("ecm", [True, False])
def test_fax_to_the_called_line_goes_over_t38(tmp_path, ecm):
    lv, a, b = two_spans(ACCEPT, ON)
    try:
        connect(lv, a, b)
        sent, got, done = fax(lv, a, b, tmp_path, pages=2, ecm=ecm, sender_calls=True)
        assert done[b].ok and done[a].ok, (done[a].result, done[b].result)
        assert done[b].pages == 2 and done[b].ecm == ecm and done[b].remote_ident.strip() == "SENDER"
        assert [e.page for e in lv.events if isinstance(e, FaxPage) and e.chan == b] == [1, 2]
        assert_identical(sent, got)
        for line in (a, b):             # the fax went as IFP packets in UDPTL, not as audio
            st = lv.engine.rtp_stats(line)
            assert st.t38 and st.t38_rx_ifp > 20 and st.t38_tx_ifp > 20 and st.payload_type == -1
    finally:
        lv.close()


def test_fax_from_the_called_line_the_caller_asks_for_t38(tmp_path):
    """The receiver is the calling line: its re-INVITE goes the other way in the dialog (caller to callee)."""
    lv, a, b = two_spans(ON, ACCEPT)
    try:
        connect(lv, a, b)
        sent, got, done = fax(lv, b, a, tmp_path, pages=2, ecm=True, sender_calls=False)
        assert done[a].ok and done[b].ok, (done[a].result, done[b].result)
        assert_identical(sent, got)
        assert lv.engine.rtp_stats(a).t38 and lv.engine.rtp_stats(b).t38
    finally:
        lv.close()


def test_a_far_end_refusing_t38_leaves_the_fax_on_g711(tmp_path):
    lv, a, b = two_spans(OFF, ON)
    try:
        connect(lv, a, b)
        sent, got, done = fax(lv, a, b, tmp_path, pages=1, ecm=True, sender_calls=True)
        refused = seen(lv, lambda e: isinstance(e, ErrorEvent) and e.chan == b and "T.38" in e.text)
        assert refused.id == 0 and "audio" in refused.text
        assert done[b].ok and done[a].ok, (done[a].result, done[b].result)
        assert_identical(sent, got)
        for line in (a, b):             # G.711 pass-through all along
            st = lv.engine.rtp_stats(line)
            assert not st.t38 and st.t38_rx_ifp == 0 and st.payload_type in (0, 8) and st.rx_packets > 100
    finally:
        lv.close()


def udptl(seq: int, primary: bytes, secondaries: list[bytes]) -> bytes:
    """A UDPTL datagram (T.38 clause 9.1, PER): sequence number, primary IFP, redundancy newest first."""
    def field(b: bytes) -> bytes:
        return bytes([len(b)]) + b
    return seq.to_bytes(2, "big") + field(primary) + b"\x00" + bytes([len(secondaries)]) + \
        b"".join(field(x) for x in secondaries)


def test_a_gateway_switches_the_call_to_t38_and_back_and_redundancy_recovers_lost_packets(tmp_path):
    need_sipp()
    lv = LiveEngine()
    port = free_udp_ports(1, even=False)
    line, = lv.engine.add_sip_span(SipParams(bind=f"127.0.0.1:{port}", rtp_host="127.0.0.1",
                                             rtp_port=free_udp_ports(2), t38=ACCEPT), 1, Codec.ALAW)
    lv.engine.start()
    sipp = start_sipp("uac_t38_switch", f"127.0.0.1:{port}", "-s", "800", "-p", str(free_udp_ports(1, even=False)),
                      "-mp", str(free_udp_ports(4)), tmp_path=tmp_path)
    far = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        seen(lv, lambda e: isinstance(e, SigMsg) and e.chan == line and e.kind == "SETUP")
        lv.engine.sigmsg(line, "CONNECT")
        media = seen(lv, lambda e: isinstance(e, SigMsg) and e.chan == line and e.kind == "MEDIA")
        assert media.fields == {"kind": "t38", "by": "far"}
        # IFP packets 0-15 as UDPTL with three packets of redundancy; 3, 4 and 7 lost (each within the
        # redundancy of a later datagram), 11-14 lost (11 beyond it), 5 twice, and an RTP packet in flight
        ifp = [bytes([k, 0x40 + k]) * (1 + k % 4) for k in range(16)]
        to = ("127.0.0.1", lv.engine.rtp_stats(line).local_port)
        far.sendto(bytes([0x80, 0x08, 0x12, 0x34]) + bytes(8) + bytes([0xD5]) * 160, to)
        for seq in (0, 1, 2, 5, 5, 6, 8, 9, 10, 15):
            far.sendto(udptl(seq, ifp[seq], ifp[max(0, seq - 3):seq][::-1]), to)
        lv.after(100)                   # a few ticks: the media thread reads the port every 20 ms
        st = lv.engine.rtp_stats(line)
        assert st.t38 and st.payload_type == -1
        assert st.rx_packets == 10                  # the UDPTL datagrams, the repeat too (not the RTP packet)
        assert st.t38_rx_ifp == 15 and st.t38_recovered == 6 and st.rx_lost == 1
        back = seen(lv, lambda e: isinstance(e, SigMsg) and e.chan == line and e.kind == "MEDIA")
        assert back.fields == {"kind": "audio", "by": "far"}
        st = lv.engine.rtp_stats(line)
        assert not st.t38 and st.payload_type == 8
        lv.engine.sigmsg(line, "DISCONNECT cause=16")
        rc, said = finish_sipp(sipp)
        assert rc == 0, said
    finally:
        far.close()
        if sipp.poll() is None:
            sipp.kill()
            sipp.wait()
        lv.close()
