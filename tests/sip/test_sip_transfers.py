"""Transfers on sip lines against SIPp: a caller transferring its call away by REFER (blind), two calls joined
by a REFER with Replaces (attended), an INVITE with Replaces taking over a call, and chand's own `transfer`
going out as REFER on a trunk that takes them. The far side of each SIP call is a sim E1 line, so what the
transferred party hears is checked by DTMF from one sim far end reaching the other."""
from __future__ import annotations

import asyncio
import os

import pytest

from telephonist.chand.routing import Route
from telephonist.config.sip import SipTrunkConfig
from telephonist.drivers.sim.far_end import NumberBehaviour
from telephonist.engine import Clock
from tests.sip.sipp import listening, need_sipp, run_sipp
from tests.sip.support import free_udp_ports
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand


def trunk(sip_port: int, **sip) -> SpanSpec:
    return SpanSpec("trunk", "e1", 2, driver="sip", codec="alaw",
                    sip=SipTrunkConfig(bind=f"127.0.0.1:{sip_port}", rtp_host="127.0.0.1", rtp_port=free_udp_ports(4),
                                       **sip))


SPANS_AND_GROUPS = dict(trunk_groups=[TrunkGroupSpec("out", ["pstn/*"])],
                        numbers=[NumberBehaviour("138*", "answer", after_rings=1)])


async def bridge_each_caller_to_the_pstn(chand, number: str = "13800001111"):
    """The application: an inbound SIP call is answered only once a call it dials for it on the sim E1 is
    answered, and then bridged with it (so the two are bridged before the SIP caller sends anything)."""
    ivr = await chand.client("ivr")
    pending: dict[str, str] = {}          # the dialled line -> the SIP line waiting for it
    ivr.bridged = asyncio.Queue()

    async def on_offer(ev):
        r = await ivr.call("dial", trunk_group="out", number=number)
        pending[r["chan"]] = ev["chan"]

    async def on_answered(ev):
        sip_line = pending.pop(ev["chan"], None)
        if sip_line:
            await ivr.call("answer", chan=sip_line)
            b = await ivr.call("bridge", chans=[sip_line, ev["chan"]])
            await ivr.bridged.put((sip_line, ev["chan"], b["bridge"]))

    ivr.on("offer", on_offer)
    ivr.on("answered", on_answered)
    return ivr


async def dtmf_passes(tester, frm: str, to: str) -> None:
    """DTMF from the sim far end frm reaches the sim far end to: the two calls hear each other."""
    mark = tester.mark()
    await tester.call("sim.dtmf", far=frm, digits="47")
    await tester.wait_for("far", far=to, what="dtmf", digit="7", since=mark, timeout=10)


@pytest.mark.long
async def test_a_sip_caller_transfers_its_call_away_by_refer(tmp_path):
    need_sipp()
    port = free_udp_ports(1, even=False)
    spans = [trunk(port, refer_trunk_group="out"), SpanSpec("pstn", "e1", 2)]
    async with running_chand(tmp_path, spans, clock=Clock.REALTIME, default_route="app:ivr", records=True,
                             **SPANS_AND_GROUPS) as chand:
        ivr = await bridge_each_caller_to_the_pstn(chand)
        tester = await chand.client("tester")
        monitor = await chand.client("board", "monitor")
        await monitor.call("subscribe", lines=True, calls=True)
        await tester.call("sim.take", far="pstn/2~far")
        rc, said = await run_sipp("uac_refer", f"127.0.0.1:{port}", "-s", "400", "-set", "target", "13811112222",
                                  "-p", str(free_udp_ports(1, even=False)), "-mp", str(free_udp_ports(4)),
                                  tmp_path=tmp_path)
        # SIPp had 202, NOTIFY 100 Trying, NOTIFY 200 OK (subscription terminated), then hung up
        assert rc == 0, said
        sip_line, party, _ = await asyncio.wait_for(ivr.bridged.get(), 10)
        assert (sip_line, party) == ("trunk/1", "pstn/1")
        await monitor.wait_for(lambda e: e.get("event") == "call_event" and e["what"] == "bridge"
                                    and e["chan"] == "pstn/2", timeout=10, since=0)
        board = chand.board
        assert board.lines["pstn/1"].bridge is board.lines["pstn/2"].bridge is not None
        assert board.lines["pstn/2"].call.dialled == "13811112222"
        await dtmf_passes(tester, "pstn/1~far", "pstn/2~far")
        await monitor.wait_for("line_state", chan="trunk/1", state="idle", since=0, timeout=10)
        await tester.call("sim.hangup", far="pstn/1~far")
        for chan in ("pstn/1", "pstn/2"):
            await monitor.wait_for("line_state", chan=chan, state="idle", since=0, timeout=10)
        await board.recorder.drain()
        legs = {f"{leg.span}/{leg.channel}": leg for leg in await chand.store.recent(5)}
        refer, = [e.data for e in await chand.store.events(legs["trunk/1"].id) if e.kind == "refer"]
        assert refer["to"] == "13811112222"
        progress = [e.data["status"] for e in await chand.store.events(legs["trunk/1"].id)
                    if e.kind == "refer_progress"]
        assert progress == [200]
        transfer, = [e.data for e in await chand.store.events(legs["pstn/1"].id) if e.kind == "transfer"]
        assert transfer["to"] == "13811112222" and transfer["by"] == "refer:trunk/1"
        assert legs["pstn/2"].call_id == legs["pstn/1"].call_id and legs["pstn/2"].disposition == "answered"


async def test_a_refer_nobody_can_take_is_declined(tmp_path):
    """No extension, no route and no refer_trunk_group for the target: the final NOTIFY says 404 (SIPp, wanting
    200, fails), and nothing is dialled for it."""
    need_sipp()
    port = free_udp_ports(1, even=False)
    spans = [trunk(port), SpanSpec("pstn", "e1", 2)]
    async with running_chand(tmp_path, spans, clock=Clock.REALTIME, default_route="app:ivr", records=True,
                             **SPANS_AND_GROUPS) as chand:
        ivr = await bridge_each_caller_to_the_pstn(chand)
        monitor = await chand.client("board", "monitor")
        await monitor.call("subscribe", calls=True)
        rc, said = await run_sipp("uac_refer", f"127.0.0.1:{port}", "-s", "400", "-set", "target", "13811112222",
                                  "-p", str(free_udp_ports(1, even=False)), "-mp", str(free_udp_ports(4)),
                                  tmp_path=tmp_path)
        assert rc != 0, said
        ev = await monitor.wait_for(lambda e: e.get("event") == "call_event" and e["what"] == "refer_progress",
                                    timeout=10, since=0)
        assert ev["chan"] == "trunk/1" and ev["status"] == 404
        assert (await asyncio.wait_for(ivr.bridged.get(), 10))[:2] == ("trunk/1", "pstn/1")
        # nothing was dialled for it, and the party was not taken from its application
        assert chand.board.lines["pstn/2"].state.value == "idle" and chand.board.lines["pstn/2"].calls_total == 0
        assert not [e for e in monitor.events if e.get("what") == "transfer"]


async def test_chand_transfers_a_call_by_refer_on_a_trunk_that_takes_them(tmp_path):
    """[spans.sip] transfer = "refer": the `transfer` command asks the peer (SIPp as a PBX) to transfer the call;
    its final NOTIFY (200) ends the call here (BYE), and the application hears `transferred`."""
    need_sipp()
    port, sipp_port = free_udp_ports(1, even=False), free_udp_ports(1, even=False)
    spans = [trunk(port, peer=f"127.0.0.1:{sipp_port}", transfer="refer")]
    async with running_chand(tmp_path, spans, clock=Clock.REALTIME, records=True,
                             trunk_groups=[TrunkGroupSpec("sip", ["trunk/*"])]) as chand:
        app = await chand.client("dialer")
        sipp = asyncio.create_task(run_sipp("uas_refer", "-p", str(sipp_port), "-mp", str(free_udp_ports(4)),
                                            "-set", "target", "5550100", tmp_path=tmp_path))
        await listening(sipp_port)
        mark = app.mark()
        r = await app.call("dial", trunk_group="sip", number="13800001111")
        ev = await app.wait_for(lambda e: e.get("chan") == r["chan"] and e.get("event") in ("answered", "ended"),
                                timeout=20, since=mark)
        assert ev["event"] == "answered", ev
        reply = await app.call("transfer", chan=r["chan"], number="5550100")
        assert reply["chan"] == r["chan"] and reply["refer"] is True
        done = await app.wait_for("transferred", chan=r["chan"], since=mark, timeout=20)
        assert done["how"] == "refer" and done["number"] == "5550100"
        await app.wait_for("ended", chan=r["chan"], since=mark, timeout=20)
        rc, said = await sipp
        assert rc == 0, said                # SIPp saw REFER to 5550100, and our BYE after its NOTIFY 200
        await chand.board.recorder.drain()
        leg, = await chand.store.recent(1)
        kinds = {e.kind: e.data for e in await chand.store.events(leg.id)}
        assert kinds["transfer"]["how"] == "refer" and kinds["transfer"]["to"] == "5550100"
        assert kinds["transfer_done"]["status"] == 200 and leg.disposition == "answered"


async def test_a_refused_refer_leaves_the_call_with_its_application(tmp_path):
    """The peer refuses our REFER (SIPp answers 400 to a Refer-To it did not expect): `transfer_failed`, and the
    call is still up and the application's."""
    need_sipp()
    port, sipp_port = free_udp_ports(1, even=False), free_udp_ports(1, even=False)
    spans = [trunk(port, peer=f"127.0.0.1:{sipp_port}", transfer="refer")]
    async with running_chand(tmp_path, spans, clock=Clock.REALTIME, records=True,
                             trunk_groups=[TrunkGroupSpec("sip", ["trunk/*"])]) as chand:
        app = await chand.client("dialer")
        sipp = asyncio.create_task(run_sipp("uas_refer", "-p", str(sipp_port), "-mp", str(free_udp_ports(4)),
                                            "-set", "target", "5550199", tmp_path=tmp_path))
        await listening(sipp_port)
        mark = app.mark()
        r = await app.call("dial", trunk_group="sip", number="13800001111")
        await app.wait_for("answered", chan=r["chan"], since=mark, timeout=20)
        await app.call("transfer", chan=r["chan"], number="5550100")
        failed = await app.wait_for("transfer_failed", chan=r["chan"], since=mark, timeout=20)
        assert failed["status"] == 400
        line = chand.board.lines[r["chan"]]
        assert line.state.value == "up" and line.owner == app.session
        await app.call("play", chan=r["chan"], items=[{"silence": 100}])     # still the application's call
        await app.call("hangup", chan=r["chan"])
        rc, said = await sipp
        assert rc != 0                      # SIPp's scenario fails on the Refer-To it did not want


async def replaces_of(tmp_path, proc: "asyncio.Task", within_s: float = 20.0) -> str:
    """The Replaces value uac_to_be_replaced logged ("call-id;to-tag=...;from-tag=...") once its call is up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while loop.time() < deadline and not proc.done():
        for name in os.listdir(tmp_path):
            if name.startswith("uac_to_be_replaced") and name.endswith("_logs.log"):
                for line in open(os.path.join(tmp_path, name)):
                    if line.startswith("REPLACES "):
                        return line.split(" ", 1)[1].strip()
        await asyncio.sleep(0.05)
    raise AssertionError(f"the call to be replaced never said its dialog: {proc.result() if proc.done() else ''}")


async def test_an_invite_with_replaces_takes_over_a_call_and_its_media(tmp_path):
    need_sipp()
    port = free_udp_ports(1, even=False)
    async with running_chand(tmp_path, [trunk(port)], clock=Clock.REALTIME, default_route="app:ivr",
                             records=True) as chand:
        ivr = await chand.client("ivr")
        ivr.on("offer", lambda ev: ivr.call("answer", chan=ev["chan"]))
        first = asyncio.create_task(run_sipp("uac_to_be_replaced", f"127.0.0.1:{port}", "-s", "400", "-trace_logs",
                                             "-p", str(free_udp_ports(1, even=False)), "-mp", str(free_udp_ports(4)),
                                             tmp_path=tmp_path))
        replaces = await replaces_of(tmp_path, first)
        media = free_udp_ports(4)
        rc, said = await run_sipp("uac_replaces", f"127.0.0.1:{port}", "-s", "400", "-set", "replaces", replaces,
                                  "-p", str(free_udp_ports(1, even=False)), "-mp", str(media), tmp_path=tmp_path)
        assert rc == 0, said                # 200 to the INVITE with Replaces, and the call went on until its BYE
        rc, said = await first
        assert rc == 0, said                # the replaced dialog got our BYE
        await ivr.wait_for("ended", chan="trunk/1", since=0, timeout=10)
        replaced = await ivr.wait_for("replaced", chan="trunk/1", since=0)
        assert replaced["by"] == "5557777"
        assert chand.board.lines["trunk/2"].calls_total == 0      # no new call: the old one was taken over
        await chand.board.recorder.drain()
        leg, = await chand.store.recent(5)
        events = {e.kind: e.data for e in await chand.store.events(leg.id)}
        assert events["replaced"]["by"] == "5557777"
        assert events["rtp"]["remote"] == f"127.0.0.1:{media}"     # RTP followed the new dialog's SDP


@pytest.mark.long
async def test_an_attended_transfer_by_refer_with_replaces_joins_the_two_parties(tmp_path):
    """A PBX user has two calls with us (each bridged by the application to a sim E1 line) and transfers the
    first to the second: REFER with Replaces naming the second. The two sim lines are bridged, the second
    call is cleared (BYE), and the first is told 200 by NOTIFY."""
    need_sipp()
    port = free_udp_ports(1, even=False)
    spans = [trunk(port), SpanSpec("pstn", "e1", 2)]
    async with running_chand(tmp_path, spans, clock=Clock.REALTIME, default_route="app:ivr", records=True,
                             **SPANS_AND_GROUPS) as chand:
        ivr = await bridge_each_caller_to_the_pstn(chand)
        tester = await chand.client("tester")
        monitor = await chand.client("board", "monitor")
        await monitor.call("subscribe", lines=True)
        await tester.call("sim.take", far="pstn/2~far")
        await tester.call("sim.take", far="pstn/1~far")
        second = asyncio.create_task(run_sipp("uac_to_be_replaced", f"127.0.0.1:{port}", "-s", "401", "-trace_logs",
                                              "-p", str(free_udp_ports(1, even=False)), "-mp", str(free_udp_ports(4)),
                                              tmp_path=tmp_path))
        replaces = await replaces_of(tmp_path, second)
        b_sip, b_party, _ = await asyncio.wait_for(ivr.bridged.get(), 10)
        escaped = replaces.replace("@", "%40").replace(";", "%3B").replace("=", "%3D")
        rc, said = await run_sipp("uac_refer_replaces", f"127.0.0.1:{port}", "-s", "400", "-set", "target", "401",
                                  "-set", "replaces", escaped, "-p", str(free_udp_ports(1, even=False)),
                                  "-mp", str(free_udp_ports(4)), tmp_path=tmp_path)
        assert rc == 0, said                # 202, NOTIFY 100, NOTIFY 200
        rc, said = await second
        assert rc == 0, said                # the replaced call got our BYE
        a_sip, a_party, _ = await asyncio.wait_for(ivr.bridged.get(), 10)
        board = chand.board
        assert board.lines[a_party].bridge is board.lines[b_party].bridge is not None
        await dtmf_passes(tester, f"{a_party}~far", f"{b_party}~far")
        await dtmf_passes(tester, f"{b_party}~far", f"{a_party}~far")
        await tester.call("sim.hangup", far=f"{a_party}~far")
        await ivr.wait_for("ended", chan=b_sip, since=0, timeout=10)
        for chan in (a_party, b_party, a_sip):
            await monitor.wait_for("line_state", chan=chan, state="idle", since=0, timeout=10)
        await board.recorder.drain()
        legs = {f"{leg.span}/{leg.channel}": leg for leg in await chand.store.recent(6)}
        transfer, = [e.data for e in await chand.store.events(legs[a_party].id) if e.kind == "transfer"]
        assert transfer["joined"] == b_party and transfer["by"] == f"refer:{a_sip}" and transfer["replaces"] == b_sip
        refer, = [e.data for e in await chand.store.events(legs[a_sip].id) if e.kind == "refer"]
        assert refer["replaces"] == b_sip


@pytest.mark.long
async def test_a_refer_to_an_extension_rings_that_phone(tmp_path):
    """The REFER's target is the extension of a phone (a sim FXS port in a trunk group): that phone rings and,
    when it answers, is bridged with the party; the referrer hears 200."""
    need_sipp()
    port = free_udp_ports(1, even=False)
    spans = [trunk(port), SpanSpec("pstn", "e1", 2), SpanSpec("desk", "fxs", 1, extensions=["201"])]
    async with running_chand(tmp_path, spans, clock=Clock.REALTIME, default_route="app:ivr", records=True,
                             trunk_groups=[TrunkGroupSpec("out", ["pstn/*"]), TrunkGroupSpec("agents", ["desk/*"])],
                             numbers=SPANS_AND_GROUPS["numbers"]) as chand:
        await bridge_each_caller_to_the_pstn(chand)
        tester = await chand.client("tester")
        await tester.call("sim.take", far="desk/1~far", auto_answer_rings=1)
        rc, said = await run_sipp("uac_refer", f"127.0.0.1:{port}", "-s", "400", "-set", "target", "201",
                                  "-p", str(free_udp_ports(1, even=False)), "-mp", str(free_udp_ports(4)),
                                  tmp_path=tmp_path)
        assert rc == 0, said                # NOTIFY 200 once the phone answered
        board = chand.board
        assert board.lines["pstn/1"].bridge is board.lines["desk/1"].bridge is not None
        await dtmf_passes(tester, "pstn/1~far", "desk/1~far")


async def test_a_refer_to_a_routed_number_hands_the_party_to_its_application(tmp_path):
    need_sipp()
    port = free_udp_ports(1, even=False)
    spans = [trunk(port), SpanSpec("pstn", "e1", 2)]
    async with running_chand(tmp_path, spans, clock=Clock.REALTIME, default_route="app:ivr", records=True,
                             routes=[Route("app:queue", dialled="500")], **SPANS_AND_GROUPS) as chand:
        await bridge_each_caller_to_the_pstn(chand)
        queue = await chand.client("queue")
        rc, said = await run_sipp("uac_refer", f"127.0.0.1:{port}", "-s", "400", "-set", "target", "500",
                                  "-p", str(free_udp_ports(1, even=False)), "-mp", str(free_udp_ports(4)),
                                  tmp_path=tmp_path)
        assert rc == 0, said
        offer = await queue.wait_for("offer", since=0, timeout=10)
        assert offer["chan"] == "pstn/1" and offer["reason"] == "refer"
        await queue.call("play", chan="pstn/1", items=[{"silence": 100}])     # the queue's call now
        assert chand.board.lines["pstn/1"].bridge is None
