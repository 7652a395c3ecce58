"""ISDN PRI on sim E1 spans (libpri at both ends, tests/chand/test_pri_sim.py's bed): progress indicators and in-band
audio before the answer both ways, the exchange's refusal announced in-band (pri_inband_disconnect), the redirecting
number both ways, cause 34 when no B-channel is free, and RESTARTs (periodic ones, and what a line goes through).

What is asserted is what the far end's libpri was told and what it heard on the B-channel, what chand's applications
were told and what landed in the call records.
"""
from __future__ import annotations

import asyncio
import dataclasses

from telephonist.chand.assembly import SimPri
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.chand.test_pri_sim import _far_msgs, _far_told, _idle, _link_up
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand
from tests.support.signals import goertzel_dbm0, read_wav, tone, write_wav

ANNOUNCE_HZ = 800          # the far ends' "announcement": a tone no zone plays (cn's ringback and busy are 450 Hz)
HEARD_DBM0 = -30.0


def _announcement(tmp_path) -> str:
    return write_wav(tmp_path / "announcement.wav", tone([(ANNOUNCE_HZ, -10.0)], 2000))


def _level(path: str, hz: float = ANNOUNCE_HZ) -> float:
    wav = read_wav(path)
    return goertzel_dbm0(wav.samples[0], hz)


async def _far_recording(tester, far: str, path: str, ms: int = 800) -> str:
    """The far end records what it hears for ms; the file's path once done."""
    mark = tester.mark()
    await tester.call("sim.record", far=far, path=path, max_ms=ms)
    await tester.wait_for(lambda e: e.get("event") == "far" and e.get("far") == far and e.get("what") == "rec_done",
                          since=mark, timeout=10)
    return path


async def _events(chand, leg_id: int) -> list:
    await chand.board.recorder.drain()
    return await chand.store.events(leg_id)


async def test_inband_tones_before_answer_reach_a_transferred_caller_and_the_setup_names_the_forwarded_number(tmp_path):
    """A call from the exchange to 4001, answered and transferred (no chand ringback) to 13900139000 on the same span:
    our SETUP carries the redirecting number 4001 with reason deflection (3); the far end alerts with progress
    indicator 8 and plays its announcement; chand tells the transfer leg `progress` (inband), bridges the caller to it
    before any answer, and the caller's far end hears the announcement. The dialled leg's record notes it."""
    audio = _announcement(tmp_path)
    numbers = [NumberBehaviour("139*", "no_answer", inband=True, audio=audio)]
    spans = [SpanSpec("pri", "e1", 4, sim_pri=SimPri())]
    async with running_chand(tmp_path, spans, speed=1.0, default_route="app:desk", numbers=numbers, records=True,
                             trunk_groups=[TrunkGroupSpec("out", ["pri/3", "pri/4"])]) as chand:
        desk, tester = await chand.client("desk"), await chand.client("t")
        await tester.call("subscribe", lines=True, calls=True)
        await _link_up(chand, tester)
        await _idle(tester, {"pri/1", "pri/2", "pri/3", "pri/4"})
        await tester.call("sim.take", far="pri/3~far")
        offered = desk.expect("offer", chan="pri/1")
        caller = (await tester.call("sim.call", chan="pri/1", caller="13800138000", dialled="4001"))["far"]
        await asyncio.wait_for(offered, 10)
        await desk.call("answer", chan="pri/1")
        mark = tester.mark()
        out = await desk.call("transfer", chan="pri/1", trunk_group="out", number="13900139000", ringback=False)
        assert out["chan"] == "pri/3", out
        setup = await _far_told(tester, "pri/3~far", "SETUP", mark)
        assert (setup["called"], setup.get("redirecting"), setup.get("redirecting_reason")) == \
            ("13900139000", "4001", "3"), setup
        # the transfer leg's early media: chand's followers see its progress, and the caller is bridged to it
        await tester.wait_for(lambda e: e.get("event") == "call_event" and e.get("chan") == "pri/3"
                              and e.get("what") == "progress" and e.get("inband") is True, since=mark, timeout=10)
        await tester.wait_for(lambda e: e.get("event") == "call_event" and e.get("chan") == "pri/3"
                              and e.get("what") == "bridge", since=mark, timeout=10)
        st = {ln["chan"]: ln for ln in (await tester.call("status"))["lines"]}
        assert (st["pri/3"]["state"], st["pri/1"]["state"]) == ("proceeding", "up"), st
        heard = _level(await _far_recording(tester, caller, str(tmp_path / "caller-heard.wav")))
        assert heard > HEARD_DBM0, f"the caller heard the far end's announcement at {heard:.1f} dBm0"
        await tester.call("sim.hangup", far=caller)
        await _idle(tester, {"pri/1", "pri/3"})
        legs = {leg.channel: leg for leg in await chand.store.recent(2)}
        events = await _events(chand, legs[3].id)
        progress = [e.data for e in events if e.kind == "progress"]
        assert progress and progress[0]["progress"] == "ringing" and progress[0]["inband"] is True, progress
        dial = next(e.data for e in events if e.kind == "state" and e.data.get("signal") == "dial")
        assert (dial["redirecting"], dial["redirecting_reason"]) == ("4001", "deflection"), dial


async def test_chand_playing_before_answer_sends_progress_8_and_the_caller_hears_it(tmp_path):
    """A call forwarded to us (redirecting number 4001, reason unconditional 15): the application is offered it with
    the redirecting number, and the record keeps it; it plays an announcement before answering: the far end gets
    PROGRESS with progress indicator 8 and hears the announcement on the B-channel."""
    audio = _announcement(tmp_path)
    spans = [SpanSpec("pri", "e1", 2, sim_pri=SimPri())]
    async with running_chand(tmp_path, spans, speed=1.0, default_route="app:desk", records=True) as chand:
        desk, tester = await chand.client("desk"), await chand.client("t")
        await tester.call("subscribe", lines=True)
        await _link_up(chand, tester)
        await _idle(tester, {"pri/1", "pri/2"})
        mark = tester.mark()
        offered = desk.expect("offer", chan="pri/1")
        far = (await tester.call("sim.call", chan="pri/1", caller="13800138000", dialled="4002", redirecting="4001",
                                 redirecting_reason=15))["far"]
        offer = await asyncio.wait_for(offered, 10)
        assert (offer["redirecting"], offer["redirecting_reason"]) == ("4001", "unconditional"), offer
        await _far_told(tester, far, "ALERTING", mark)
        assert "PROGRESS" not in [k for k, _ in _far_msgs(tester, far, mark)]
        await desk.call("play", chan="pri/1", items=[audio], loop=True)
        progress = await _far_told(tester, far, "PROGRESS", mark)
        assert progress.get("inband") == "1" and progress.get("progress") == "8", progress
        heard = _level(await _far_recording(tester, far, str(tmp_path / "far-heard.wav")))
        assert heard > HEARD_DBM0, f"the caller heard our announcement at {heard:.1f} dBm0"
        await desk.call("hangup", chan="pri/1", cause="rejected")
        await _far_told(tester, far, "DISCONNECT", mark)
        await _idle(tester, {"pri/1"})
        leg = (await chand.store.recent(1))[0]
        events = await _events(chand, leg.id)
        incoming = next(e.data for e in events if e.kind == "state" and e.data.get("signal") == "incoming")
        assert (incoming["redirecting"], incoming["redirecting_reason"]) == ("4001", "unconditional"), incoming
        sent = [e.data for e in events if e.kind == "progress"]
        assert sent == [{"progress": "progress", "inband": True, "sent": True}], sent


async def test_a_refusal_announced_in_band_is_heard_before_the_call_clears(tmp_path):
    """The exchange refuses our call with user busy (17) and progress indicator 8, playing why. With
    pri_inband_disconnect the application is told `progress` (announcement, inband, the cause), hears the
    announcement on its channel, and the call clears after pri_inband_disconnect_ms (1.5 s here) with 17: busy in the
    record, DISCONNECT 17 to the far end. Without it (the second span) the call fails at once with 17, unheard."""
    audio = _announcement(tmp_path)
    numbers = [NumberBehaviour("139*", "busy", inband=True, audio=audio)]
    listening = dataclasses.replace(SpanSpec("pri", "e1", 1).options, inband_disconnect=True,
                                    inband_disconnect_ms=1500)
    spans = [SpanSpec("pri", "e1", 1, options=listening, sim_pri=SimPri(inband_disconnect=True)),
             SpanSpec("plain", "e1", 1, sim_pri=SimPri())]
    groups = [TrunkGroupSpec("listen", ["pri/1"]), TrunkGroupSpec("plain", ["plain/1"])]
    async with running_chand(tmp_path, spans, speed=1.0, numbers=numbers, records=True, trunk_groups=groups) as chand:
        app, tester = await chand.client("crm"), await chand.client("t")
        await tester.call("subscribe", lines=True)
        await _link_up(chand, tester)
        await _idle(tester, {"pri/1", "plain/1"})
        await tester.call("sim.take", far="pri/1~far")
        mark, app_mark = tester.mark(), app.mark()
        out = await app.call("dial", trunk_group="listen", number="13900139000", caller_id="4008")
        told = await app.wait_for("progress", chan="pri/1", since=app_mark, timeout=10)
        assert (told["what"], told["inband"], told["cause"]) == ("announcement", True, "17 user_busy"), told
        rec = await app.call("record", chan="pri/1", mode="rx", max_ms=600)
        done = await app.wait_for("record_done", since=app_mark, timeout=10)
        heard = _level(rec["path"])
        assert heard > HEARD_DBM0, f"our line heard the exchange's announcement at {heard:.1f} dBm0 ({done})"
        failed = await app.wait_for("dial_failed", chan="pri/1", since=app_mark, timeout=10)
        assert (failed["cause"], failed["disposition"], failed["call_id"]) == ("17 user_busy", "busy", out["call_id"])
        assert failed["time_ms"] - told["time_ms"] >= 1500, (told, failed)
        disconnect = await _far_told(tester, "pri/1~far", "DISCONNECT", mark)
        assert disconnect["cause"] == "17", disconnect
        await _idle(tester, {"pri/1"})

        app_mark = app.mark()
        await app.call("dial", trunk_group="plain", number="13900139001", caller_id="4008")
        failed = await app.wait_for("dial_failed", chan="plain/1", since=app_mark, timeout=10)
        assert (failed["cause"], failed["disposition"]) == ("17 user_busy", "busy"), failed
        assert not [e for e in app.events.since(app_mark) if e.get("event") == "progress"]
        await _idle(tester, {"plain/1"})
        await chand.board.recorder.drain()
        legs = {leg.span: leg for leg in await chand.store.recent(2)}
        assert (legs["pri"].disposition, legs["pri"].hangup_cause) == ("busy", "17 user_busy"), legs["pri"]
        assert (legs["plain"].disposition, legs["plain"].hangup_cause) == ("busy", "17 user_busy"), legs["plain"]
        announced = [e.data for e in await _events(chand, legs["pri"].id) if e.kind == "progress"]
        assert announced == [{"progress": "announcement", "inband": True, "cause": "17 user_busy"}], announced


async def test_no_free_b_channel_gets_cause_34_and_34_from_the_exchange_is_a_failed_call(tmp_path):
    """Our end does not serve timeslot 3 and pri/1, pri/2 carry calls: a SETUP preferring timeslot 3 finds no free
    B-channel and is refused with 34 (no circuit/channel available), offered nowhere. Our own call refused by the
    exchange with 34 (congestion) fails: `34 no_circuit`, disposition failed."""
    numbers = [NumberBehaviour("139*", "congestion")]
    spans = [SpanSpec("pri", "e1", 3, sim_pri=SimPri(far_channel="preferred", near_unused=3))]
    async with running_chand(tmp_path, spans, speed=1.0, default_route="app:desk", numbers=numbers, records=True,
                             trunk_groups=[TrunkGroupSpec("out", ["pri/1"])]) as chand:
        desk, tester = await chand.client("desk"), await chand.client("t")
        await tester.call("subscribe", lines=True)
        await _link_up(chand, tester)
        await _idle(tester, {"pri/1", "pri/2"})
        mark = desk.mark()
        await desk.call("dial", trunk_group="out", number="13900139000", caller_id="4008")
        failed = await desk.wait_for("dial_failed", chan="pri/1", since=mark, timeout=10)
        assert (failed["cause"], failed["disposition"]) == ("34 no_circuit", "failed"), failed
        await _idle(tester, {"pri/1"})

        fars = []
        for chan in ("pri/1", "pri/2"):
            offered = desk.expect("offer", chan=chan)
            fars.append((await tester.call("sim.call", chan=chan, caller="1", dialled="100"))["far"])
            await asyncio.wait_for(offered, 10)
        mark, desk_mark = tester.mark(), desk.mark()
        far = (await tester.call("sim.call", chan="pri/3", caller="2", dialled="200"))["far"]
        told = await _far_told(tester, far, "DISCONNECT", mark)
        assert told["cause"] == "34", told
        assert not [e for e in desk.events.since(desk_mark) if e.get("event") == "offer"]
        for f in fars:
            await tester.call("sim.hangup", far=f)
        await _idle(tester, {"pri/1", "pri/2"})
        await chand.board.recorder.drain()
        legs = await chand.store.recent(3)
        out = next(leg for leg in legs if leg.direction == "outbound")
        assert (out.disposition, out.hangup_cause) == ("failed", "34 no_circuit"), out
        assert len([leg for leg in legs if leg.direction == "inbound"]) == 2, legs


async def test_periodic_restarts_go_line_by_line_and_a_restart_clears_a_call_with_41(tmp_path):
    """restart_interval (2 s here; pri_restart_interval in seconds in the config): every round restarts the idle
    B-channels one at a time, each line `blocked` while its RESTART is out and `idle` once acknowledged; a line with a
    call is left for the next round. The admin's RESTART under a call ends it with 41 on both sides, and the line is
    blocked until the far end acknowledged."""
    opts = dataclasses.replace(SpanSpec("pri", "e1", 2).options, restart_interval_ms=2000)
    spans = [SpanSpec("pri", "e1", 2, options=opts, sim_pri=SimPri())]
    async with running_chand(tmp_path, spans, speed=1.0, default_route="app:desk", records=True) as chand:
        desk, tester = await chand.client("desk"), await chand.client("t")
        admin = await chand.client("admin", role="admin")
        await tester.call("subscribe", lines=True)
        await _link_up(chand, tester)
        await _idle(tester, {"pri/1", "pri/2"})
        # a call on pri/2 through a round: only pri/1 is restarted
        offered = desk.expect("offer", chan="pri/2")
        far = (await tester.call("sim.call", chan="pri/2", caller="1", dialled="100"))["far"]
        await asyncio.wait_for(offered, 10)
        await desk.call("answer", chan="pri/2")
        mark = tester.mark()
        ev = await tester.wait_for("line_restarted", chan="pri/1", since=mark, timeout=10)
        assert ev["acknowledged"] is True, ev
        kinds = [(e["chan"], e["state"]) for e in tester.events.since(mark)
                 if e.get("event") == "line_state" and e.get("chan") in ("pri/1", "pri/2")]
        assert kinds == [("pri/1", "blocked"), ("pri/1", "idle")], kinds

        # the admin restarts pri/2 under its call: 41 both ways, blocked until acknowledged, then idle
        mark, desk_mark = tester.mark(), desk.mark()
        await tester.call("sim.take", far=far)
        await admin.call("restart", chan="pri/2")
        hangup = await desk.wait_for("hangup", chan="pri/2", since=desk_mark, timeout=10)
        assert hangup["cause"] == "41 temporary_failure", hangup
        told = await _far_told(tester, far, "DISCONNECT", mark)
        assert (told["cause"], told.get("restart")) == ("41", "1"), told
        await tester.wait_for("line_restarted", chan="pri/2", since=mark, timeout=10)
        await _idle(tester, {"pri/2"})
        states = [e["state"] for e in tester.events.since(mark) if e.get("event") == "line_state"
                  and e.get("chan") == "pri/2"]
        assert states[-2:] == ["blocked", "idle"], states

        # the next round restarts both, one after the other
        mark = tester.mark()
        for chan in ("pri/1", "pri/2"):
            await tester.wait_for("line_restarted", chan=chan, since=mark, timeout=10)
        seq = [(e["chan"], e["state"]) for e in tester.events.since(mark)
               if e.get("event") == "line_state" and e.get("chan") in ("pri/1", "pri/2")]
        assert seq[:4] == [("pri/1", "blocked"), ("pri/1", "idle"), ("pri/2", "blocked"), ("pri/2", "idle")], seq
        await chand.board.recorder.drain()
        leg = (await chand.store.recent(1))[0]
        assert (leg.channel, leg.disposition, leg.hangup_cause) == (2, "answered", "41 temporary_failure"), leg
