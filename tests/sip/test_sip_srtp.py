"""SRTP (SDES keys in the SDP, over TLS signalling) between a span of phones and baresip, a SIP phone that is not
ours: baresip calling in and being called with `mediaenc=srtp-mand`, its microphone a WAV of a tone and in-band
DTMF digits; the engine's DTMF detector must find the digits in what it decrypted, and baresip's own recording
of what it heard must hold the tone the application played. A raw socket on the loopback sees what went on the
wire: read as plain A-law RTP the packets must hold neither tone when SRTP is on (and both when the span lets the
call go plain, which shows the capture would see them), and plain RTP packets forged into the SRTP session are
refused by the engine (counted, not heard). A plain offer to a span whose SRTP is mandatory gets 488. A trunk
calls its peer (baresip again) over TLS, checking the peer's certificate: SRTP when it is one cafile.pem trusts,
no call at all when it is not."""
from __future__ import annotations

import socket
import struct

import pytest

from telephonist.config.sip import SipTrunkConfig
from telephonist.engine import Clock
from tests.sip.baresip import Baresip, need_baresip
from tests.sip.support import UdpTap, free_udp_ports, rtp_audio, samples_of, tone_heard
from tests.sip.test_sip_tls import certificate
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand

PASSWORD = "Desk-Phone-7f3a!"
SUITES = ("AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32")


def phones_span(tmp_path, srtp: str) -> SpanSpec:
    return SpanSpec("phones", "e1", 1, driver="sip", codec="alaw", extensions=["201"],
                    sip=SipTrunkConfig(bind=f"127.0.0.1:{free_udp_ports(1, even=False)}", rtp_host="127.0.0.1",
                                       rtp_port=free_udp_ports(2), passwords={"201": PASSWORD},
                                       tls_bind=f"127.0.0.1:{free_udp_ports(1, even=False)}",
                                       tls_cert_dir=certificate(tmp_path), tls_only=True, srtp=srtp))


def phone(tmp_path, span: SpanSpec, mediaenc: str, regint: int = 0) -> Baresip:
    certs = span.sip.tls_cert_dir
    return Baresip(tmp_path, "201", "201", span.sip.tls_bind,
                   f";auth_pass={PASSWORD};regint={regint}" + (f";mediaenc={mediaenc}" if mediaenc else ""),
                   cafile=f"{certs}/cafile.pem", cert=f"{certs}/agent.pem")


def forge_plain_rtp(port: int, count: int = 5) -> None:
    """Plain RTP packets (A-law silence) into the engine's RTP port, as anyone on the path could send them."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for i in range(count):
            s.sendto(struct.pack("!BBHII", 0x80, 8, 1000 + i, 160 * i, 0x5EED) + b"\xd5" * 160, ("127.0.0.1", port))
    finally:
        s.close()


class Desk:
    """The application on the phone's calls: answers, records what it hears, plays a dial tone (450 Hz) for
    two seconds, collects digits, and hangs up once it has played and heard '#'."""

    def __init__(self, client, forge_to: int | None = None) -> None:
        self.client, self.forge_to = client, forge_to
        self.digits, self.played, self.offers = "", False, []
        self.hung_up = False
        client.on("offer", self.on_offer)
        client.on("answered", self.on_answered)
        client.on("dtmf", self.on_dtmf)
        client.on("play_done", self.on_play_done)

    async def on_offer(self, ev):
        self.offers.append(ev)
        await self.client.call("answer", chan=ev["chan"])

    async def on_answered(self, ev):
        await self.client.call("record", chan=ev["chan"], mode="rx")
        await self.client.call("play", chan=ev["chan"], items=[{"tone": "dial", "ms": 2000}])

    async def on_dtmf(self, ev):
        if self.forge_to and not self.digits:     # SRTP is on by now (a digit came through it)
            forge_plain_rtp(self.forge_to)
        self.digits += ev["digit"]
        await self.maybe_hang_up(ev["chan"])

    async def on_play_done(self, ev):
        self.played = True
        await self.maybe_hang_up(ev["chan"])

    async def maybe_hang_up(self, chan):
        if self.played and self.digits.endswith("#") and not self.hung_up:
            self.hung_up = True
            await self.client.call("hangup", chan=chan)


async def rtp_record(chand) -> dict:
    await chand.board.recorder.drain()
    leg, = await chand.store.recent(1)
    rtp, = [e.data for e in await chand.store.events(leg.id) if e.kind == "rtp"]
    return rtp


@pytest.mark.long
@pytest.mark.parametrize("mediaenc,srtp", [("srtp-mand", "mandatory"), ("", "optional")])
async def test_baresip_calls_in_over_tls_with_srtp_and_the_wire_carries_no_plain_audio(tmp_path, mediaenc, srtp):
    """srtp-mand to a mandatory span: SRTP. No mediaenc to an optional span: plain RTP (the control case: the same
    capture then hears both tones on the wire)."""
    need_baresip()
    encrypted = bool(mediaenc)
    span = phones_span(tmp_path, srtp)
    tap = UdpTap(span.sip.rtp_port)
    try:
        async with running_chand(tmp_path, [span], clock=Clock.REALTIME, default_route="app:desk",
                                 records=True) as chand:
            desk = Desk(await chand.client("desk"), forge_to=span.sip.rtp_port if encrypted else None)
            bs = phone(tmp_path, span, mediaenc)
            await bs.start(f"/dial sip:500@{span.sip.tls_bind}")
            try:
                await bs.said("Call established", timeout=20)
                await desk.client.wait_for("ended", chan="phones/1", since=0, timeout=40)
                await bs.said("terminated (duration", timeout=20)    # its recording is closed with the call
            finally:
                await bs.stop()
            assert desk.offers[0]["caller"] == "201" and desk.offers[0]["dialled"] == "500"
            # the engine decrypted baresip's audio: its DTMF detector found the digits of the WAV
            assert desk.digits == "47#"
            done = await desk.client.wait_for("record_done", chan="phones/1", since=0)
            assert tone_heard(samples_of(done["path"]), 1000) > 0.7
            # baresip decrypted ours: the dial tone is in what it heard
            assert tone_heard(samples_of(bs.heard()), 450) > 0.7, bs.tail()
            rtp = await rtp_record(chand)
    finally:
        tap.close()
    inbound, heard_in = rtp_audio(tap.to_port)
    outbound, heard_out = rtp_audio(tap.from_port)
    assert len(inbound) > 100 and len(outbound) > 100
    if encrypted:
        assert rtp["srtp"] in SUITES and rtp["rx_refused"] >= 5      # the forged plain packets were refused
        tag = 10 if rtp["srtp"].endswith("80") else 4
        assert {len(p) for p in inbound} == {12 + 160 + tag}          # RTP header, A-law frame, auth tag
        assert tone_heard(heard_in, 1000) < 0.3 and tone_heard(heard_out, 450) < 0.3
    else:
        assert rtp["srtp"] == "" and rtp["rx_refused"] == 0
        assert {len(p) for p in inbound} == {12 + 160}
        assert tone_heard(heard_in, 1000) > 0.7 and tone_heard(heard_out, 450) > 0.7


@pytest.mark.long
async def test_the_span_calls_baresip_registered_over_tls_with_srtp(tmp_path):
    need_baresip()
    span = phones_span(tmp_path, "mandatory")
    async with running_chand(tmp_path, [span], clock=Clock.REALTIME,
                             trunk_groups=[TrunkGroupSpec("agents", ["phones/*"])], records=True) as chand:
        desk = Desk(await chand.client("acd"))
        await desk.client.call("subscribe", lines=True)
        bs = phone(tmp_path, span, "srtp-mand", regint=120)
        await bs.start()
        try:
            reg = await desk.client.wait_for("sip_registration", chan="phones/1", since=0, timeout=20)
            assert "transport=tls" in reg["contact"] or reg["contact"].startswith("sips:")
            mark = desk.client.mark()
            await desk.client.call("dial", trunk_group="agents", number="201", caller_id="4008001")
            await bs.said("Call established", timeout=20)
            await desk.client.wait_for("ended", chan="phones/1", since=mark, timeout=40)
            await bs.said("terminated (duration", timeout=20)
        finally:
            await bs.stop()
        assert desk.digits == "47#"
        assert tone_heard(samples_of(bs.heard()), 450) > 0.7, bs.tail()
        rtp = await rtp_record(chand)
        # (baresip may send an RTCP packet before its SRTP is on: one refusal is its, not a fault)
        assert rtp["srtp"] in SUITES and rtp["rx_packets"] > 100


async def test_a_plain_offer_to_a_mandatory_span_is_refused_with_488(tmp_path):
    need_baresip()
    span = phones_span(tmp_path, "mandatory")
    async with running_chand(tmp_path, [span], clock=Clock.REALTIME, default_route="app:desk") as chand:
        desk = Desk(await chand.client("desk"))
        bs = phone(tmp_path, span, "")                 # over TLS, but offering plain RTP
        await bs.start(f"/dial sip:500@{span.sip.tls_bind}")
        try:
            await bs.said("488 Not Acceptable Here", timeout=20)
        finally:
            await bs.stop()
        assert desk.offers == []


@pytest.mark.long
@pytest.mark.parametrize("trusted", [True, False])
async def test_a_trunk_calls_its_peer_over_tls_checking_its_certificate(tmp_path, trusted):
    """The peer's certificate is the one our cafile.pem holds (trusted), or another self-signed one for the same
    address (not trusted: the TLS connection is closed before any SIP goes, and the call fails)."""
    need_baresip()
    ours = certificate(tmp_path)
    theirs = ours if trusted else certificate(tmp_path, "other")
    carrier = Baresip(tmp_path, "carrier", "201", "127.0.0.1", ";regint=0;mediaenc=srtp-mand",
                      cafile=f"{theirs}/cafile.pem", cert=f"{theirs}/agent.pem")
    span = SpanSpec("carrier", "e1", 1, driver="sip", codec="alaw",
                    sip=SipTrunkConfig(bind=f"127.0.0.1:{free_udp_ports(1, even=False)}", rtp_host="127.0.0.1",
                                       rtp_port=free_udp_ports(2), peer=f"127.0.0.1:{carrier.port + 1}",
                                       transport="tls", tls_bind=f"127.0.0.1:{free_udp_ports(1, even=False)}",
                                       tls_cert_dir=ours, srtp="mandatory"))
    async with running_chand(tmp_path, [span], clock=Clock.REALTIME, trunk_groups=[TrunkGroupSpec("out", ["carrier/*"])],
                             records=True) as chand:
        desk = Desk(await chand.client("dialer"))
        await carrier.start()
        try:
            await carrier.said("baresip is ready.")
            r = await desk.client.call("dial", trunk_group="out", number="201", caller_id="4008001")
            ev = await desk.client.wait_for(lambda e: e.get("chan") == r["chan"]
                                            and e.get("event") in ("answered", "dial_failed"), since=0, timeout=40)
            if trusted:
                assert ev["event"] == "answered", ev
                await desk.client.wait_for("ended", chan=r["chan"], since=0, timeout=40)
                await carrier.said("terminated (duration", timeout=20)
            else:
                assert ev["event"] == "dial_failed", ev
        finally:
            await carrier.stop()
        if trusted:
            assert desk.digits == "47#"
            assert tone_heard(samples_of(carrier.heard()), 450) > 0.7, carrier.tail()
            rtp = await rtp_record(chand)
            assert rtp["srtp"] in SUITES
        else:
            assert "Incoming call" not in carrier.out and "Call established" not in carrier.out, carrier.tail()
