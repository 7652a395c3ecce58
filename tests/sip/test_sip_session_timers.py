"""Session timers (RFC 4028, sofia-sip's) on a sip span against SIPp: a Session-Expires below our Min-SE is
refused with 422, the interval asked for is agreed with the caller refreshing, and a call nobody refreshes is
cleared (BYE, cause 102 in its record); where we refresh and the far end refuses the refresh (481), the call
is cleared too. sofia-sip's timers run on the real clock, so the spans here take a Min-SE of 10 s (the engine
takes it; a configuration must say 90 s or more, as RFC 4028 asks) and the calls last about 10 s."""
from __future__ import annotations

import os

import pytest

from telephonist.config.sip import SipTrunkConfig
from telephonist.engine import Clock
from tests.sip.sipp import need_sipp, run_sipp
from tests.sip.support import free_udp_ports
from tests.support.chand_harness import SpanSpec, running_chand


def trunk(sip_port: int, **sip) -> SpanSpec:
    return SpanSpec("trunk", "e1", 1, driver="sip", codec="alaw",
                    sip=SipTrunkConfig(bind=f"127.0.0.1:{sip_port}", rtp_host="127.0.0.1", rtp_port=free_udp_ports(2),
                                       min_se_s=10, **sip))


async def answered_calls(chand):
    ivr = await chand.client("ivr")
    ivr.on("offer", lambda ev: ivr.call("answer", chan=ev["chan"]))
    return ivr


@pytest.mark.long
async def test_a_call_nobody_refreshes_is_cleared_when_its_session_expires(tmp_path):
    need_sipp()
    port = free_udp_ports(1, even=False)
    async with running_chand(tmp_path, [trunk(port)], clock=Clock.REALTIME, default_route="app:ivr",
                             records=True) as chand:
        ivr = await answered_calls(chand)
        rc, said = await run_sipp("uac_session_timer", f"127.0.0.1:{port}", "-s", "400", "-set", "small", "5",
                                  "-set", "se", "12", "-p", str(free_udp_ports(1, even=False)),
                                  "-mp", str(free_udp_ports(4)), tmp_path=tmp_path, timeout_s=60)
        # 422 (5 s is below our 10), then 200 with Session-Expires: 12;refresher=uac, then our BYE (cause 408)
        assert rc == 0, said
        ended = await ivr.wait_for("ended", chan="trunk/1", since=0, timeout=10)
        assert ended["cause"].startswith("102")
        await chand.board.recorder.drain()
        leg, = await chand.store.recent(1)
        assert leg.hangup_cause.startswith("102") and leg.disposition == "answered"


@pytest.mark.parametrize("allow,refresh", [("INVITE, ACK, BYE, CANCEL", "INVITE"),
                                           ("INVITE, ACK, BYE, CANCEL, UPDATE", "UPDATE")])
@pytest.mark.long
async def test_a_call_whose_refresh_is_refused_is_cleared(tmp_path, allow, refresh):
    """The caller asks us to refresh; our refresh is an UPDATE where its Allow lists UPDATE, else a re-INVITE;
    it answers 481, and the call is over."""
    need_sipp()
    port = free_udp_ports(1, even=False)
    async with running_chand(tmp_path, [trunk(port)], clock=Clock.REALTIME,
                             default_route="app:ivr", records=True) as chand:
        ivr = await answered_calls(chand)
        rc, said = await run_sipp("uac_session_refresh_fails", f"127.0.0.1:{port}", "-s", "400", "-set", "se", "12",
                                  "-set", "allow", allow, "-p", str(free_udp_ports(1, even=False)),
                                  "-mp", str(free_udp_ports(4)), "-trace_msg", tmp_path=tmp_path, timeout_s=60)
        assert rc == 0, said                # our 200 said refresher=uas; our refresh came before 12 s
        log = next(open(os.path.join(tmp_path, f)).read() for f in os.listdir(tmp_path) if f.endswith("_messages.log"))
        assert f"\n{refresh} sip:5551234@" in log
        ended = await ivr.wait_for("ended", chan="trunk/1", since=0, timeout=10)
        await chand.board.recorder.drain()
        leg, = await chand.store.recent(1)
        assert leg.hangup_cause == ended["cause"] and leg.hangup_cause.startswith("41")
