"""SIP phones as extensions of a sip span, against SIPp as the phone: registering with digest authentication,
answering a call dialled by its extension at the contact it registered, calling in as its extension, holding
and resuming; someone guessing a password is refused and then banned (by address) while another address still
registers. What reaches chand (events, the log, the call records) and what SIPp received are both checked."""
from __future__ import annotations

import asyncio
import logging

import pytest

from telephonist.config.sip import SipTrunkConfig
from telephonist.engine import Clock
from tests.sip.sipp import listening, need_sipp, run_sipp
from tests.sip.support import free_udp_ports, samples_of, tone_share
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand

PASSWORDS = {"201": "Desk-Phone-7f3a!", "202": "Other-Phone-9c2e?"}


def phones_span(sip_port: int, **sip) -> SpanSpec:
    return SpanSpec("phones", "e1", 2, driver="sip", codec="alaw", extensions=["201", "202"],
                    sip=SipTrunkConfig(bind=f"127.0.0.1:{sip_port}", rtp_host="127.0.0.1", rtp_port=free_udp_ports(4),
                                       passwords=dict(PASSWORDS), **sip))


def phone(ext: str, password: str = "", service: str = "") -> tuple[str, ...]:
    """SIPp as phone ext (its digest user and password), calling service (else registering as ext)."""
    return ("-s", service or ext, "-au", ext, "-ap", password or PASSWORDS[ext])


async def test_a_phone_registers_and_answers_a_call_dialled_by_its_extension(tmp_path):
    need_sipp()
    port, sipp_port = free_udp_ports(1, even=False), free_udp_ports(1, even=False)
    async with running_chand(tmp_path, [phones_span(port)], clock=Clock.REALTIME,
                             trunk_groups=[TrunkGroupSpec("agents", ["phones/*"])], records=True) as chand:
        app = await chand.client("acd")
        await app.call("subscribe", lines=True)
        # 202 never registered: the call fails at once, as an absent subscriber
        mark = app.mark()
        r = await app.call("dial", trunk_group="agents", number="202")
        assert r["chan"] == "phones/2"
        failed = await app.wait_for("dial_failed", chan="phones/2", since=mark, timeout=10)
        assert failed["cause"] == "20 subscriber_absent"

        # the phone: one SIPp takes calls at its contact, another registers it there
        sipp = asyncio.create_task(run_sipp("phone_answer", "-s", "201", "-p", str(sipp_port),
                                            "-mp", str(free_udp_ports(4)), "-rtp_echo", tmp_path=tmp_path))
        await listening(sipp_port)
        rc, said = await run_sipp("phone_register", f"127.0.0.1:{port}", *phone("201"), "-key", "contact_port",
                                  str(sipp_port), "-p", str(free_udp_ports(1, even=False)), tmp_path=tmp_path)
        assert rc == 0, said                # 401 first, then 200 naming the contact with its expiry
        reg = await app.wait_for("sip_registration", chan="phones/1", since=mark, timeout=20)
        assert reg["extension"] == "201" and reg["contact"] == f"sip:201@127.0.0.1:{sipp_port}"
        assert reg["expires_s"] == 120
        line, = [ln for ln in (await app.call("status"))["lines"] if ln["chan"] == "phones/1"]
        assert line["extension"] == "201" and line["registered"] == reg["contact"]

        mark = app.mark()
        r = await app.call("dial", trunk_group="agents", number="201", caller_id="4008001")
        assert r["chan"] == "phones/1"
        ev = await app.wait_for(lambda e: e.get("chan") == "phones/1" and e.get("event") in ("answered", "dial_failed"),
                                timeout=20, since=mark)
        assert ev["event"] == "answered", ev
        await app.call("record", chan="phones/1", mode="rx")
        mark = app.mark()
        await app.call("play", chan="phones/1", items=[{"tone": "dial", "ms": 1200}])
        await app.wait_for("play_done", chan="phones/1", since=mark)
        await app.call("hangup", chan="phones/1")
        rc, said = await sipp               # SIPp checked the INVITE came to its contact, and got our BYE
        assert rc == 0, said
        done = await app.wait_for("record_done", chan="phones/1", since=0)
        assert tone_share(samples_of(done["path"])[1600:8000], 450) > 0.7
        await chand.board.recorder.drain()
        answered, absent = await chand.store.recent(2)
        assert answered.dialled == "201" and answered.disposition == "answered" and answered.direction == "outbound"
        assert absent.dialled == "202" and absent.disposition == "failed" and absent.hangup_cause.startswith("20")


@pytest.mark.long
async def test_a_phone_calls_in_as_its_extension_holds_and_resumes(tmp_path):
    need_sipp()
    port = free_udp_ports(1, even=False)
    async with running_chand(tmp_path, [phones_span(port)], clock=Clock.REALTIME, default_route="app:desk",
                             records=True) as chand:
        desk = await chand.client("desk")
        got: dict = {}
        engine = chand.board.engine

        async def on_offer(ev):
            got["offer"] = ev
            await desk.call("answer", chan=ev["chan"])

        async def on_answered(ev):
            await desk.call("play", chan=ev["chan"], items=[{"tone": "dial", "ms": 60000}])

        async def on_hold(ev):
            got["hold"] = (ev, engine.rtp_stats(chand.board.line(ev["chan"]).chan).tx_packets)

        async def on_resume(ev):
            got["resume"] = (ev, engine.rtp_stats(chand.board.line(ev["chan"]).chan).tx_packets)
            await desk.call("hangup", chan=ev["chan"])

        desk.on("offer", on_offer)
        desk.on("answered", on_answered)
        desk.on("held", on_hold)
        desk.on("resumed", on_resume)
        rc, said = await run_sipp("phone_call_hold", f"127.0.0.1:{port}", *phone("201", service="5000"), "-p",
                                  str(free_udp_ports(1, even=False)), "-mp", str(free_udp_ports(4)), "-rtp_echo",
                                  tmp_path=tmp_path)
        assert rc == 0, said                # our answers said recvonly to the hold and sendrecv to the resume
        assert got["offer"]["chan"] == "phones/1"
        assert got["offer"]["caller"] == "201" and got["offer"]["dialled"] == "5000"
        (hold, tx_held), (resume, tx_resumed) = got["hold"], got["resume"]
        assert hold["mode"] == "sendonly" and resume["mode"] == "sendrecv"
        # 1.5 s on hold would be 75 packets at 20 ms: none went (one may have been on its way)
        assert tx_held > 20 and tx_resumed - tx_held <= 1
        await desk.wait_for("ended", chan="phones/1", since=0)
        await chand.board.recorder.drain()
        leg, = await chand.store.recent(1)
        assert leg.direction == "inbound" and leg.caller == "201" and leg.disposition == "answered"
        kinds = [(e.kind, e.data.get("mode")) for e in await chand.store.events(leg.id) if e.kind in ("held", "resumed")]
        assert kinds == [("held", "sendonly"), ("resumed", "sendrecv")]


async def test_a_wrong_password_again_and_again_bans_its_address(tmp_path, caplog):
    need_sipp()
    caplog.set_level(logging.INFO, logger="telephonist.chand.signalling.sip")
    port = free_udp_ports(1, even=False)
    async with running_chand(tmp_path, [phones_span(port, ban_failures=3, ban_s=600)], clock=Clock.REALTIME) as chand:
        watch = await chand.client("watch")
        await watch.call("subscribe", lines=True)
        rc, said = await run_sipp("phone_wrong_password", f"127.0.0.1:{port}", *phone("202", "Wrong-Guess-42xy"),
                                  "-p", str(free_udp_ports(1, even=False)), tmp_path=tmp_path)
        assert rc == 0, said                # 401, 401, 401, then 403 twice: the last one without even a challenge
        banned = await watch.wait_for("sip_banned", since=0, timeout=10)
        assert banned["source"] == "127.0.0.1" and banned["for_s"] == 600
        refusals = [e for e in watch.events.since(0) if e.get("event") == "sip_refused"]
        assert [(e["why"], e["user"], e["failures"]) for e in refusals[:3]] == [("wrong_password", "202", n)
                                                                                for n in (1, 2, 3)]
        assert refusals[3]["why"] == "banned" and refusals[3]["source"] == "127.0.0.1"
        logged = [r.getMessage() for r in caplog.records]
        assert any("event=sip_source_banned span=phones source=127.0.0.1 for_s=600" in m for m in logged)
        assert sum("event=sip_auth_refused" in m for m in logged) == 4

        # another address is not banned: phone 201 registers from 127.0.0.2
        mark = watch.mark()
        own = free_udp_ports(1, even=False)
        rc, said = await run_sipp("phone_register", f"127.0.0.1:{port}", *phone("201"), "-i", "127.0.0.2",
                                  "-p", str(own), "-key", "contact_port", str(own), tmp_path=tmp_path)
        assert rc == 0, said
        reg = await watch.wait_for("sip_registration", chan="phones/1", since=mark, timeout=10)
        assert reg["contact"].startswith("sip:201@127.0.0.2:")
        line, = [ln for ln in (await watch.call("status"))["lines"] if ln["chan"] == "phones/2"]
        assert line["registered"] == ""


async def test_a_call_with_a_wrong_password_counts_towards_the_ban_and_reaches_no_application(tmp_path):
    need_sipp()
    port = free_udp_ports(1, even=False)
    async with running_chand(tmp_path, [phones_span(port, ban_failures=2, ban_s=30)], clock=Clock.REALTIME,
                             default_route="app:desk") as chand:
        desk = await chand.client("desk")
        await desk.call("subscribe", lines=True)
        rc, said = await run_sipp("phone_invite_wrong_password", f"127.0.0.1:{port}",
                                  *phone("201", "Wrong-Guess-42xy", service="5000"),
                                  "-p", str(free_udp_ports(1, even=False)), tmp_path=tmp_path)
        assert rc == 0, said                # 401, 401, then 403: the second wrong answer banned the address
        banned = await desk.wait_for("sip_banned", since=0, timeout=10)
        assert banned["source"] == "127.0.0.1" and banned["for_s"] == 30
        refusals = [(e["why"], e["user"]) for e in desk.events.since(0) if e.get("event") == "sip_refused"]
        assert refusals == [("wrong_password", "201"), ("wrong_password", "201")]
        assert not [e for e in desk.events.since(0) if e.get("event") == "offer"]
