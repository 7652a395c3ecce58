"""faxd receiving on a sip trunk with t38 = "on": the far end is another engine's sip line (a fax machine behind
a gateway that takes T.38) sending a document; faxd's receive asks for T.38, the fax crosses as UDPTL, and the
received pages are the sent ones pixel for pixel. The call record keeps the switch."""
import asyncio

import pytest

from telephonist.chand.routing import Route
from telephonist.config.sip import SipTrunkConfig
from telephonist.engine import Clock, Codec, FaxDone, SigMsg, SipParams
from tests.faxd.test_faxd import first_fax, start_faxd
from tests.sip.support import free_udp_ports, seen
from tests.support.chand_harness import SpanSpec, running_chand
from tests.support.fax_docs import differing_pixels, make_fax_tiff, pages_of
from tests.support.live_engine import LiveEngine


SPEED = 8       # both engines' clocks at 8 times real time: only SIP's re-INVITE waits for the wall clock


@pytest.mark.long
async def test_faxd_receives_a_fax_over_t38_from_a_sip_trunk(tmp_path):
    url = f"sqlite:///{tmp_path}/t.db"
    doc = make_fax_tiff(tmp_path / "two.tif", pages=2)
    port, far_port = free_udp_ports(1, even=False), free_udp_ports(1, even=False)
    far = LiveEngine()
    try:
        fchan = far.engine.add_sip_span(SipParams(bind=f"127.0.0.1:{far_port}", rtp_host="127.0.0.1",
                                                  rtp_port=free_udp_ports(2), peer=f"127.0.0.1:{port}", t38=1),
                                        1, Codec.ALAW)[0]
        far.engine.start(Clock.FAST, SPEED)
        span = SpanSpec("trunk", "e1", 2, driver="sip", codec="alaw",
                        sip=SipTrunkConfig(bind=f"127.0.0.1:{port}", rtp_host="127.0.0.1", rtp_port=free_udp_ports(4),
                                           t38="on"))
        async with running_chand(tmp_path, [span], clock=Clock.FAST, speed=SPEED, routes=[Route("fax:sales", dialled="8008*")],
                                 records=True) as chand:
            store, service, task = await start_faxd(chand, tmp_path, url)
            try:
                far.engine.sigmsg(fchan, "SETUP calling=02155550000 called=8008101234")
                await asyncio.to_thread(seen, far, lambda e: isinstance(e, SigMsg) and e.chan == fchan
                                        and e.kind == "CONNECT", 20)
                far.engine.fax(fchan, doc, send=True, calling=True, ident="FAR FAX")
                row = await first_fax(store, seconds=150)
                done = await asyncio.to_thread(seen, far, lambda e: isinstance(e, FaxDone), 30)
                await asyncio.to_thread(seen, far, lambda e: isinstance(e, SigMsg) and e.chan == fchan
                                        and e.kind == "DISCONNECT", 30)     # faxd hung up after the fax
            finally:
                task.cancel()
            assert row["result_code"] == 0 and row["pages"] == 2 and row["caller"] == "02155550000", row
            assert done.ok, done.result
            for a, b in zip(pages_of(doc), pages_of(row["tiff_path"]), strict=True):
                assert differing_pixels(a, b) == 0
            assert far.engine.rtp_stats(fchan).t38             # the far end's line carried UDPTL
            media = [e for e in far.events if isinstance(e, SigMsg) and e.kind == "MEDIA"]
            assert [m.fields for m in media] == [{"kind": "t38", "by": "far"}]
            await chand.board.recorder.drain()
            leg, = await chand.store.recent(1)
            kinds = {e.kind: e.data for e in await chand.store.events(leg.id)}
            assert kinds["media"] == {"to": "t38", "by": "us"}
            assert kinds["rtp"]["codec"] == "t38" and kinds["rtp"]["t38_rx_ifp"] > 20
    finally:
        far.close()
