"""A sip span registers with a registrar that asks for digest authentication (SIPp checks the answer), and
tries again, after register_retry_s, when a REGISTER was refused or nobody answered it."""
from __future__ import annotations

import asyncio

from telephonist.engine import ErrorEvent, SipParams
from tests.sip.sipp import finish_sipp, listening, need_sipp, start_sipp
from tests.sip.support import free_udp_ports
from tests.support.live_engine import LiveEngine


def test_registration_answers_the_digest_challenge(tmp_path):
    need_sipp()
    registrar = free_udp_ports(1, even=False)
    sipp = start_sipp("registrar", "-p", str(registrar), tmp_path=tmp_path)
    lv = LiveEngine()
    try:
        asyncio.run(listening(registrar))       # a REGISTER sent before would be refused (and tried again later)
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


def _span(lv: LiveEngine, registrar: int) -> None:
    lv.engine.add_sip_span(SipParams(bind=f"127.0.0.1:{free_udp_ports(1, even=False)}", rtp_host="127.0.0.1",
                                     rtp_port=free_udp_ports(2), username="4008001234", password="s3cret-enough",
                                     registrar=f"127.0.0.1:{registrar}", register_retry_s=1), 1)
    lv.engine.start()


def test_a_refused_registration_is_tried_again(tmp_path):
    need_sipp()
    registrar = free_udp_ports(1, even=False)
    sipp = start_sipp("registrar_refusing", "-p", str(registrar), tmp_path=tmp_path)
    lv = LiveEngine()
    try:
        asyncio.run(listening(registrar))
        _span(lv, registrar)
        refused = lv.wait(lambda e: isinstance(e, ErrorEvent) and "sip register" in e.text, 20)
        assert "503" in refused.text and "trying again in 1 s" in refused.text
        rc, said = finish_sipp(sipp, 40)
        assert rc == 0, said
        # the registrar is ready now: a later try answers its challenge and is registered
        sipp = start_sipp("registrar", "-p", str(registrar), tmp_path=tmp_path)
        rc, said = finish_sipp(sipp, 60)
        assert rc == 0, said
    finally:
        if sipp.poll() is None:
            sipp.kill()
            sipp.wait()
        lv.close()


def test_an_unanswered_registration_is_tried_again_until_the_registrar_is_there(tmp_path):
    need_sipp()
    registrar = free_udp_ports(1, even=False)
    lv = LiveEngine()
    sipp = None
    try:
        _span(lv, registrar)                    # nothing listens there yet
        failed = lv.wait(lambda e: isinstance(e, ErrorEvent) and "sip register" in e.text, 60)
        assert "trying again" in failed.text
        sipp = start_sipp("registrar", "-p", str(registrar), tmp_path=tmp_path)
        rc, said = finish_sipp(sipp, 60)        # a later try reached it, and registered
        assert rc == 0, said
    finally:
        if sipp and sipp.poll() is None:
            sipp.kill()
            sipp.wait()
        lv.close()
