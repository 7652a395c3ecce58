"""An application answers a sim call, plays, collects digits, dials out and bridges; both legs end right."""
import asyncio

import pytest

from telephonist.chand.routing import Route
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand


async def test_inbound_collect_dial_bridge(tmp_path):
    spans = [SpanSpec("pstn", "fxo", 2), SpanSpec("e1a", "e1", 4)]
    async with running_chand(tmp_path, spans, trunk_groups=[TrunkGroupSpec("out", ["e1a/*"])],
                             routes=[Route("ivr:main", dialled="4008*")], default_route="ivr:other",
                             numbers=[NumberBehaviour("1380*", "answer", after_rings=2)], records=True) as chand:
        ivr = await chand.client("ivr")
        tester = await chand.client("tester")
        collected = asyncio.Event()
        result = {}

        async def on_offer(ev):
            result["offer"] = ev
            await ivr.call("answer", chan=ev["chan"])

        async def on_answered(ev):
            if ev["chan"].startswith("e1a/1") or ev["chan"] == result.get("out"):
                result["out_answered"] = True
                await ivr.call("bridge", chans=[result["offer"]["chan"], ev["chan"]])
                collected.set()
                return
            await ivr.call("collect", chan=ev["chan"], min=4, max=4, prompt=[{"tone": "dial", "ms": 3000}])

        async def on_collect_done(ev):
            result["digits"] = ev["digits"]
            r = await ivr.call("dial", trunk_group="out", number="13800" + ev["digits"], caller_id="4008001")
            result["out"] = r["chan"]

        ivr.on("offer", on_offer)
        ivr.on("answered", on_answered)
        ivr.on("collect_done", on_collect_done)

        mark = tester.mark()
        r = await tester.call("sim.call", chan="e1a/3", caller="13912345678", dialled="4008001234")
        far = r["far"]
        await tester.wait_for("far", far=far, what="connected", since=mark)
        await tester.call("sim.dtmf", far=far, digits="1234")
        await asyncio.wait_for(collected.wait(), 30)
        assert result["digits"] == "1234"
        assert result["offer"]["caller"] == "13912345678"
        assert result["offer"]["dialled"] == "4008001234"
        assert result["offer"]["target"] == "main"
        st = await tester.call("status")
        states = {ln["chan"]: ln for ln in st["lines"]}
        assert states["e1a/3"]["state"] == "up" and states["e1a/3"]["bridge"]
        assert states[result["out"]]["state"] == "up"
        out_far = chand.board.sim.by_name[result["out"]]
        assert out_far.dialled == "138001234"
        # the caller hangs up: the bridge breaks, the app hangs up the other leg
        ivr.on("hangup", lambda ev: ivr.call("hangup", chan=result["out"]) if ev["chan"] == "e1a/3" else None)
        mark = ivr.mark()
        await tester.call("sim.hangup", far=far)
        await ivr.wait_for("ended", chan=result["out"], since=mark)

        await chand.board.recorder.drain()
        legs = await chand.store.recent(10)
        by_chan = {f"{leg.span}/{leg.channel}": leg for leg in legs}
        inbound, outbound = by_chan["e1a/3"], by_chan[result["out"]]
        assert inbound.direction == "inbound" and outbound.direction == "outbound"
        assert (inbound.caller, inbound.dialled, inbound.application) == ("13912345678", "4008001234", "ivr:main")
        assert (outbound.caller, outbound.dialled, outbound.trunk_group) == ("4008001", "138001234", "out")
        for leg in (inbound, outbound):
            assert leg.disposition == "answered"
            assert leg.answered_at is not None and leg.ended_at is not None
            assert leg.talk_ms is not None and leg.talk_ms >= 0
        # the outbound leg rang two rings (about 6 s of engine time) before the answer
        assert 4000 <= outbound.ring_ms <= 8000, outbound.ring_ms
        assert outbound.call_id != inbound.call_id
        kinds = [e.kind for e in await chand.store.events(inbound.id)]
        assert "dtmf" in kinds and "bridge" in kinds and kinds.count("dtmf") == 4


async def test_a_recording_running_at_hangup_is_stopped_and_recorded(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)], default_route="app:rec", records=True) as chand:
        app = await chand.client("rec")
        tester = await chand.client("tester")
        started = asyncio.Event()

        async def on_offer(ev):
            await app.call("answer", chan=ev["chan"])

        async def on_answered(ev):
            r = await app.call("record", chan=ev["chan"], mode="rx")
            started.set()
            app.path = r["path"]
        app.on("offer", on_offer)
        app.on("answered", on_answered)
        r = await tester.call("sim.call", chan="e1a/1", caller="1", dialled="2")
        await started.wait()
        await tester.call("sim.play", far=r["far"], items=[{"tone": "dial", "ms": 2000}])
        await tester.wait_for("far", far=r["far"], what="play_done", since=0)
        await tester.call("sim.hangup", far=r["far"])
        await app.wait_for("ended", chan="e1a/1", since=0)
        await chand.board.recorder.drain()
        leg, = await chand.store.recent(2)
        assert leg.recording_path == app.path
        # the call is over; the application that started the recording hears when its file is complete
        done = await app.wait_for("record_done", chan="e1a/1", since=0)
        assert done["path"] == app.path and done["call_id"] == leg.call_id and done["duration_ms"] >= 2000
        import os
        assert os.path.getsize(app.path) > 8000 * 2    # the two seconds of tone at 8 kB/s (A-law)


async def test_blind_transfer_bridges_the_caller_and_frees_the_application(tmp_path):
    spans = [SpanSpec("e1a", "e1", 2), SpanSpec("e1b", "e1", 2)]
    async with running_chand(tmp_path, spans, default_route="app:ivr",
                             trunk_groups=[TrunkGroupSpec("out", ["e1b/*"])],
                             numbers=[NumberBehaviour("138*", "answer", after_rings=1)], records=True) as chand:
        ivr = await chand.client("ivr")
        tester = await chand.client("tester")
        done = asyncio.Event()

        async def on_offer(ev):
            await ivr.call("answer", chan=ev["chan"])

        async def on_answered(ev):
            r = await ivr.call("transfer", chan=ev["chan"], trunk_group="out", number="13811112222")
            ivr.out = r["chan"]
            done.set()
        ivr.on("offer", on_offer)
        ivr.on("answered", on_answered)
        monitor = await chand.client("board", "monitor")
        await monitor.call("subscribe", lines=True, calls=True)
        bridged = asyncio.Event()
        monitor.on("call_event", lambda ev: bridged.set() if ev["what"] == "bridge" and ev["chan"] == "e1a/1" else None)
        await tester.call("sim.take", far="e1b/1~far")          # the transfer's far end: what it hears
        r = await tester.call("sim.call", chan="e1a/1", caller="13900001111", dialled="400")
        await done.wait()
        # the application no longer owns the caller
        from telephonist.client import ApiCallError
        with pytest.raises(ApiCallError):
            await ivr.call("play", chan="e1a/1", items=[{"silence": 100}])
        board = chand.board
        await bridged.wait()
        assert board.lines["e1a/1"].bridge == board.lines[ivr.out].bridge is not None
        # the callee hears the caller: DTMF from the caller reaches the far end of the outbound leg
        mark = tester.mark()
        await tester.call("sim.dtmf", far=r["far"], digits="42")
        await tester.wait_for("far", far=f"{ivr.out}~far", what="dtmf", digit="2", since=mark)
        assert board.sim.by_name[ivr.out].heard_digits.endswith("42")
        await tester.call("sim.hangup", far=r["far"])
        for chan in ("e1a/1", ivr.out):
            await monitor.wait_for("line_state", chan=chan, state="idle", since=0)
        await board.recorder.drain()
        legs = await chand.store.recent(5)
        assert len(legs) == 2 and len({leg.call_id for leg in legs}) == 1
        assert {leg.disposition for leg in legs} == {"answered"}
