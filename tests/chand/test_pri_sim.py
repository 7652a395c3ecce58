"""ISDN PRI on sim E1 spans through chand: libpri at both ends of each line (csrc/drv_sim.c's eng_sim_pri), the far
end a network (or user) side of its own over a D-channel socketpair. Overlap receiving decided by chand's routing,
and channel negotiation (preferred / exclusive) both ways.

libpri keeps real time on its own thread, so these chands run their engine clock at real time (speed=1).
"""
from __future__ import annotations

import asyncio
import dataclasses

from telephonist.chand.assembly import SimPri
from telephonist.chand.routing import Route, could_be_longer
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand

UP_S = 20.0


async def _link_up(chand, client, timeout: float = UP_S) -> None:
    """Wait until every sim PRI span's D-channel is up as chand knows it (its alarm news: `span_alarm` to the
    subscribed client, except a first news without alarm, which only sets the board's bits)."""
    spans = set(chand.board.alarms.lines_of)
    end = asyncio.get_running_loop().time() + timeout
    while any(chand.board.alarms.bits.get(n, 1) for n in spans):
        left = end - asyncio.get_running_loop().time()
        assert left > 0, f"D-channels not up within {timeout:.0f} s: {chand.board.alarms.bits}"
        try:
            await client.wait_for("span_alarm", timeout=min(left, 0.2))
        except TimeoutError:
            pass


async def _idle(client, names: set[str], timeout: float = UP_S) -> None:
    """Wait until the lines are idle (a PRI span's lines are blocked until its D-channel is up)."""
    mark = client.mark()
    states = {ln["chan"]: ln["state"] for ln in (await client.call("status"))["lines"] if ln["chan"] in names}

    def all_idle(ev: dict | None = None) -> bool:
        if ev is not None and ev.get("event") == "line_state" and ev.get("chan") in names:
            states[ev["chan"]] = ev["state"]
        return set(states.values()) == {"idle"} and len(states) == len(names)
    if not all_idle():
        await client.wait_for(all_idle, since=mark, timeout=timeout)


def _far_msgs(client, far: str, since: int = 0) -> list[tuple[str, dict]]:
    """What the far end's libpri told it, in order (its `far` events with what=sigmsg)."""
    return [(ev["message"], ev["fields"]) for ev in client.events.since(since)
            if ev.get("event") == "far" and ev.get("far") == far and ev.get("what") == "sigmsg"]


async def _far_told(client, far: str, kind: str, since: int, timeout: float = 10.0) -> dict:
    ev = await client.wait_for(lambda e: e.get("event") == "far" and e.get("far") == far and e.get("what") == "sigmsg"
                               and e.get("message") == kind, since=since, timeout=timeout)
    return ev["fields"]


def _spans(**pri) -> list[SpanSpec]:
    return [SpanSpec("pri", "e1", 4, sim_pri=SimPri(**pri))]


def test_could_be_longer_reads_fnmatch_patterns():
    assert could_be_longer("4001*", "4001") and could_be_longer("40012", "4001") and could_be_longer("4?01", "4")
    assert not could_be_longer("4001", "4001") and not could_be_longer("4001", "5")
    assert could_be_longer("[45]00", "5") and not could_be_longer("[!45]00", "5")
    assert not could_be_longer("40[0-9]", "405") and could_be_longer("*", "")


def _offer_on(client, chan: str, mark: int):
    return client.wait_for(lambda e: e.get("event") == "line_state" and e.get("chan") == chan
                           and e.get("signal") == "offer", since=mark, timeout=10)


async def test_overlap_digits_come_until_routing_can_decide(tmp_path):
    """A SETUP without Sending Complete: SETUP ACKNOWLEDGE once, digits by INFORMATION, the call offered once a route
    matches and no longer one can (or when no digit came for pri_overlap_timeout_ms); the record keeps the number."""
    routes = [Route("app:sales", dialled="4002"), Route("app:support", dialled="40021")]
    spans = _spans(overlap=True)
    spans[0].options = dataclasses.replace(spans[0].options, overlap=True, overlap_timeout_ms=2000)
    async with running_chand(tmp_path, spans, speed=1.0, routes=routes, records=True) as chand:
        sales, support, tester = await chand.client("sales"), await chand.client("support"), await chand.client("t")
        await tester.call("subscribe", lines=True)
        await _link_up(chand, tester)
        await _idle(tester, {"pri/1", "pri/2", "pri/3", "pri/4"})

        # 1. "40", "0", "2": sales's 4002 matches, but support's 40021 may still come; "1": support's, at once
        mark = tester.mark()
        to_support = support.expect("offer")
        far = (await tester.call("sim.call", chan="pri/1", caller="13800138000", dialled="40", complete=False))["far"]
        await _far_told(tester, far, "SETUP_ACK", mark)
        st = {ln["chan"]: ln for ln in (await tester.call("status"))["lines"]}
        assert (st["pri/1"]["state"], st["pri/1"]["dialled"]) == ("ringing", "40"), st["pri/1"]
        for digit in "021":
            await tester.call("sim.info", far=far, digits=digit)
        offer = await asyncio.wait_for(to_support, 10)
        assert (offer["chan"], offer["caller"], offer["dialled"]) == ("pri/1", "13800138000", "40021"), offer
        await _far_told(tester, far, "ALERTING", mark)
        kinds = [k for k, _ in _far_msgs(tester, far, mark)]
        assert kinds == ["SETUP_ACK", "PROCEEDING", "ALERTING"], kinds
        await support.call("answer", chan="pri/1")
        await _far_told(tester, far, "CONNECT", mark)
        await tester.call("sim.hangup", far=far)
        await _idle(tester, {"pri/1"})

        # 2. "4002" and then nothing: offered to sales when pri_overlap_timeout_ms (2 s here) passed
        mark = tester.mark()
        to_sales = sales.expect("offer")
        far = (await tester.call("sim.call", chan="pri/2", caller="13900139000", dialled="400", complete=False))["far"]
        await _far_told(tester, far, "SETUP_ACK", mark)
        await tester.call("sim.info", far=far, digits="2")
        offer = await asyncio.wait_for(to_sales, 10)
        assert (offer["chan"], offer["dialled"]) == ("pri/2", "4002"), offer
        waited = offer["time_ms"] - next(e["time_ms"] for e in tester.events.since(mark)
                                         if e.get("event") == "line_state" and e.get("chan") == "pri/2")
        assert waited >= 2000, waited
        await tester.call("sim.hangup", far=far)
        await _idle(tester, {"pri/2"})

        # 3. the caller gives up while digits may still come: the call ends unoffered, abandoned
        mark, sales_mark, support_mark = tester.mark(), sales.mark(), support.mark()
        far = (await tester.call("sim.call", chan="pri/3", caller="1", dialled="40", complete=False))["far"]
        await _far_told(tester, far, "SETUP_ACK", mark)
        await tester.call("sim.hangup", far=far)
        await _idle(tester, {"pri/3"})
        assert not [e for c, m in ((sales, sales_mark), (support, support_mark)) for e in c.events.since(m)
                    if e.get("event") == "offer"]

        await chand.board.recorder.drain()
        legs = {leg.channel: leg for leg in await chand.store.recent(3)}
        assert (legs[3].dialled, legs[3].disposition, legs[3].application) == ("40", "abandoned", None), legs[3]
        assert (legs[1].direction, legs[1].caller, legs[1].dialled, legs[1].application, legs[1].disposition) == \
            ("inbound", "13800138000", "40021", "app:support", "answered"), legs[1]
        assert (legs[2].dialled, legs[2].application) == ("4002", "app:sales"), legs[2]


async def test_a_number_no_route_can_lengthen_is_offered_without_waiting(tmp_path):
    """Overlap receiving where the SETUP's digits already decide (no route names a longer number): no SETUP
    ACKNOWLEDGE, offered at once; and an en-bloc span (pri_overlap off) offers a SETUP without Sending Complete as
    it comes."""
    routes = [Route("app:sales", dialled="4002")]
    spans = _spans(overlap=True) + [SpanSpec("bloc", "e1", 2, sim_pri=SimPri())]
    spans[0].options = dataclasses.replace(spans[0].options, overlap=True)
    async with running_chand(tmp_path, spans, speed=1.0, routes=routes, default_route="app:desk") as chand:
        sales, desk, tester = await chand.client("sales"), await chand.client("desk"), await chand.client("t")
        await tester.call("subscribe", lines=True)
        await _link_up(chand, tester)
        await _idle(tester, {"pri/1", "bloc/1"})
        for chan, app, dialled in (("pri/1", sales, "4002"), ("pri/2", desk, "5"), ("bloc/1", desk, "40")):
            mark = tester.mark()
            offered = app.expect("offer", chan=chan)
            far = (await tester.call("sim.call", chan=chan, caller="1", dialled=dialled, complete=False))["far"]
            offer = await asyncio.wait_for(offered, 10)
            assert offer["dialled"] == dialled, offer
            await _far_told(tester, far, "ALERTING", mark)
            assert "SETUP_ACK" not in [k for k, _ in _far_msgs(tester, far, mark)]
            await tester.call("sim.hangup", far=far)
            await _idle(tester, {chan})


async def test_a_far_end_preferring_a_busy_channel_gets_another_and_exclusive_gets_44(tmp_path):
    """The far end's SETUP names timeslot 1, busy here with a call: preferred, the call comes on the first free
    line (pri/2) and the far end follows it there; exclusive, it is refused with cause 44 and offered nowhere."""
    for far_channel in ("preferred", "exclusive"):
        sub = tmp_path / far_channel
        sub.mkdir()
        async with running_chand(sub, _spans(far_channel=far_channel), speed=1.0, default_route="app:desk") as chand:
            desk, tester = await chand.client("desk"), await chand.client("t")
            await tester.call("subscribe", lines=True)
            await _link_up(chand, tester)
            await _idle(tester, {"pri/1", "pri/2", "pri/3", "pri/4"})
            offered = desk.expect("offer", chan="pri/1")
            first = (await tester.call("sim.call", chan="pri/1", caller="1", dialled="100"))["far"]
            await asyncio.wait_for(offered, 10)
            mark = tester.mark()
            await desk.call("answer", chan="pri/1")
            await _far_told(tester, first, "CONNECT", mark)

            mark, desk_mark = tester.mark(), desk.mark()
            far = (await tester.call("sim.call", chan="pri/3", caller="2", dialled="200", channel=1))["far"]
            if far_channel == "exclusive":
                told = await _far_told(tester, far, "DISCONNECT", mark)
                assert told["cause"] == "44", told
                assert not [e for e in desk.events.since(desk_mark) if e.get("event") == "offer"]
                continue
            offer = await desk.wait_for("offer", since=desk_mark, timeout=10)
            assert (offer["chan"], offer["caller"], offer["dialled"]) == ("pri/2", "2", "200"), offer
            moved = await tester.wait_for(lambda e: e.get("event") == "far" and e.get("what") == "moved", since=mark,
                                          timeout=10)
            assert (moved["far"], moved["previous"]) == ("pri/2~far", far), moved
            mark = tester.mark()
            await desk.call("answer", chan="pri/2")
            await _far_told(tester, "pri/2~far", "CONNECT", mark)
            st = {ln["chan"]: ln["state"] for ln in (await tester.call("status"))["lines"]}
            assert st == {"pri/1": "up", "pri/2": "up", "pri/3": "idle", "pri/4": "idle"}, st
            await tester.call("sim.hangup", far="pri/2~far")
            await tester.call("sim.hangup", far=first)
            await _idle(tester, {"pri/1", "pri/2", "pri/3", "pri/4"})


async def test_our_preferred_call_follows_the_far_ends_channel(tmp_path):
    """Our SETUP prefers timeslot 1, which the far end does not serve: it answers on timeslot 2, and the call goes on
    on pri/2 (the application told `moved`, the record on channel 2); exclusive, the call fails with cause 44."""
    for channel in ("preferred", "exclusive"):
        sub = tmp_path / channel
        sub.mkdir()
        spans = _spans(channel=channel, far_unused=1)
        async with running_chand(sub, spans, speed=1.0, trunk_groups=[TrunkGroupSpec("out", ["pri/*"])],
                                 records=True) as chand:
            app, tester = await chand.client("crm"), await chand.client("t")
            await tester.call("subscribe", lines=True)
            await _link_up(chand, tester)
            await _idle(tester, {"pri/1", "pri/2", "pri/3", "pri/4"})
            mark = app.mark()
            out = await app.call("dial", trunk_group="out", number="13800138000", caller_id="4008")
            assert out["chan"] == "pri/1", out
            if channel == "exclusive":
                failed = await app.wait_for("dial_failed", chan="pri/1", since=mark, timeout=10)
                assert failed["cause"] == "44 channel_unavailable", failed
                continue
            moved = await app.wait_for("moved", since=mark, timeout=10)
            assert (moved["chan"], moved["previous"], moved["call_id"]) == ("pri/2", "pri/1", out["call_id"]), moved
            answered = await app.wait_for("answered", since=mark, timeout=15)
            assert answered["chan"] == "pri/2", answered
            st = {ln["chan"]: ln for ln in (await tester.call("status"))["lines"]}
            assert (st["pri/1"]["state"], st["pri/2"]["state"], st["pri/2"]["call_id"]) == \
                ("idle", "up", out["call_id"]), st
            assert chand.board.sim.by_name["pri/2"].dialled == "13800138000"
            await app.call("hangup", chan="pri/2")
            await _idle(tester, {"pri/1", "pri/2"})
            await chand.board.recorder.drain()
            leg = (await chand.store.recent(1))[0]
            assert (leg.call_id, leg.direction, leg.channel, leg.dialled, leg.disposition) == \
                (out["call_id"], "outbound", 2, "13800138000", "answered"), leg
            assert "moved" in [e.kind for e in await chand.store.events(leg.id)]


async def test_overlap_sending_puts_the_rest_of_the_number_in_information(tmp_path):
    """pri_overlap_setup_digits = 4: our SETUP carries the first four digits without Sending Complete; on the far
    end's SETUP ACKNOWLEDGE the rest goes by INFORMATION, one digit each; the far end has the whole number and
    answers, and our record keeps it."""
    spans = _spans(overlap=True)
    spans[0].options = dataclasses.replace(spans[0].options, overlap=True, overlap_setup_digits=4)
    async with running_chand(tmp_path, spans, speed=1.0, trunk_groups=[TrunkGroupSpec("out", ["pri/*"])],
                             records=True) as chand:
        app, tester = await chand.client("crm"), await chand.client("t")
        await tester.call("subscribe", lines=True)
        await _link_up(chand, tester)
        await _idle(tester, {"pri/1", "pri/2", "pri/3", "pri/4"})
        await tester.call("sim.take", far="pri/1~far")
        mark, app_mark = tester.mark(), app.mark()
        out = await app.call("dial", trunk_group="out", number="13800138000", caller_id="4008")
        assert out["chan"] == "pri/1", out
        setup = await _far_told(tester, "pri/1~far", "SETUP", mark)
        assert (setup["called"], setup["complete"]) == ("1380", "0"), setup
        dialled = await tester.wait_for(lambda e: e.get("event") == "far" and e.get("what") == "dialled",
                                        since=mark, timeout=15)
        assert dialled["number"] == "13800138000", dialled
        infos = [f["digits"] for k, f in _far_msgs(tester, "pri/1~far", mark) if k == "INFO"]
        assert infos == list("0138000"), infos
        answered = await app.wait_for("answered", chan="pri/1", since=app_mark, timeout=15)
        assert answered["call_id"] == out["call_id"], answered
        await app.call("hangup", chan="pri/1")
        await _idle(tester, {"pri/1"})
        await chand.board.recorder.drain()
        leg = (await chand.store.recent(1))[0]
        assert (leg.direction, leg.dialled, leg.disposition) == ("outbound", "13800138000", "answered"), leg


async def test_a_caller_clearing_its_setup_at_once_leaves_the_line_idle_and_the_record_says_why(tmp_path):
    """The far end's SETUP and its DISCONNECT (cause 16) sent back to back: the DISCONNECT may reach libpri before
    chand's answer (libpri then clears the call by itself, and the engine tells the line from the frame: csrc/pri.c's
    on_silent_clear) or after it; either way the line goes idle for the next call and the record ends abandoned with the
    far end's cause."""
    rounds = 5
    async with running_chand(tmp_path, _spans(), speed=1.0, default_route="app:desk", records=True) as chand:
        tester = await chand.client("t")
        await chand.client("desk")
        await tester.call("subscribe", lines=True)
        await _link_up(chand, tester)
        await _idle(tester, {"pri/1"})
        for _ in range(rounds):
            mark = tester.mark()
            placed, _ = await asyncio.gather(tester.call("sim.call", chan="pri/1", caller="1", dialled="100"),
                                             tester.call("sim.hangup", far="pri/1~far"))
            assert placed["far"] == "pri/1~far", placed
            await tester.wait_for(lambda e: e.get("event") == "line_state" and e.get("chan") == "pri/1"
                                  and e.get("state") != "idle", since=mark, timeout=10)
            await _idle(tester, {"pri/1"})
            # the far end's call cleared too (our RELEASE or RELEASE COMPLETE reached it): only then may it seize the
            # B-channel again, as an exchange would; sooner, its next SETUP meets the channel still clearing here (44)
            await _far_told(tester, "pri/1~far", "RELEASE", mark)
        await chand.board.recorder.drain()
        legs = [leg for leg in await chand.store.recent(rounds) if leg.channel == 1]
        assert len(legs) == rounds, legs
        assert {(leg.direction, leg.disposition, leg.hangup_cause) for leg in legs} == \
            {("inbound", "abandoned", "16 normal_clearing")}, legs
