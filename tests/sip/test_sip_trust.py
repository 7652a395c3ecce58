"""Trunks: a trunk that trusts source networks takes INVITEs from them without any challenge and refuses the rest
(403, a REFUSED message chand logs); a trunk with an outbound proxy sends its calls (INVITE, ACK, BYE) there,
the Request-URI still naming its peer. SIPp is the caller and the proxy."""
from __future__ import annotations

import asyncio

from telephonist.engine import SigMsg, SipParams
from tests.sip.sipp import finish_sipp, listening, need_sipp, run_sipp, start_sipp
from tests.sip.support import free_udp_ports, seen
from tests.support.live_engine import LiveEngine


def _trunk(lv: LiveEngine, **params) -> tuple[int, list[int]]:
    port = free_udp_ports(1, even=False)
    chans = lv.engine.add_sip_span(SipParams(bind=f"127.0.0.1:{port}", rtp_host="127.0.0.1",
                                             rtp_port=free_udp_ports(2), **params), 1)
    return port, chans


def test_a_trunk_takes_calls_only_from_the_networks_it_trusts(tmp_path):
    need_sipp()
    lv = LiveEngine()
    try:
        other_port, (other,) = _trunk(lv, trusted=("10.9.0.0/16", "198.51.100.7"))
        ours_port, (ours,) = _trunk(lv, trusted=("198.51.100.0/24", "127.0.0.0/8"))
        lv.engine.start()
        # from 127.0.0.1 to the trunk that does not trust it: 403 at once, no call, and why
        rc, said = asyncio.run(run_sipp("uac_refused", f"127.0.0.1:{other_port}", "-s", "800", "-p",
                                        str(free_udp_ports(1, even=False)), "-mp", str(free_udp_ports(2)),
                                        tmp_path=tmp_path))
        assert rc == 0, said
        refused = seen(lv, lambda e: isinstance(e, SigMsg) and e.kind == "REFUSED")
        assert refused.chan == other
        assert refused.fields == {"source": "127.0.0.1", "user": "5551234", "why": "untrusted", "failures": "0"}
        # to the trunk that trusts 127.0.0.0/8: the call comes in, unchallenged (then declined here: 603)
        sipp = start_sipp("uac_refused", f"127.0.0.1:{ours_port}", "-s", "800", "-p",
                          str(free_udp_ports(1, even=False)), "-mp", str(free_udp_ports(2)), tmp_path=tmp_path)
        setup = seen(lv, lambda e: isinstance(e, SigMsg) and e.kind == "SETUP")
        assert setup.chan == ours and setup.fields == {"calling": "5551234", "called": "800"}
        lv.engine.sigmsg(ours, "DISCONNECT cause=21")
        rc, said = finish_sipp(sipp, 30)
        assert rc == 0, said
        assert not [e for e in lv.events if isinstance(e, SigMsg) and e.kind == "SETUP" and e.chan == other]
    finally:
        lv.close()


def test_calls_go_through_the_outbound_proxy(tmp_path):
    need_sipp()
    proxy = free_udp_ports(1, even=False)
    sipp = start_sipp("uas_proxy", "-p", str(proxy), "-mp", str(free_udp_ports(2)), tmp_path=tmp_path)
    lv = LiveEngine()
    try:
        asyncio.run(listening(proxy))
        _, (line,) = _trunk(lv, peer="127.0.0.1:9", outbound_proxy=f"sip:127.0.0.1:{proxy};transport=udp")
        lv.engine.start()
        lv.engine.sigmsg(line, "SETUP calling=5551234 called=800")
        seen(lv, lambda e: isinstance(e, SigMsg) and e.chan == line and e.kind == "CONNECT", 20)
        lv.engine.sigmsg(line, "DISCONNECT cause=16")
        seen(lv, lambda e: isinstance(e, SigMsg) and e.chan == line and e.kind == "RELEASE")
        rc, said = finish_sipp(sipp, 30)        # the INVITE named the peer; the ACK and the BYE came here too
        assert rc == 0, said
    finally:
        if sipp.poll() is None:
            sipp.kill()
            sipp.wait()
        lv.close()
