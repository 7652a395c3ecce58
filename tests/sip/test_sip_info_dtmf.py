"""Digits by SIP INFO, against SIPp: a caller sends 4, 7 and # as INFO (application/dtmf-relay, application/dtmf,
dtmf-relay's event code 11) and the application hears them as digits; on a span whose dtmf = "info" our answer
agrees no telephone-event and the application's send_dtmf goes as one INFO per digit, which SIPp checks. Also the
SDP side of SRTP over plain UDP signalling: offers a span must refuse with 488, and the Warning says why."""
from __future__ import annotations

import glob
import os

import pytest

from telephonist.config.sip import SipTrunkConfig
from telephonist.engine import Clock
from tests.sip.sipp import need_sipp, run_sipp
from tests.sip.support import free_udp_ports
from tests.support.chand_harness import SpanSpec, running_chand

CRYPTO = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
NO_CRYPTO = "a=x-no-crypto"


def trunk(port: int, **sip) -> SpanSpec:
    return SpanSpec("trunk", "e1", 1, driver="sip", codec="alaw",
                    sip=SipTrunkConfig(bind=f"127.0.0.1:{port}", rtp_host="127.0.0.1", rtp_port=free_udp_ports(2),
                                       **sip))


async def test_info_digits_reach_the_application_and_its_digits_go_as_info(tmp_path):
    need_sipp()
    port = free_udp_ports(1, even=False)
    async with running_chand(tmp_path, [trunk(port, dtmf="info")], clock=Clock.REALTIME, default_route="app:ivr",
                             records=True) as chand:
        ivr = await chand.client("ivr")
        got = {"digits": ""}

        async def on_offer(ev):
            await ivr.call("answer", chan=ev["chan"])

        async def on_dtmf(ev):
            got["digits"] += ev["digit"]
            if ev["digit"] == "#":
                await ivr.call("send_dtmf", chan=ev["chan"], digits="12")

        async def on_dtmf_sent(ev):
            await ivr.call("hangup", chan=ev["chan"])

        ivr.on("offer", on_offer)
        ivr.on("dtmf", on_dtmf)
        ivr.on("dtmf_sent", on_dtmf_sent)
        rc, said = await run_sipp("uac_info_digits", f"127.0.0.1:{port}", "-s", "4008001234", "-p",
                                  str(free_udp_ports(1, even=False)), "-mp", str(free_udp_ports(4)), tmp_path=tmp_path)
        assert rc == 0, said            # no telephone-event in our answer; INFO Signal=1, then Signal=2
        assert got["digits"] == "47#"
        await ivr.wait_for("ended", chan="trunk/1", since=0)
        await chand.board.recorder.drain()
        leg, = await chand.store.recent(1)
        rtp, = [e.data for e in await chand.store.events(leg.id) if e.kind == "rtp"]
        assert rtp["rx_dtmf"] == 3 and rtp["tx_dtmf"] == 2


@pytest.mark.parametrize("sip,profile,crypto,why", [
    ({"srtp": "mandatory", "srtp_without_tls": True}, "RTP/AVP", NO_CRYPTO, "SRTP required"),
    ({"srtp": "mandatory", "tls_bind": "127.0.0.1:0"}, "RTP/SAVP", CRYPTO, "SRTP needs TLS signalling"),
    ({}, "RTP/SAVP", CRYPTO, "SRTP is off"),
])
async def test_offers_a_span_cannot_take_get_488_saying_why(tmp_path, sip, profile, crypto, why):
    """A plain offer to a mandatory span; an SRTP offer whose keys came over UDP (the span takes SRTP on TLS calls
    only); RTP/SAVP to a span without SRTP."""
    need_sipp()
    port = free_udp_ports(1, even=False)
    if "tls_bind" in sip:
        from tests.sip.test_sip_tls import certificate
        sip = dict(sip, tls_bind=f"127.0.0.1:{free_udp_ports(1, even=False)}", tls_cert_dir=certificate(tmp_path))
    async with running_chand(tmp_path, [trunk(port, **sip)], clock=Clock.REALTIME, default_route="app:ivr") as chand:
        ivr = await chand.client("ivr")
        offers = []

        async def on_offer(ev):
            offers.append(ev)

        ivr.on("offer", on_offer)
        rc, said = await run_sipp("uac_refused_488", f"127.0.0.1:{port}", "-s", "4008001234", "-p",
                                  str(free_udp_ports(1, even=False)), "-mp", str(free_udp_ports(4)),
                                  "-key", "profile", profile, "-key", "crypto", crypto, "-trace_logs",
                                  tmp_path=tmp_path)
        assert rc == 0, said
        logs = "".join(open(f).read() for f in glob.glob(os.path.join(tmp_path, "*_logs.log")))
        assert f'warning=telephonist "{why}"' in logs, logs
        assert offers == []
