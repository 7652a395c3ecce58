"""Calls between chand's sip span and SIPp, a SIP client that is not ours: an inbound call answered by an
application that plays a tone and collects RFC 4733 digits, and an outbound call through a trunk group to
SIPp's answering side. SIPp echoes the RTP it hears (-rtp_echo), so what the line hears back is what the
caller heard. The call records say how each call ended and what RTP measured."""
from __future__ import annotations

import asyncio

import pytest

from telephonist.config.sip import SipTrunkConfig
from telephonist.engine import Clock
from tests.sip.sipp import listening, need_sipp, run_sipp
from tests.sip.support import free_udp_ports, samples_of, tone_share
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand


def sip_span(sip_port: int, peer: str = "", **auth: str) -> SpanSpec:
    return SpanSpec("trunk", "e1", 2, driver="sip", codec="alaw",
                    sip=SipTrunkConfig(bind=f"127.0.0.1:{sip_port}", rtp_host="127.0.0.1",
                                       rtp_port=free_udp_ports(4), peer=peer, **auth))


@pytest.mark.long
async def test_inbound_sipp_call_hears_the_prompt_and_its_digits_reach_the_app(tmp_path):
    need_sipp()
    port = free_udp_ports(1, even=False)
    async with running_chand(tmp_path, [sip_span(port)], clock=Clock.REALTIME, default_route="app:ivr",
                             records=True) as chand:
        ivr = await chand.client("ivr")
        got = {"digits": ""}

        async def on_offer(ev):
            got["offer"] = ev
            await ivr.call("answer", chan=ev["chan"])

        async def on_answered(ev):
            got["rec"] = (await ivr.call("record", chan=ev["chan"], mode="rx"))["path"]
            await ivr.call("play", chan=ev["chan"], items=[{"tone": "dial", "ms": 1500}])

        async def on_dtmf(ev):
            got["digits"] += ev["digit"]
            if ev["digit"] == "#":
                await ivr.call("hangup", chan=ev["chan"])

        ivr.on("offer", on_offer)
        ivr.on("answered", on_answered)
        ivr.on("dtmf", on_dtmf)
        sipp_media = free_udp_ports(4)
        rc, said = await run_sipp("uac_digits", f"127.0.0.1:{port}", "-s", "4008001234", "-p",
                                  str(free_udp_ports(1, even=False)), "-mp", str(sipp_media), "-rtp_echo",
                                  tmp_path=tmp_path)
        assert rc == 0, said
        assert got["offer"]["caller"] == "5551234" and got["offer"]["dialled"] == "4008001234"
        assert got["digits"] == "19#"
        await ivr.wait_for("ended", chan="trunk/1", since=0)
        done = await ivr.wait_for("record_done", chan="trunk/1", since=0)
        # the tone went to SIPp and came back: 450 Hz in what the line heard while it played
        assert tone_share(samples_of(done["path"])[1600:9600], 450) > 0.7
        await chand.board.recorder.drain()
        leg, = await chand.store.recent(1)
        assert leg.direction == "inbound" and leg.disposition == "answered" and leg.hangup_cause.startswith("16")
        rtp, = [e.data for e in await chand.store.events(leg.id) if e.kind == "rtp"]
        assert rtp["codec"] == "PCMA" and rtp["rx_packets"] > 100 and rtp["rx_dtmf"] == 3
        assert rtp["rx_lost"] == 0 and 0 <= rtp["jitter_ms"] < 100


@pytest.mark.parametrize("scenario", ["uas_answer", "uas_auth"])
async def test_outbound_call_through_a_trunk_group_to_sipp(tmp_path, scenario):
    """uas_auth: the far end asks for digest credentials first (401), and SIPp checks our answer."""
    need_sipp()
    port, sipp_port = free_udp_ports(1, even=False), free_udp_ports(1, even=False)
    spans = [sip_span(port, peer=f"127.0.0.1:{sipp_port}", username="4008001234", password="s3cret-enough")]
    async with running_chand(tmp_path, spans, clock=Clock.REALTIME, trunk_groups=[TrunkGroupSpec("out", ["trunk/*"])],
                             records=True) as chand:
        app = await chand.client("dialer")
        sipp = asyncio.create_task(run_sipp(scenario, "-p", str(sipp_port), "-mp", str(free_udp_ports(4)),
                                            "-rtp_echo", tmp_path=tmp_path))
        await listening(sipp_port)
        mark = app.mark()
        r = await app.call("dial", trunk_group="out", number="13800001111", caller_id="4008001")
        ev = await app.wait_for(lambda e: e.get("chan") == r["chan"] and e.get("event") in ("answered", "ended"),
                                timeout=20, since=mark)
        assert ev["event"] == "answered", ev
        rec = await app.call("record", chan=r["chan"], mode="rx")
        mark = app.mark()
        await app.call("play", chan=r["chan"], items=[{"tone": "dial", "ms": 1200}])
        await app.wait_for("play_done", chan=r["chan"], since=mark)
        await app.call("hangup", chan=r["chan"])
        rc, said = await sipp
        assert rc == 0, said
        done = await app.wait_for("record_done", chan=r["chan"], since=0)
        assert tone_share(samples_of(done["path"])[1600:8000], 450) > 0.7
        assert rec["path"] == done["path"]
        await chand.board.recorder.drain()
        leg, = await chand.store.recent(1)
        assert leg.direction == "outbound" and leg.dialled == "13800001111" and leg.disposition == "answered"


@pytest.mark.long
async def test_a_reinvite_moves_the_media_and_the_call_goes_on(tmp_path):
    need_sipp()
    port = free_udp_ports(1, even=False)
    async with running_chand(tmp_path, [sip_span(port)], clock=Clock.REALTIME, default_route="app:ivr",
                             records=True) as chand:
        ivr = await chand.client("ivr")

        async def on_offer(ev):
            await ivr.call("answer", chan=ev["chan"])

        async def on_answered(ev):
            await ivr.call("record", chan=ev["chan"], mode="rx")
            await ivr.call("play", chan=ev["chan"], items=[{"tone": "dial", "ms": 3500}])

        async def on_play_done(ev):
            await ivr.call("hangup", chan=ev["chan"])

        ivr.on("offer", on_offer)
        ivr.on("answered", on_answered)
        ivr.on("play_done", on_play_done)
        media = free_udp_ports(4)
        rc, said = await run_sipp("uac_reinvite", f"127.0.0.1:{port}", "-s", "800", "-p",
                                  str(free_udp_ports(1, even=False)), "-mp", str(media), "-rtp_echo", tmp_path=tmp_path)
        assert rc == 0, said
        done = await ivr.wait_for("record_done", chan="trunk/1", since=0)
        # after the re-INVITE (at about 1 s) the tone goes to the new port, and SIPp echoes it from there too
        assert tone_share(samples_of(done["path"])[20000:27000], 450) > 0.7
        await chand.board.recorder.drain()
        leg, = await chand.store.recent(1)
        rtp, = [e.data for e in await chand.store.events(leg.id) if e.kind == "rtp"]
        assert rtp["remote"] == f"127.0.0.1:{media + 2}"
