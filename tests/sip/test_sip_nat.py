"""NAT: a phone behind NAT (tests/sip/nat_phone.py: it says 192.0.2.9 and sends from 127.0.0.1) registers,
is called and kept alive at the address its packets came from, its RTP is latched there (symmetric RTP) and a
stranger's packets are dropped; once it stops answering the keep-alive it is unregistered, and chand logs it."""
from __future__ import annotations

import logging
import socket

from telephonist.config.sip import SipTrunkConfig
from telephonist.engine import Clock
from tests.sip.nat_phone import PRIVATE, NatPhone, header
from tests.sip.support import free_udp_ports
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand

PASSWORD = "Desk-Phone-7f3a!"


def phones_span(port: int, **sip) -> SpanSpec:
    return SpanSpec("phones", "e1", 1, driver="sip", codec="alaw", extensions=["201"],
                    sip=SipTrunkConfig(bind=f"127.0.0.1:{port}", rtp_host="127.0.0.1", rtp_port=free_udp_ports(2),
                                       passwords={"201": PASSWORD}, **sip))


async def test_a_phone_behind_nat_is_reached_where_its_packets_come_from(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    port = free_udp_ports(1, even=False)
    async with running_chand(tmp_path, [phones_span(port, nat_keepalive_s=1)], clock=Clock.REALTIME,
                             trunk_groups=[TrunkGroupSpec("agents", ["phones/*"])]) as chand:
        app = await chand.client("acd")
        await app.call("subscribe", lines=True)
        phone = NatPhone(port, "201", PASSWORD)
        stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            phone.start()
            # the answers came back to the port it sent from (its Via says 192.0.2.9:5060;rport): received/rport
            ok = await phone.register()
            assert ok.startswith("SIP/2.0 200"), ok
            assert "received=127.0.0.1" in header(ok, "Via") and f"rport={phone.port}" in header(ok, "Via")
            reg = await app.wait_for("sip_registration", chan="phones/1", since=0, timeout=10)
            assert reg["contact"] == f"sip:201@{PRIVATE}:5060"

            # the INVITE (and the ACK) go to where the REGISTER came from, the Request-URI is still its Contact
            mark = app.mark()
            await app.call("dial", trunk_group="agents", number="201")
            invite = await phone.answer_invite()
            assert invite.startswith(f"INVITE sip:201@{PRIVATE}:5060")
            await phone.receive(lambda m: m.startswith("ACK "))
            await app.wait_for("answered", chan="phones/1", since=mark, timeout=10)

            # symmetric RTP: its SDP says 192.0.2.9:4000; once its packets come, ours go back to where they came from
            line_media = NatPhone.media_of(invite)
            for seq in range(3):
                phone.media.sendto(NatPhone.rtp(seq), line_media)
            heard = await phone.rtp_heard()
            assert heard[0] >> 6 == 2 and heard[1] & 0x7F == 8
            engine, chan = chand.board.engine, chand.board.lines["phones/1"].chan
            assert engine.rtp_stats(chan).latched == f"127.0.0.1:{phone.media.getsockname()[1]}"
            # a stranger's packets (a valid stream from another address) are dropped and move nothing
            before = engine.rtp_stats(chan).rx_packets
            for seq in range(3, 8):
                stranger.sendto(NatPhone.rtp(seq, ssrc=0x0BAD0BAD), line_media)
            phone.media.sendto(NatPhone.rtp(8), line_media)
            while engine.rtp_stats(chan).rx_packets == before:     # the phone's packet, after the stranger's
                await phone.rtp_heard()
            st = engine.rtp_stats(chan)
            assert st.rx_foreign == 5 and st.latched == f"127.0.0.1:{phone.media.getsockname()[1]}"

            await app.call("hangup", chan="phones/1")
            bye = await phone.receive(lambda m: m.startswith("BYE "))
            phone.reply(bye, "200 OK")
            await phone.kept_alive()           # OPTIONS every second, at the same address

            # the phone goes quiet: unregistered, and chand says why
            phone.answering = False
            gone = await app.wait_for(lambda e: e.get("event") == "sip_registration" and e.get("contact") == "",
                                      since=mark, timeout=15)
            assert gone["why"] == "no_answer"
            assert any("event=sip_unregistered" in r.getMessage() and "why=no_answer" in r.getMessage()
                       for r in caplog.records)
        finally:
            stranger.close()
            phone.close()
