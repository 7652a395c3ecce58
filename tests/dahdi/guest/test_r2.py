"""MFC-R2 through openr2 on two E1 loopback spans wired back to back: the engine's calls both ways, and chand's.

guest-main.sh makes DAHDI spans 5 and 6 E1-sized (31 timeslots) with CAS on timeslots 1-4 (channels 111-114
and 142-145, idle 1101). Span 5 is the exchange, span 6 Telephonist; timeslot n of one faces timeslot n of the
other. openr2 runs in both (each side is forward when it calls, backward when it is called), so what is checked
is what each side's line is told (the SigMsg events chand acts on), what the backward side heard of the
caller (ANI, DNIS, category) and what each side hears on the channel once the call is up (DTMF both ways).
The MF tones themselves go through each engine's channel (r2.c): a call that completes proves them.
"""
from __future__ import annotations

import asyncio
import time

import pytest
from chand_rig import FAR_END_PRIORITY
from conftest import DahdiRig

from telephonist.engine import Clock, Codec, Dsp, DtmfEvent, Engine, EngineError, SigMsg

EXCHANGE = {1: 111, 2: 112, 3: 113, 4: 114}     # timeslot -> DAHDI channel, span 5
CUSTOMER = {1: 142, 2: 143, 3: 144, 4: 145}     # span 6
SETUP_S = 30.0          # seize, compelled MF for ~15 digits and the category, under emulation


class R2Side(DahdiRig):
    """A started engine with MFC-R2 on the CAS channels of one span."""

    def __init__(self, chans: dict[int, int], variant: str = "china", max_ani: int = 15, max_dnis: int = 4,
                 category: str = "subscriber", timers: dict[str, int] | None = None) -> None:
        # not super().__init__: it starts the engine at once
        self.engine = Engine(frame_ms=20, max_channels=64)
        channos = list(chans.values())
        ids = self.engine.add_dahdi_span(channos, Codec.ALAW)
        self.chan = dict(zip(channos, ids))
        self.ts = {ts: self.chan[c] for ts, c in chans.items()}
        self.spanno = self.engine.dahdi_chan_info(ids[0]).spanno
        self.events = []
        try:
            self.engine.dahdi_r2(ids[0], variant, max_ani, max_dnis, category, timers)
        except BaseException:
            self.engine.close()     # its DAHDI channels free for the next test
            raise
        self.engine.set_realtime(FAR_END_PRIORITY)
        self.engine.start(Clock.REALTIME)

    def msg(self, ts: int, kind: str, timeout: float = SETUP_S, **fields: str) -> SigMsg:
        cid = self.ts[ts]
        ev = self.wait_for(lambda e: isinstance(e, SigMsg) and e.chan == cid and e.kind == kind
                           and all(e.fields.get(k) == v for k, v in fields.items()),
                           f"{kind} {fields or ''} on timeslot {ts} of span {self.spanno}", timeout)
        assert isinstance(ev, SigMsg)
        return ev

    def send(self, ts: int, text: str) -> None:
        self.engine.sigmsg(self.ts[ts], text)

    def digits(self, ts: int, n: int, timeout: float = 10.0) -> str:
        cid = self.ts[ts]
        got = ""
        for _ in range(n):
            ev = self.wait_for(lambda e: isinstance(e, DtmfEvent) and e.chan == cid, f"DTMF on timeslot {ts}", timeout)
            got += ev.digit
        return got

    def no_msg(self, ts: int) -> list[SigMsg]:
        cid = self.ts[ts]
        return [e for e in self.events if isinstance(e, SigMsg) and e.chan == cid]


def clear_from(a: R2Side, b: R2Side, ts: int, cause: str = "16") -> None:
    """a clears the call on ts, b is told and answers RELEASE, a is told its clearing is complete."""
    a.send(ts, f"DISCONNECT cause={cause}")
    b.msg(ts, "DISCONNECT", cause=cause)
    b.send(ts, "RELEASE")
    a.msg(ts, "RELEASE")


def started_pair(ex_opts: dict | None = None, us_opts: dict | None = None) -> tuple[R2Side, R2Side]:
    """The exchange's engine, then ours: the exchange saw our lines blocked (a closed DAHDI CAS channel sends
    its idle bits, 1101, R2's blocking) until ours took them; a call is placed once it has seen them idle."""
    ex = R2Side(EXCHANGE, **(ex_opts or {}))
    try:
        us = R2Side(CUSTOMER, **(us_opts or {}))
    except BaseException:
        ex.close()
        raise
    for ts in EXCHANGE:
        ex.msg(ts, "IDLE", timeout=10)
    ex.events = [e for e in ex.events if not (isinstance(e, SigMsg) and e.kind == "BLOCKED")]
    return ex, us


@pytest.fixture
def r2_pair():
    ex, us = started_pair()
    try:
        yield ex, us
    finally:
        us.close()
        ex.close()


def test_outbound_call_numbers_category_dtmf_and_our_hangup(r2_pair):
    ex, us = r2_pair
    started = time.monotonic()
    us.send(1, "SETUP calling=02150001 called=8800 category=priority")
    setup = ex.msg(1, "SETUP")
    print(f"R2 outbound: SETUP offered at the exchange {time.monotonic() - started:.1f} s after the seize")
    assert (setup.fields["calling"], setup.fields["called"]) == ("02150001", "8800"), setup
    assert setup.fields["category"] == "priority" and setup.fields["channel"] == "1", setup
    ex.send(1, "ALERTING")
    us.msg(1, "ALERTING")
    ex.send(1, "CONNECT")
    us.msg(1, "CONNECT")
    ex.engine.set_dsp(ex.ts[1], Dsp.DTMF)
    us.engine.set_dsp(us.ts[1], Dsp.DTMF)
    us.engine.send_dtmf(us.ts[1], "19#", on_ms=80, off_ms=80)
    assert ex.digits(1, 3) == "19#"
    ex.engine.send_dtmf(ex.ts[1], "*07", on_ms=80, off_ms=80)
    assert us.digits(1, 3) == "*07"
    clear_from(us, ex, 1)           # clear-forward


def test_inbound_call_the_exchange_hangs_up_and_the_timeslot_takes_the_next(r2_pair):
    ex, us = r2_pair
    ex.send(2, "SETUP calling=13800138000 called=4001 category=test")
    setup = us.msg(2, "SETUP")
    assert (setup.fields["calling"], setup.fields["called"]) == ("13800138000", "4001"), setup
    assert setup.fields["category"] == "test" and setup.fields["channel"] == "2", setup
    us.send(2, "ALERTING")
    ex.msg(2, "ALERTING")
    us.send(2, "CONNECT")
    ex.msg(2, "CONNECT")
    us.engine.set_dsp(us.ts[2], Dsp.DTMF)
    ex.engine.send_dtmf(ex.ts[2], "5", on_ms=80, off_ms=80)
    assert us.digits(2, 1) == "5"
    clear_from(ex, us, 2)           # the exchange (forward) clears: clear-forward
    # a second call on the timeslot, answered at once (CONNECT before openr2 has accepted), cleared by us
    ex.send(2, "SETUP calling=13800138000 called=4002")
    assert us.msg(2, "SETUP").fields["called"] == "4002"
    us.send(2, "CONNECT")
    ex.msg(2, "ALERTING")
    ex.msg(2, "CONNECT")
    clear_from(us, ex, 2)           # we (backward) clear: clear-back, then their clear-forward


def test_dnis_and_ani_are_cut_at_the_configured_lengths():
    """ITU: the caller's digits are asked for with their own signal (A-5), so the exchange may stop early.
    (China asks for both with A-1 and reads the caller's number to its end, I-15: there max_ani must be
    at least the longest caller number.)"""
    ex, us = started_pair(dict(variant="itu", max_ani=6, max_dnis=3), dict(variant="itu"))
    try:
        us.send(3, "SETUP calling=02150001 called=88001234")
        setup = ex.msg(3, "SETUP")
        assert (setup.fields["called"], setup.fields["calling"]) == ("880", "021500"), setup
        clear_from(ex, us, 3, cause="17")
    finally:
        us.close()
        ex.close()


@pytest.mark.parametrize("variant,cause,signal", [("china", "17", "B-2"), ("china", "1", "B-5"),
                                                  ("china", "34", "B-4"), ("itu", "17", "B-3"),
                                                  ("itu", "1", "B-5")],
                         ids=["china-busy", "china-unallocated", "china-congestion", "itu-busy", "itu-unallocated"])
def test_the_exchange_refuses_with_the_group_b_signal_of_the_variant(variant, cause, signal):
    ex, us = started_pair(dict(variant=variant), dict(variant=variant))
    try:
        us.send(3, "SETUP calling=02150001 called=9999")
        ex.msg(3, "SETUP", called="9999")
        ex.send(3, f"DISCONNECT cause={cause}")
        refused = us.msg(3, "DISCONNECT", cause=cause)
        assert refused.fields.get("signal") == signal, refused
        us.send(3, "RELEASE")
        ex.msg(3, "RELEASE")
        # and the timeslot takes the next call
        us.send(3, "SETUP calling=02150001 called=8800")
        ex.msg(3, "SETUP", called="8800")
        ex.send(3, "ALERTING")
        us.msg(3, "ALERTING")
        clear_from(us, ex, 3)
    finally:
        us.close()
        ex.close()


def test_a_shortened_answer_timer_gives_up_an_unanswered_call():
    """openr2's r2_answer timer (how long an accepted call of ours waits for the answer: a minute by default)
    set to 3 s on our span: a call the exchange accepts (group B free) and never answers ends on our side with
    no answer (cause 19) within the 20 s waited for it, and the exchange is told our clear-forward."""
    ex, us = started_pair(None, dict(timers={"r2_answer": 3000}))
    try:
        us.send(3, "SETUP calling=02150001 called=8800")
        ex.msg(3, "SETUP", called="8800")
        ex.send(3, "ALERTING")
        us.msg(3, "ALERTING")
        started = time.monotonic()
        us.msg(3, "DISCONNECT", timeout=20, cause="19")     # openr2's own default: 60 s
        print(f"R2 answer timer: our call given up {time.monotonic() - started:.1f} s after it was accepted")
        us.send(3, "RELEASE")                               # completes openr2's clearing: its clear-forward
        ex.msg(3, "DISCONNECT", cause="16")
        ex.send(3, "RELEASE")
        # and the timeslot takes the next call
        us.send(3, "SETUP calling=02150001 called=8801")
        ex.msg(3, "SETUP", called="8801")
        clear_from(us, ex, 3)
    finally:
        us.close()
        ex.close()


def test_an_unknown_or_out_of_range_timer_is_refused_by_name():
    engine = Engine(frame_ms=20, max_channels=8)
    try:
        ids = engine.add_dahdi_span(list(CUSTOMER.values()), Codec.ALAW)
        with pytest.raises(EngineError, match="unknown timer 'r2_answr'.*r2_answer"):
            engine.dahdi_r2(ids[0], timers={"r2_answr": 3000})
        with pytest.raises(EngineError, match="timer r2_seize: '5' is not 100-60000 milliseconds"):
            engine.dahdi_r2(ids[0], timers={"r2_seize": 5})
        engine.dahdi_r2(ids[0], timers={"r2_seize": 4000, "mf_back_cycle": 2500})    # the span takes good ones
    finally:
        engine.close()


def test_a_line_blocked_by_the_exchange_refuses_calls_until_it_is_unblocked(r2_pair):
    ex, us = r2_pair
    ex.send(4, "BLOCK")
    us.msg(4, "BLOCKED", timeout=10)
    us.send(4, "SETUP calling=1 called=8800")
    us.msg(4, "DISCONNECT", cause="34", timeout=10)
    ex.send(4, "UNBLOCK")
    us.msg(4, "IDLE", timeout=10)
    us.send(4, "SETUP calling=1 called=8800")
    ex.msg(4, "SETUP", called="8800")
    clear_from(us, ex, 4)


def test_double_seizure_leaves_both_ends_usable(r2_pair):
    """Both ends seize timeslot 3 at once. Who wins depends on the tick each engine takes it in: either both
    see the other's seize where they expected an acknowledgement (double seizure: both attempts end with
    cause 44), or one seize arrives first and the other end's SETUP is refused with 44, after which that
    end is offered the first call. Either way no call is left hanging and the timeslot works after."""
    ex, us = r2_pair
    ex.send(3, "SETUP calling=13800138000 called=4001")
    us.send(3, "SETUP calling=02150001 called=8800")
    deadline = time.monotonic() + SETUP_S
    told: dict[str, list[SigMsg]] = {"ex": [], "us": []}

    def settled() -> bool:
        kinds = {n: [m.kind for m in msgs] for n, msgs in told.items()}
        both_refused = kinds["ex"][:1] == kinds["us"][:1] == ["DISCONNECT"]
        one_offered = any(k[:2] == ["DISCONNECT", "SETUP"] for k in kinds.values())
        return both_refused or one_offered
    while not settled() and time.monotonic() < deadline:
        for name, side in (("ex", ex), ("us", us)):
            for ev in side.no_msg(3):
                if ev.kind in ("DISCONNECT", "SETUP"):
                    told[name].append(ev)
                    side.events.remove(ev)
        ex.pump(0.05)
        us.pump(0.05)
    print("double seizure: " + ", ".join(f"{n}: {[(m.kind, m.fields) for m in msgs]}" for n, msgs in told.items()))
    assert settled(), told
    loser = next((s for n, s in (("ex", ex), ("us", us)) if [m.kind for m in told[n]][:2] == ["DISCONNECT", "SETUP"]),
                 None)
    refused = [msgs[0] for msgs in told.values() if msgs]
    assert refused and all(m.kind == "DISCONNECT" and m.fields["cause"] == "44" for m in refused), told
    if loser is not None:
        winner = "us" if loser is ex else "ex"
        assert not told[winner], told         # the winner's call goes on: the loser is offered it
        clear_from(loser, us if loser is ex else ex, 3, cause="17")      # the losing end refuses the call it is offered (busy)
    else:
        assert all(m[0].fields.get("r2_error") == "double_seizure" for m in told.values()), told
        ex.send(3, "RELEASE")
        us.send(3, "RELEASE")
    # the timeslot works again
    us.send(3, "SETUP calling=02150001 called=8800")
    ex.msg(3, "SETUP", called="8800")
    clear_from(us, ex, 3)


# ---- through chand: both sides are chand's own spans, driven by an application ---------------------

R2_CHAND_CONFIG = """\
[system]
node = "dahdi-vm-r2"
state_dir = "state"
recordings_dir = "state/recordings"
prompts_dir = "prompts"
tone_zone = "cn"
codec = "alaw"

[database]
url = "sqlite:///state/calls.db"

[control]
socket = "state/chand.sock"
app_timeout_ms = 10000

[routing]
default = "app:reception"

[[spans]]
name = "exchange"               # span 5: the exchange's side
driver = "dahdi"
type = "e1"
channels = "111-114"
signalling = "r2"
r2_variant = "china"
r2_max_ani = 11

[[spans]]
name = "r2"                     # span 6: Telephonist facing the exchange
driver = "dahdi"
type = "e1"
channels = "142-145"
signalling = "r2"
r2_max_dnis = 4
r2_category = "subscriber"
no_answer_ms = 120000           # chand's own give-up far off: an unanswered call ends by openr2's r2_answer
r2_timers = { r2_answer = 5000 }

[[trunk_groups]]
name = "to_customer"
lines = ["exchange/1", "exchange/2", "exchange/3"]

[[trunk_groups]]
name = "to_exchange"
lines = ["r2/1", "r2/2", "r2/3"]
"""


@pytest.fixture(scope="module")
def r2_chand(tmp_path_factory):
    from chand_rig import ChandProcess
    proc = ChandProcess(tmp_path_factory.mktemp("r2-chand"), R2_CHAND_CONFIG)
    proc.start()
    yield proc
    proc.stop()
    print("---- the R2 chand's log\n" + proc.log_text(100_000))


async def _line_states(app, want: dict[str, str], timeout: float = 20.0) -> None:
    """Wait until the lines are in the states wanted: their state now, then their `line_state` events."""
    mark = app.mark()
    status = await app.call("status")
    states = {ln["chan"]: ln["state"] for ln in status["lines"] if ln["chan"] in want}

    def done(ev: dict | None = None) -> bool:
        if ev is not None and ev.get("event") == "line_state" and ev.get("chan") in want:
            states[ev["chan"]] = ev["state"]
        return states == want
    if not done():
        try:
            await app.wait_for(done, since=mark, timeout=timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"lines not {want} within {timeout:.0f} s: {states}") from None


async def _digits(app, chan: str, n: int, since: int, timeout: float = 20.0) -> str:
    got: list[str] = []

    def enough(ev: dict) -> bool:
        if ev.get("event") == "dtmf" and ev.get("chan") == chan:
            got.append(ev["digit"])
        return len(got) >= n
    try:
        await app.wait_for(enough, since=since, timeout=timeout)
    except asyncio.TimeoutError:
        pass
    return "".join(got)


def state_facts(chand, leg_id: int, signal: str) -> dict:
    """The data of the leg's call-record state event for that signal."""
    import json
    import sqlite3
    con = sqlite3.connect(chand.db)
    try:
        for (data,) in con.execute("SELECT data FROM call_events WHERE leg_id = ? AND kind = 'state' ORDER BY id",
                                   (leg_id,)):
            d = json.loads(data)
            if d.get("signal") == signal:
                return d
    finally:
        con.close()
    return {}


async def r2_calls(chand) -> None:
    from telephonist.client import Client
    app = await Client.connect_unix(chand.socket, app="reception", role="app")
    admin = await Client.connect_unix(chand.socket, app="admin", role="admin")
    try:
        await app.call("subscribe", lines=True)
        idle = {f"{s}/{n}": "idle" for s in ("exchange", "r2") for n in (1, 2, 3, 4)}
        await _line_states(app, idle)

        # 1. The exchange calls Telephonist: numbers and category, a prompt and DTMF both ways, the exchange hangs up.
        offered = app.expect("offer", span="r2")
        out = await app.call("dial", trunk_group="to_customer", number="4001", caller_id="13800138000")
        offer = await asyncio.wait_for(offered, 40)
        assert (offer["caller"], offer["dialled"], offer.get("category")) == ("13800138000", "4001", "subscriber"), offer
        leg_in, leg_out = offer["chan"], out["chan"]
        answered = app.expect("answered", chan=leg_out)
        await app.call("answer", chan=leg_in)
        await asyncio.wait_for(answered, 20)
        played = app.expect("play_done", chan=leg_in)
        mark = app.mark()
        r = await app.call("play", chan=leg_in, items=["prompt.wav"])
        done = await asyncio.wait_for(played, 30)
        assert done["playback"] == r["playback"] and done["reason"] == "done", done
        await app.call("send_dtmf", chan=leg_out, digits="42#")
        assert await _digits(app, leg_in, 3, mark) == "42#"
        mark = app.mark()
        await app.call("send_dtmf", chan=leg_in, digits="7*")
        assert await _digits(app, leg_out, 2, mark) == "7*"
        hung_up = app.expect("hangup", chan=leg_in)
        await app.call("hangup", chan=leg_out)
        hangup = await asyncio.wait_for(hung_up, 20)
        assert hangup["by"] == "remote" and hangup["cause"].startswith("16"), hangup
        inbound = await chand.ended_leg("r2", 1)
        # the category is in the inbound record: its "incoming" state event's data
        assert state_facts(chand, inbound["id"], "incoming").get("category") == "subscriber", dict(inbound)
        outbound = await chand.ended_leg("exchange", 1)
        assert (inbound["direction"], inbound["caller"], inbound["dialled"]) == ("inbound", "13800138000", "4001")
        assert (outbound["direction"], outbound["caller"], outbound["dialled"]) == ("outbound", "13800138000", "4001")
        assert inbound["disposition"] == outbound["disposition"] == "answered", (dict(inbound), dict(outbound))
        assert inbound["hangup_cause"].startswith("16"), dict(inbound)

        # 2. Telephonist calls out and the exchange's side hangs up first.
        await _line_states(app, idle)
        offered = app.expect("offer", span="exchange")
        out = await app.call("dial", trunk_group="to_exchange", number="8800", caller_id="02150001")
        offer = await asyncio.wait_for(offered, 40)
        assert (offer["caller"], offer["dialled"]) == ("02150001", "8800"), offer
        leg_in, leg_out = offer["chan"], out["chan"]
        answered = app.expect("answered", chan=leg_out)
        await app.call("answer", chan=leg_in)
        await asyncio.wait_for(answered, 20)
        hung_up = app.expect("hangup", chan=leg_out)
        await app.call("hangup", chan=leg_in)
        hangup = await asyncio.wait_for(hung_up, 20)
        assert hangup["by"] == "remote" and hangup["cause"].startswith("16"), hangup
        outbound = await chand.ended_leg("r2", 2)
        inbound = await chand.ended_leg("exchange", 2)
        assert (outbound["direction"], outbound["caller"], outbound["dialled"]) == ("outbound", "02150001", "8800")
        assert (inbound["direction"], inbound["caller"], inbound["dialled"]) == ("inbound", "02150001", "8800")
        assert outbound["disposition"] == "answered" and outbound["hangup_cause"].startswith("16"), dict(outbound)

        # 3. Busy and unallocated: the exchange refuses (group B signals), Telephonist's record says why.
        for n, (cause, code, disposition) in enumerate((("busy", "17", "busy"), ("unallocated", "1", "failed")), 3):
            await _line_states(app, idle)
            offered = app.expect("offer", span="exchange")
            out = await app.call("dial", trunk_group="to_exchange", number="9999", caller_id="02150001")
            offer = await asyncio.wait_for(offered, 40)
            failed = app.expect("dial_failed", chan=out["chan"])
            await app.call("hangup", chan=offer["chan"], cause=cause)
            fail = await asyncio.wait_for(failed, 20)
            assert fail["cause"].startswith(code), fail
            leg = await chand.ended_leg("r2", n)
            assert (leg["disposition"], leg["hangup_cause"].split()[0]) == (disposition, code), dict(leg)

        # 4. The exchange blocks its timeslot 4: Telephonist's r2/4 is blocked, then back in service.
        await _line_states(app, idle)
        r = await admin.call("block", chan="exchange/4", blocked=True)
        assert r["state"] == "blocked", r
        await _line_states(app, {"exchange/4": "blocked", "r2/4": "blocked"})
        status = await app.call("status")
        r2_4 = next(ln for ln in status["lines"] if ln["chan"] == "r2/4")
        assert r2_4.get("r2_blocked") == "far end", r2_4
        await admin.call("block", chan="exchange/4", blocked=False)
        await _line_states(app, {"exchange/4": "idle", "r2/4": "idle"})

        # 5. The r2 span's answer timer (r2_timers): a call the exchange's side is offered and never answers ends
        #    by openr2's timer, 5 s after the accept (its default is a minute; chand's no_answer_ms two).
        await _line_states(app, idle)
        offered = app.expect("offer", span="exchange")
        out = await app.call("dial", trunk_group="to_exchange", number="8800", caller_id="02150001")
        offer = await asyncio.wait_for(offered, 40)
        failed = app.expect("dial_failed", chan=out["chan"])
        hung_up = app.expect("hangup", chan=offer["chan"])
        fail = await asyncio.wait_for(failed, 30)
        assert fail["cause"].startswith("19"), fail
        await asyncio.wait_for(hung_up, 20)
        leg = await chand.ended_leg("r2", 5)
        assert (leg["disposition"], leg["hangup_cause"].split()[0]) == ("no_answer", "19"), dict(leg)
    finally:
        await admin.close()
        await app.close()


def test_r2_calls_between_two_spans_of_one_daemon(r2_chand):
    asyncio.run(r2_calls(r2_chand))
