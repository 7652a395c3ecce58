"""A DAHDI span alarm as chand handles it: lines blocked, a call on the span hung up, back in service when cleared.

The driver's side (EV_ALARM from a real span) is proven in the DAHDI guest; here the same event is
given to chand's switchboard for sim lines declared to sit on DAHDI span 1, so the line logic runs
on the lockstep clock with a real call on it.
"""
import asyncio

from telephonist.chand.assembly import TrunkGroupSpec
from telephonist.client import ApiCallError
from telephonist.engine import AlarmEvent
from tests.support.chand_harness import SpanSpec, running_chand

RED = 1 << 3


def alarm(bits: int, text: str) -> AlarmEvent:
    return AlarmEvent(-1, 0, 1, bits, text)


async def wait_state(board, name: str, state: str) -> None:
    for _ in range(500):
        if board.lines[name].state.value == state:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{name} is {board.lines[name].state.value}, not {state}")


async def test_alarm_blocks_idle_lines_ends_calls_and_clears(tmp_path):
    spans = [SpanSpec("pstn", "fxo", 2), SpanSpec("e1a", "e1", 1)]
    async with running_chand(tmp_path, spans, default_route="app:ivr", records=True,
                             trunk_groups=[TrunkGroupSpec("out", ["pstn/*"])]) as chand:
        board = chand.board
        for line in board.lines.values():
            if line.span == "pstn":
                board.alarms.add(line, 1)
        ivr = await chand.client("ivr")
        noc = await chand.client("noc", role="monitor")
        await noc.call("subscribe")
        ivr.on("offer", lambda ev: ivr.call("answer", chan=ev["chan"]))
        answered = ivr.expect("answered", chan="pstn/1")
        tester = await chand.client("tester")
        await tester.call("sim.call", chan="pstn/1", caller="13900000001", dialled="100")
        await asyncio.wait_for(answered, 30)

        told = noc.expect("span_alarm", span="pstn")
        ended = ivr.expect("ended", chan="pstn/1")
        board.on_engine_event(alarm(RED, "RED"))
        ev = await asyncio.wait_for(told, 10)
        assert (ev["dahdi_span"], ev["alarms"], ev["bits"]) == (1, "RED", RED)
        assert (await asyncio.wait_for(ended, 30))["disposition"] == "answered"
        await wait_state(board, "pstn/1", "blocked")
        assert board.lines["pstn/2"].state.value == "blocked"
        assert board.lines["e1a/1"].state.value == "idle"        # another span: untouched
        st = await noc.call("status")
        assert {s["name"]: s["alarms"] for s in st["spans"]} == {"pstn": "RED", "e1a": ""}
        try:
            await ivr.call("dial", trunk_group="out", number="123")
            raise AssertionError("dialled out on a span in alarm")
        except ApiCallError as exc:
            assert "busy" in str(exc)
        board.on_engine_event(alarm(RED, "RED"))                 # the same news from another engine span
        assert len([e for e in noc.events if e.get("event") == "span_alarm"]) == 1

        cleared = noc.expect("span_alarm", span="pstn")
        board.on_engine_event(alarm(0, "OK"))
        assert (await asyncio.wait_for(cleared, 10))["alarms"] == "OK"
        assert {board.lines[n].state.value for n in ("pstn/1", "pstn/2")} == {"idle"}
        st = await noc.call("status")
        assert st["spans"][0]["alarms"] == ""
        await board.recorder.drain()
        leg, = await chand.store.recent(5)
        assert leg.hangup_cause == "span_alarm" and leg.disposition == "answered"
