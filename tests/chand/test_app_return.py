"""An application that goes away and comes back: calls it bridged talk on without it, callers it was serving
wait with music (fallback then = "return"), and the application takes both back (reclaim)."""
from telephonist.chand.switchboard import Fallback
from tests.support.chand_harness import SpanSpec, running_chand


async def answered_call(chand, tester, app, caller):
    mark = app.mark()
    far = (await tester.call("sim.call", span="e1a", caller=caller, dialled="4008"))["far"]
    await tester.wait_for("far", far=far, what="connected", since=0)
    ev = await app.wait_for("answered", since=mark)
    return far, ev["chan"]


async def test_bridged_calls_talk_on_waiting_callers_hold_and_both_come_back(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 4)], default_route="app:acd",
                             fallback=Fallback(then="return", return_s=60)) as chand:
        acd = await chand.client("acd")
        tester = await chand.client("tester")
        await tester.call("subscribe", lines=True)
        acd.on("offer", lambda ev: acd.call("answer", chan=ev["chan"]) if ev["reason"] == "inbound" else None)
        wait_far, waiting = await answered_call(chand, tester, acd, "1380000")
        await acd.call("annotate", chan=waiting, queue="sales")
        talk_far, talking = await answered_call(chand, tester, acd, "1390000")
        agent_far, agent = await answered_call(chand, tester, acd, "8001")
        bridge = (await acd.call("bridge", chans=[talking, agent]))["bridge"]
        chand.board.lines[waiting].call.handoff_data = {"vip": "gold"}     # as a handoff to it would have left

        await acd.close()                                                  # the ACD goes away
        mark = tester.mark()
        await tester.call("sim.dtmf", far=talk_far, digits="5")
        await tester.wait_for("far", far=agent_far, what="dtmf", digit="5", since=mark)   # they talk on
        status = {ln["chan"]: ln for ln in (await tester.call("status"))["lines"]}
        assert status[waiting]["state"] == status[talking]["state"] == "up" and status[talking]["owner"] is None

        back = await chand.client("acd")
        listed = (await back.call("reclaim"))["calls"]
        offers = {e["chan"]: e for e in back.events if e.get("event") == "offer"}
        assert {o["chan"] for o in listed} == set(offers) == {waiting, talking, agent}
        assert offers[waiting]["reason"] == "returned" and offers[waiting]["data"] == {"vip": "gold"}
        assert offers[waiting]["queue"] == "sales"
        assert offers[talking]["reason"] == offers[agent]["reason"] == "adopted"
        assert offers[talking]["bridge"] == offers[agent]["bridge"] == bridge
        status = {ln["chan"]: ln for ln in (await tester.call("status"))["lines"]}
        assert {status[c]["owner"] for c in (waiting, talking, agent)} == {back.session}
        # what it took back is its own again: it can end the waiting call and hears the bridge end
        await back.call("hangup", chan=waiting)
        mark = back.mark()
        await tester.call("sim.hangup", far=talk_far)
        await back.wait_for("unbridged", chan=agent, since=mark)
        assert (await back.call("reclaim"))["calls"] == []


async def test_an_orphaned_bridge_ending_hangs_up_the_other_and_nobody_waits_forever(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 4)], default_route="app:acd",
                             fallback=Fallback(then="return", return_s=30)) as chand:
        acd = await chand.client("acd")
        tester = await chand.client("tester")
        await tester.call("subscribe", lines=True)
        acd.on("offer", lambda ev: acd.call("answer", chan=ev["chan"]))
        wait_far, waiting = await answered_call(chand, tester, acd, "1380000")
        talk_far, talking = await answered_call(chand, tester, acd, "1390000")
        agent_far, agent = await answered_call(chand, tester, acd, "8001")
        await acd.call("bridge", chans=[talking, agent])
        await acd.close()
        mark = tester.mark()
        await tester.call("sim.hangup", far=talk_far)
        # the other side of the bridge is nobody's: chand hangs it up
        await tester.wait_for("line_state", chan=agent, state="idle", since=mark)
        # the waiting caller is hung up when the application has not come back within return_s
        gone = await tester.wait_for("line_state", chan=waiting, state="idle", since=mark, timeout=60)
        assert gone["time_ms"] - (await tester.wait_for("line_state", chan=agent, state="idle", since=mark))[
            "time_ms"] < 31_000
