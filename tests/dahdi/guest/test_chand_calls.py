"""Calls through chand on real DAHDI channels: the state machines act on DAHDI's own hook and ring events.

The test's engine plays the exchange (35, facing chand's trunk 11) and a phone (37, facing chand's
phone port 13); an application on chand's control API answers, plays a prompt, hears DTMF and hangs
up, and the call records in chand's SQLite database must say what happened.
"""
from __future__ import annotations

import asyncio
import time

from chand_rig import PROMPT_MS, AsyncRig, echo_cancellers, tone_ms

from telephonist.client import Client
from telephonist.engine import CidEvent, CidStandard, Codec, Dsp, Hook, HookEvent, RecDone, RecMode, RingEvent, ToneEvent

EXCHANGE, PHONE = 35, 37            # the test's side of chand's pstn/1 (11) and phones/1 (13)
CALLER = "13912345678"


async def connect(chand, app: str, role: str = "app") -> Client:
    return await Client.connect_unix(chand.socket, app=app, role=role)


async def inbound_trunk_call(chand, tmp_path) -> None:
    app = await connect(chand, "reception")
    ex = AsyncRig([EXCHANGE])
    try:
        digits: list[str] = []
        app.on("dtmf", lambda ev: digits.append(ev["digit"]) if ev["chan"] == "pstn/1" else None)
        # The exchange rings once, then sends FSK caller ID before the second ring: the call is offered
        # with the caller's number, the first time.
        offered = app.expect("offer", chan="pstn/1")
        await asyncio.sleep(2.5)        # DAHDI tells RINGBEGIN only 2 s after a port was last hung up
        ex.hook(EXCHANGE, Hook.RING_ON)
        await asyncio.sleep(1.2)
        ex.hook(EXCHANGE, Hook.RING_OFF)
        await asyncio.sleep(0.8)        # past DAHDI's ring trailer on chand's side
        ex.engine.send_cid(ex.chan[EXCHANGE], CidStandard.BELL202, number=CALLER, datetime="11271630", mdmf=True)
        offer = await asyncio.wait_for(offered, 8)
        assert offer["caller"] == CALLER and offer["span"] == "pstn", offer

        # the application answers: the exchange sees the line go off hook
        answered = app.expect("answered", chan="pstn/1")
        await app.call("answer", chan="pstn/1")
        await ex.event_on(EXCHANGE, HookEvent, state=Hook.OFF)
        t_answer = time.monotonic()
        await asyncio.wait_for(answered, 30)
        assert "(EC: MG2 - ACTIVE)" in echo_cancellers()[11]      # the echo canceller runs during the call

        # a prompt: the application is told it played to the end, and the exchange heard it
        heard = str(tmp_path / "exchange-heard.wav")
        rec = ex.engine.record(ex.chan[EXCHANGE], heard, RecMode.RX, Codec.LINEAR)
        r = await app.call("play", chan="pstn/1", items=["prompt.wav"])
        done = await app.wait_for("play_done", chan="pstn/1", timeout=30)
        assert done["playback"] == r["playback"] and done["reason"] == "done", done
        assert done["played_ms"] >= PROMPT_MS - 40, done
        await asyncio.sleep(0.3)
        ex.engine.record_stop(ex.chan[EXCHANGE], rec)
        await ex.event_on(EXCHANGE, RecDone)
        got = await asyncio.to_thread(tone_ms, heard)
        assert got >= PROMPT_MS - 300, f"the exchange heard {got} ms of the {PROMPT_MS} ms prompt"

        # the caller keys digits: chand's engine detects them on the DAHDI channel
        ex.engine.send_dtmf(ex.chan[EXCHANGE], "42#")
        end = time.monotonic() + 30
        while "#" not in digits and time.monotonic() < end:
            await asyncio.sleep(0.1)
        assert "".join(digits) == "42#", digits

        # the caller hangs up: the exchange's kewlstart open loop is chand's disconnect
        await asyncio.sleep(max(0.0, 3.0 - (time.monotonic() - t_answer)))
        hung_up = app.expect("hangup", chan="pstn/1")
        ended = app.expect("ended", chan="pstn/1")
        ex.hook(EXCHANGE, Hook.ON)
        t_hangup = time.monotonic()
        hangup = await asyncio.wait_for(hung_up, 30)
        assert hangup["cause"] == "open_loop" and hangup["by"] == "remote", hangup
        end = await asyncio.wait_for(ended, 30)
        assert end["disposition"] == "answered", end
        assert "(EC: MG2 - INACTIVE)" in echo_cancellers()[11]

        leg = await chand.ended_leg("pstn", 1)
        held_ms = (t_hangup - t_answer) * 1000
        assert (leg["direction"], leg["caller"], leg["channel"]) == ("inbound", CALLER, 1)
        assert (leg["disposition"], leg["hangup_cause"], leg["application"]) == ("answered", "open_loop",
                                                                                  "app:reception")
        # answer -> hang-up as the exchange saw them, give or take DAHDI's debounce (~1.3 s)
        assert held_ms - 500 <= leg["talk_ms"] <= held_ms + 3000, (leg["talk_ms"], held_ms)
        assert leg["ring_ms"] > 0 and leg["answered_at"] is not None
        kinds = chand.event_kinds(leg["id"])
        assert kinds.count("dtmf") == len(digits) and "play" in kinds, kinds
    finally:
        ex.close()
        await app.close()


def test_inbound_trunk_call_ring_cid_answer_prompt_dtmf_hangup_record(chand, tmp_path):
    asyncio.run(inbound_trunk_call(chand, tmp_path))


async def phone_calls(chand) -> None:
    app = await connect(chand, "reception")
    ph = AsyncRig([PHONE])
    try:
        ph.engine.set_dsp(ph.chan[PHONE], Dsp.PROGRESS)
        await asyncio.sleep(0.5)

        # 1. The phone is lifted: dial tone, the number it keys, offered to the application.
        offered = app.expect("offer", chan="phones/1")
        ph.hook(PHONE, Hook.OFF)
        await ph.event_on(PHONE, ToneEvent, on=True, tone="dial")
        ph.engine.send_dtmf(ph.chan[PHONE], "8002#")
        offer = await asyncio.wait_for(offered, 30)
        assert (offer["caller"], offer["dialled"]) == ("8001", "8002"), offer
        await app.call("answer", chan="phones/1")
        # the application hangs up first: the phone gets the kewlstart open loop, then busy tone
        ended = app.expect("ended", chan="phones/1")
        await app.call("hangup", chan="phones/1")
        await ph.event_on(PHONE, HookEvent, state=Hook.OPEN_LOOP)
        await ph.event_on(PHONE, ToneEvent, on=True, tone="busy")
        ph.hook(PHONE, Hook.ON)
        end = await asyncio.wait_for(ended, 30)
        assert end["disposition"] == "answered", end
        leg = await chand.ended_leg("phones", 1)
        assert (leg["direction"], leg["caller"], leg["dialled"]) == ("inbound", "8001", "8002")
        await asyncio.sleep(2.0)        # the phone's on-hook settles (debounce)

        # 2. chand rings the phone; it answers (the driver takes the port off hook) and hangs up first.
        answered = app.expect("answered", chan="phones/1")
        r = await app.call("dial", trunk_group="agents", number="8001", caller_id=CALLER)
        assert r["chan"] == "phones/1"
        await ph.event_on(PHONE, RingEvent, on=True)
        ph.hook(PHONE, Hook.OFF)
        ans = await asyncio.wait_for(answered, 30)
        assert ans["how"] == "off_hook", ans
        await asyncio.sleep(2.0)        # longer than DAHDI's off-hook debounce
        hung_up = app.expect("hangup", chan="phones/1")
        ended = app.expect("ended", chan="phones/1")
        ph.hook(PHONE, Hook.ON)
        assert (await asyncio.wait_for(hung_up, 30))["cause"] == "on_hook"
        assert (await asyncio.wait_for(ended, 30))["disposition"] == "answered"
        leg = await chand.ended_leg("phones", 2)
        assert (leg["direction"], leg["dialled"], leg["disposition"]) == ("outbound", "8001", "answered")
        await asyncio.sleep(2.0)

        # 3. Messages wait for 8001 (ivrd would say so): the idle phone is told by FSK, and again
        #    when they are heard. The phone listens on hook, as a caller-ID phone does.
        ph.engine.set_dsp(ph.chan[PHONE], Dsp.PROGRESS | Dsp.CID)
        for n in (2, 0):
            assert (await app.call("mwi", extension="8001", messages=n))["lines"] == ["phones/1"]
            fields = (await ph.event_on(PHONE, CidEvent, timeout=8)).fields
            assert fields.get("mwi") == ("1" if n else "0"), (n, fields)
            if n:
                assert fields.get("messages") == str(n), fields
        ph.engine.set_dsp(ph.chan[PHONE], Dsp.PROGRESS)

        # 4. The port went back on hook when the phone hung up: it rings again.
        errors = app.mark()
        r = await app.call("dial", trunk_group="agents", number="8001", caller_id=CALLER)
        await ph.event_on(PHONE, RingEvent, on=True)
        await app.call("hangup", chan=r["chan"])
        await app.wait_for("ended", chan="phones/1", timeout=30)
        assert not [e for e in app.events[errors:] if e.get("event") == "error"], app.events[errors:]
    finally:
        ph.close()
        await app.close()


def test_phone_port_lifted_rung_answered_and_rung_again(chand):
    asyncio.run(phone_calls(chand))
