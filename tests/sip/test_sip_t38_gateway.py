"""The T.38 gateway of a bridge: a sim line (a card's line with a fax machine behind it: the engine's own audio fax
terminal at the sim's far end) bridged with a sip line, whose far end is another sip span of the same engine running
spandsp's T.38 terminal. The fax crosses as audio on the card leg and as T.38 (UDPTL) on the IP leg, through
spandsp's t38_gateway in the engine, and the received page is the sent one pixel for pixel; both ways.

The engine runs on the fast clock at a few times real time: every line is in this one engine (the sim's far end,
both sip spans), so no frame waits for the wall clock; only SIP (the re-INVITE to m=image) runs on it, and its
milliseconds over loopback are a few tens of engine milliseconds."""
from __future__ import annotations

import asyncio

import pytest

from telephonist.drivers.sim.far_end import NumberBehaviour
from telephonist.engine import Clock, Codec, FaxDone, Kind, SigMsg, SipParams
from tests.sip.sipp import finish_sipp, need_sipp, start_sipp
from tests.sip.support import free_udp_ports, seen
from tests.sip.test_sip_transfers import bridge_each_caller_to_the_pstn, trunk
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand
from tests.support.fax_docs import differing_pixels, make_fax_tiff, pages_of
from tests.support.live_engine import LiveEngine

pytestmark = pytest.mark.long

OFF, ACCEPT, ON = 0, 1, 2           # ENG_SIP_T38_*
SPEED = 8                           # engine time per wall time


def gateway_rig(t38_gw: int, t38_far: int, gw_calls: bool, cng: bool = False):
    """(live engine, card line's far end, card line, gateway's sip line, far sip line), the call up between the
    two sip lines and the card line bridged with the gateway's sip line."""
    lv = LiveEngine()
    sg, sf = free_udp_ports(1, even=False), free_udp_ports(1, even=False)
    (card,) = lv.engine.add_sim_span(Kind.FXO, 1, Codec.ALAW)
    machine = lv.engine.sim_far(card)
    gw, = lv.engine.add_sip_span(SipParams(bind=f"127.0.0.1:{sg}", rtp_host="127.0.0.1", rtp_port=free_udp_ports(2),
                                           peer=f"127.0.0.1:{sf}", t38=t38_gw, t38_gateway_cng=cng),
                                         1, Codec.ALAW)
    far, = lv.engine.add_sip_span(SipParams(bind=f"127.0.0.1:{sf}", rtp_host="127.0.0.1", rtp_port=free_udp_ports(2),
                                            peer=f"127.0.0.1:{sg}", t38=t38_far), 1, Codec.ALAW)
    lv.engine.start(Clock.FAST, SPEED)
    caller, callee = (gw, far) if gw_calls else (far, gw)
    lv.engine.sigmsg(caller, "SETUP calling=5551234 called=800")
    seen(lv, lambda e: isinstance(e, SigMsg) and e.chan == callee and e.kind == "SETUP")
    lv.engine.sigmsg(callee, "CONNECT")
    seen(lv, lambda e: isinstance(e, SigMsg) and e.chan == caller and e.kind == "CONNECT")
    lv.engine.hook(card, 1)
    lv.engine.conf_join(77, card)
    lv.engine.conf_join(77, gw)
    return lv, machine, card, gw, far


def faxes_done(lv, chans, within_s=60):
    done = {}
    while len(done) < len(chans):
        ev = seen(lv, lambda e: isinstance(e, FaxDone) and e.chan in chans, within_s=within_s)
        done[ev.chan] = ev
    return done


def media(lv, chan):
    return [e.fields for e in lv.events if isinstance(e, SigMsg) and e.chan == chan and e.kind == "MEDIA"]


def test_a_fax_from_the_card_line_crosses_the_gateway_to_a_t38_receiver(tmp_path):
    """The card's machine calls out over the sip trunk; the far end receives with the T.38 terminal and asks for
    T.38 (t38 = on), the gateway's line takes it (accept) and the bridge becomes the gateway."""
    lv, machine, card, gw, far = gateway_rig(ACCEPT, ON, gw_calls=True)
    try:
        src = make_fax_tiff(tmp_path / "doc.tif", pages=1)
        dst = str(tmp_path / "received.tif")
        lv.engine.fax(machine, src, send=True, calling=True, ecm=True, ident="CARD FAX")
        lv.engine.fax(far, dst, send=False, calling=False, ecm=True, ident="T38 FAX")
        done = faxes_done(lv, {machine, far})
        assert done[far].ok and done[machine].ok, (done[machine].result, done[far].result)
        assert done[far].pages == 1 and done[far].remote_ident.strip() == "CARD FAX"
        sent, got = pages_of(src), pages_of(dst)
        assert len(got) == 1 and differing_pixels(sent[0], got[0]) == 0
        for line in (gw, far):          # the IP leg carried UDPTL, not audio
            st = lv.engine.rtp_stats(line)
            assert st.t38 and st.t38_rx_ifp > 20 and st.t38_tx_ifp > 20
        said = media(lv, gw)
        assert said[:2] == [{"kind": "t38", "by": "far"}, {"kind": "t38_gateway", "with": str(card)}]
        page = seen(lv, lambda e: isinstance(e, SigMsg) and e.chan == gw and e.fields.get("kind") == "t38_gateway_page")
        assert page.fields["pages"] == "1" and int(page.fields["bit_rate"]) >= 9600
        lv.engine.sigmsg(gw, "DISCONNECT cause=16")
        end = seen(lv, lambda e: isinstance(e, SigMsg) and e.chan == gw and e.fields.get("kind") == "t38_gateway_end")
        assert end.fields["pages"] == "1" and end.fields["why"] == "ended"
        st = lv.engine.rtp_stats(gw)
        assert st.t38_gateway and st.t38_gateway_pages == 1 and st.t38_gateway_ecm
        assert not lv.engine.rtp_stats(far).t38_gateway     # a T.38 terminal's line: no gateway
    finally:
        lv.close()


def test_a_t38_fax_from_the_trunk_crosses_the_gateway_to_the_card_line(tmp_path):
    """The far sip end sends with the T.38 terminal and waits (accept); the card's machine answers, the engine
    hears its CED on the bridge and the gateway's line (t38 = on) asks for T.38."""
    lv, machine, card, gw, far = gateway_rig(ON, ACCEPT, gw_calls=False)
    try:
        src = make_fax_tiff(tmp_path / "doc.tif", pages=1)
        dst = str(tmp_path / "received.tif")
        lv.engine.fax(far, src, send=True, calling=True, ecm=True, ident="T38 FAX")
        lv.engine.fax(machine, dst, send=False, calling=False, ecm=True, ident="CARD FAX")
        done = faxes_done(lv, {machine, far})
        assert done[machine].ok and done[far].ok, (done[machine].result, done[far].result)
        assert done[machine].pages == 1 and done[machine].remote_ident.strip() == "T38 FAX"
        sent, got = pages_of(src), pages_of(dst)
        assert len(got) == 1 and differing_pixels(sent[0], got[0]) == 0
        assert media(lv, gw)[:2] == [{"kind": "t38", "by": "us"}, {"kind": "t38_gateway", "with": str(card)}]
        st = lv.engine.rtp_stats(far)
        assert st.t38 and st.t38_rx_ifp > 20
    finally:
        lv.close()


def test_with_t38_gateway_cng_the_bridge_asks_when_the_card_machine_calls(tmp_path):
    """The far end receives with an audio terminal and never asks (accept); the gateway's span (on, with
    t38_gateway_cng) asks as soon as it hears the card machine's CNG, before T.30 has begun (the far end's DIS
    comes after its CED, some 3 s into the call), and the fax completes through the gateway."""
    lv, machine, card, gw, far = gateway_rig(ON, ACCEPT, gw_calls=True, cng=True)
    try:
        src = make_fax_tiff(tmp_path / "doc.tif", pages=1)
        dst = str(tmp_path / "received.tif")
        start = lv.engine.now_ms
        lv.engine.fax(machine, src, send=True, calling=True, ecm=False, ident="CARD FAX")
        lv.engine.fax(far, dst, send=False, calling=False, ecm=False, ident="AUDIO FAX")
        done = faxes_done(lv, {machine, far})
        assert done[far].ok and done[machine].ok, (done[machine].result, done[far].result)
        assert not done[far].ecm
        sent, got = pages_of(src), pages_of(dst)
        assert len(got) == 1 and differing_pixels(sent[0], got[0]) == 0
        asked = next(e for e in lv.events if isinstance(e, SigMsg) and e.chan == gw and e.kind == "MEDIA")
        assert asked.fields == {"kind": "t38", "by": "us"} and asked.time_ms - start < 2500
        assert media(lv, gw)[1] == {"kind": "t38_gateway", "with": str(card)}
    finally:
        lv.close()


def test_a_span_with_t38_off_leaves_the_bridge_on_g711(tmp_path):
    """The far receiver asks for T.38; the gateway's span (off) answers 488 and the fax crosses the bridge as
    audio, as before the gateway existed."""
    lv, machine, _card, gw, far = gateway_rig(OFF, ON, gw_calls=True)
    try:
        src = make_fax_tiff(tmp_path / "doc.tif", pages=1)
        dst = str(tmp_path / "received.tif")
        lv.engine.fax(machine, src, send=True, calling=True, ecm=True, ident="CARD FAX")
        lv.engine.fax(far, dst, send=False, calling=False, ecm=True, ident="AUDIO FAX")
        done = faxes_done(lv, {machine, far})
        assert done[far].ok and done[machine].ok, (done[machine].result, done[far].result)
        sent, got = pages_of(src), pages_of(dst)
        assert len(got) == 1 and differing_pixels(sent[0], got[0]) == 0
        assert media(lv, gw) == [] and not lv.engine.rtp_stats(gw).t38
    finally:
        lv.close()

def test_the_gateway_ends_when_the_far_end_takes_the_call_back_to_audio(tmp_path):
    """SIPp as a gateway that is not ours: it switches a call bridged with a sim line to T.38 (the bridge becomes
    our gateway) and 3 s later back to audio (the gateway ends, why=audio, and the line sends RTP again)."""
    need_sipp()
    lv = LiveEngine()
    port = free_udp_ports(1, even=False)
    (card,) = lv.engine.add_sim_span(Kind.FXO, 1, Codec.ALAW)
    line, = lv.engine.add_sip_span(SipParams(bind=f"127.0.0.1:{port}", rtp_host="127.0.0.1",
                                             rtp_port=free_udp_ports(2), t38=ACCEPT), 1, Codec.ALAW)
    lv.engine.start()
    sipp = start_sipp("uac_t38_switch", f"127.0.0.1:{port}", "-s", "800", "-p", str(free_udp_ports(1, even=False)),
                      "-mp", str(free_udp_ports(4)), tmp_path=tmp_path)
    try:
        seen(lv, lambda e: isinstance(e, SigMsg) and e.chan == line and e.kind == "SETUP")
        lv.engine.sigmsg(line, "CONNECT")
        lv.engine.hook(card, 1)
        lv.engine.conf_join(5, card)
        lv.engine.conf_join(5, line)
        engaged = seen(lv, lambda e: isinstance(e, SigMsg) and e.chan == line
                       and e.fields.get("kind") == "t38_gateway")
        assert engaged.fields["with"] == str(card)
        end = seen(lv, lambda e: isinstance(e, SigMsg) and e.chan == line
                   and e.fields.get("kind") == "t38_gateway_end")
        assert end.fields["why"] == "audio" and end.fields["pages"] == "0"
        assert media(lv, line)[0] == {"kind": "t38", "by": "far"}
        assert {"kind": "audio", "by": "far"} in media(lv, line)
        sent = lv.engine.rtp_stats(line).tx_packets
        lv.after(200)
        st = lv.engine.rtp_stats(line)
        assert not st.t38 and st.tx_packets >= sent + 5     # the bridge's audio goes out as RTP again
        lv.engine.sigmsg(line, "DISCONNECT cause=16")
        rc, said = finish_sipp(sipp)
        assert rc == 0, said
    finally:
        if sipp.poll() is None:
            sipp.kill()
            sipp.wait()
        lv.close()

async def test_chand_bridges_a_t38_trunk_call_to_a_card_fax_machine_and_its_record_shows_the_gateway(tmp_path):
    """chand as it runs: a call on a sip trunk (t38 = on) from another engine's sip line (a gateway that takes
    T.38: accept) is bridged by an application with a call it dialled on a sim E1 to a fax machine. Routing
    knows nothing of fax: the engine hears the machine's answer on the bridge, asks the far end for T.38 and
    becomes the gateway; the machine prints the far end's page pixel for pixel, and the trunk call's record
    keeps the switch, the gateway and its figures."""
    doc = make_fax_tiff(tmp_path / "doc.tif", pages=1)
    port, far_port = free_udp_ports(1, even=False), free_udp_ports(1, even=False)
    far = LiveEngine()
    try:
        fchan, = far.engine.add_sip_span(SipParams(bind=f"127.0.0.1:{far_port}", rtp_host="127.0.0.1",
                                                   rtp_port=free_udp_ports(2), peer=f"127.0.0.1:{port}", t38=ACCEPT),
                                         1, Codec.ALAW)
        far.engine.start(Clock.FAST, SPEED)
        spans = [trunk(port, t38="on"), SpanSpec("pstn", "e1", 2)]
        async with running_chand(tmp_path, spans, clock=Clock.FAST, speed=SPEED, default_route="app:ivr",
                                 records=True, trunk_groups=[TrunkGroupSpec("out", ["pstn/*"])],
                                 numbers=[NumberBehaviour("138*", "fax", after_rings=1)]) as chand:
            ivr = await bridge_each_caller_to_the_pstn(chand, "13800002222")
            monitor = await chand.client("board", "monitor")
            await monitor.call("subscribe", calls=True)
            far.engine.sigmsg(fchan, "SETUP calling=02155550000 called=800")
            await asyncio.to_thread(seen, far, lambda e: isinstance(e, SigMsg) and e.chan == fchan
                                    and e.kind == "CONNECT", 20)
            sip_line, card_line, _ = await asyncio.wait_for(ivr.bridged.get(), 10)
            far.engine.fax(fchan, doc, send=True, calling=True, ident="FAR FAX")
            done = await asyncio.to_thread(seen, far, lambda e: isinstance(e, FaxDone), 60)
            assert done.ok and done.pages == 1, done.result
            machine = next(f for f in chand.board.sim.by_chan.values() if f.dialled == "13800002222")
            far.engine.sigmsg(fchan, "DISCONNECT cause=16")
            await asyncio.to_thread(seen, far, lambda e: isinstance(e, SigMsg) and e.chan == fchan
                                    and e.kind == "RELEASE", 10)
            sent, got = pages_of(doc), pages_of(machine.fax_path)
            assert len(got) == 1 and differing_pixels(sent[0], got[0]) == 0
            assert far.engine.rtp_stats(fchan).t38
            # the far end's RELEASE says nothing of chand: its record keeps the call's events until the call closes
            await monitor.wait_for(lambda e: e.get("event") == "call_event" and e.get("chan") == sip_line
                                   and e.get("what") == "record_written" and e.get("part") == "closed",
                                   since=0, timeout=20)
            await chand.board.recorder.drain()
            leg = next(g for g in await chand.store.recent(5) if g.span == "trunk")
            events = [(e.kind, e.data) for e in await chand.store.events(leg.id)]
            media = [d for k, d in events if k == "media"]
            assert media[:2] == [{"to": "t38", "by": "us"},
                                 {"to": "t38_gateway", "by": "gateway", "audio_line": card_line}]
            page = next(d for k, d in events if k == "t38_gateway_page")
            assert page["pages"] == 1 and page["bit_rate"] >= 9600
            rtp = next(d for k, d in events if k == "rtp")      # written as the far end's BYE ended the call
            assert rtp["codec"] == "t38" and rtp["t38_gateway_pages"] == 1 and rtp["t38_gateway_ecm"] is True
    finally:
        far.close()
