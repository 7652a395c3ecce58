"""A sip span registers with a registrar that asks for digest authentication (SIPp checks the answer)."""
from __future__ import annotations

import asyncio

from telephonist.engine import SipParams
from tests.sip.sipp import finish_sipp, listening, need_sipp, start_sipp
from tests.sip.support import free_udp_ports
from tests.support.live_engine import LiveEngine


def test_registration_answers_the_digest_challenge(tmp_path):
    need_sipp()
    registrar = free_udp_ports(1, even=False)
    sipp = start_sipp("registrar", "-p", str(registrar), tmp_path=tmp_path)
    lv = LiveEngine()
    try:
        asyncio.run(listening(registrar))       # a REGISTER sent before would be refused (and not retried yet)
        lv.engine.add_sip_span(SipParams(bind=f"127.0.0.1:{free_udp_ports(1, even=False)}", rtp_host="127.0.0.1",
                                         rtp_port=free_udp_ports(2), username="4008001234",
                                         password="s3cret-enough", registrar=f"127.0.0.1:{registrar}"), 1)
        lv.engine.start()
        rc, said = finish_sipp(sipp, 40)
        assert rc == 0, said
    finally:
        if sipp.poll() is None:
            sipp.kill()
            sipp.wait()
        lv.close()
