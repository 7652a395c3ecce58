"""ISDN PRI through libpri on two E1 loopback spans wired back to back: the engine's calls, both ways.

guest-main.sh makes DAHDI spans 3 and 4 E1-sized (31 timeslots) with the D-channel on timeslot 16
(dchan=64 and dchan=95) and B-channels on the others. Span 3 is the exchange (PRI network side), span 4
the customer (user side), each in an engine of its own as two boxes would be; timeslot n of span 3 faces
timeslot n of span 4. What the test checks is what each side's line is told (the SigMsg events the
chand signalling acts on) and what it hears on the B-channel (DTMF both ways).
"""
from __future__ import annotations

import asyncio
import time

import pytest
from chand_rig import FAR_END_PRIORITY
from conftest import DahdiRig

from telephonist.engine import AlarmEvent, Clock, Codec, Dsp, DtmfEvent, Engine, SigMsg, ToneEvent

NET_B = {1: 49, 2: 50, 3: 51, 4: 52, 5: 53}     # timeslot -> DAHDI channel, span 3 (network side)
NET_D = 64
USER_B = {1: 80, 2: 81, 3: 82, 4: 83, 5: 84}    # span 4 (user side)
USER_D = 95
UP_S = 30.0                              # Q.921 comes up within a few T200 periods, emulated


class PriSide(DahdiRig):
    """A started engine with PRI on some B-channels of one span."""

    def __init__(self, bchans: dict[int, int], dchan: int, side: str, **options) -> None:   # not super().__init__: it starts the engine at once
        self.engine = Engine(frame_ms=20, max_channels=64)
        channos = list(bchans.values())
        ids = self.engine.add_dahdi_span(channos, Codec.ALAW)
        self.chan = dict(zip(channos, ids))
        self.ts = {ts: self.chan[c] for ts, c in bchans.items()}
        self.spanno = self.engine.dahdi_chan_info(ids[0]).spanno
        self.events = []
        self.engine.dahdi_pri(ids[0], dchan, side, "euroisdn", **options)
        self.engine.set_realtime(FAR_END_PRIORITY)
        self.engine.start(Clock.REALTIME)

    def msg(self, ts: int, kind: str, timeout: float = 10.0, **fields: str) -> SigMsg:
        cid = self.ts[ts]
        ev = self.wait_for(lambda e: isinstance(e, SigMsg) and e.chan == cid and e.kind == kind
                           and all(e.fields.get(k) == v for k, v in fields.items()),
                           f"{kind} {fields or ''} on timeslot {ts} of span {self.spanno}", timeout)
        assert isinstance(ev, SigMsg)
        return ev

    def send(self, ts: int, text: str) -> None:
        self.engine.sigmsg(self.ts[ts], text)

    def alarm(self, pred, what: str, timeout: float = UP_S) -> AlarmEvent:
        ev = self.wait_for(lambda e: isinstance(e, AlarmEvent) and e.span == self.spanno and pred(e), what, timeout)
        assert isinstance(ev, AlarmEvent)
        return ev

    def d_channel_up(self) -> None:
        self.alarm(lambda e: e.bits == 0, f"the D-channel of span {self.spanno} up (alarm OK)")

    def digits(self, ts: int, n: int, timeout: float = 10.0) -> str:
        cid = self.ts[ts]
        got = ""
        for _ in range(n):
            ev = self.wait_for(lambda e: isinstance(e, DtmfEvent) and e.chan == cid, f"DTMF on timeslot {ts}", timeout)
            got += ev.digit
        return got


@pytest.fixture
def pri_pair():
    net = PriSide(NET_B, NET_D, "network")
    user = PriSide(USER_B, USER_D, "user")
    try:
        net.d_channel_up()
        user.d_channel_up()
        yield net, user
    finally:
        user.close()
        net.close()


@pytest.fixture
def pri_overlap_pair():
    """Both sides with overlap dialling and preferred channels on their SETUPs."""
    net = PriSide(NET_B, NET_D, "network", overlap=True, channel="preferred")
    user = PriSide(USER_B, USER_D, "user", overlap=True, channel="preferred")
    try:
        net.d_channel_up()
        user.d_channel_up()
        yield net, user
    finally:
        user.close()
        net.close()


def test_d_channel_comes_up_and_says_ok(pri_pair):
    net, user = pri_pair
    assert net.spanno == 3 and user.spanno == 4
    # each span told its D-channel down at the start (unless Q.921 was quicker than the first tick), then OK
    for side in (net, user):
        assert [e.text for e in side.events if isinstance(e, AlarmEvent)] in ([], ["DCHAN"]), side.events


def test_outbound_call_numbers_dtmf_and_our_hangup(pri_pair):
    net, user = pri_pair
    user.send(1, "SETUP calling=02150001 called=88001 calling_ton=2 calling_plan=1")
    setup = net.msg(1, "SETUP")
    assert setup.fields["calling"] == "02150001" and setup.fields["called"] == "88001", setup
    assert setup.fields["calling_ton"] == "2" and setup.fields["calling_plan"] == "1", setup
    assert setup.fields["pres"] == "allowed" and setup.fields["channel"] == "1", setup
    net.send(1, "ALERTING")
    user.msg(1, "ALERTING")
    net.send(1, "CONNECT")
    user.msg(1, "CONNECT")
    net.engine.set_dsp(net.ts[1], Dsp.DTMF)
    user.engine.set_dsp(user.ts[1], Dsp.DTMF)
    user.engine.send_dtmf(user.ts[1], "19#", on_ms=80, off_ms=80)
    assert net.digits(1, 3) == "19#"
    net.engine.send_dtmf(net.ts[1], "*07", on_ms=80, off_ms=80)
    assert user.digits(1, 3) == "*07"
    user.send(1, "DISCONNECT cause=16")
    net.msg(1, "DISCONNECT", cause="16")
    net.send(1, "RELEASE")
    user.msg(1, "RELEASE")


def test_inbound_call_and_the_exchange_hangs_up(pri_pair):
    net, user = pri_pair
    net.send(2, "SETUP calling=13800138000 called=4001 called_ton=4")
    setup = user.msg(2, "SETUP")
    assert setup.fields["calling"] == "13800138000" and setup.fields["called"] == "4001", setup
    assert setup.fields["called_ton"] == "4" and setup.fields["channel"] == "2", setup
    user.send(2, "ALERTING")
    net.msg(2, "ALERTING")
    user.send(2, "CONNECT")
    net.msg(2, "CONNECT")
    user.engine.set_dsp(user.ts[2], Dsp.DTMF)
    net.engine.send_dtmf(net.ts[2], "5", on_ms=80, off_ms=80)
    assert user.digits(2, 1) == "5"
    net.send(2, "DISCONNECT cause=16")
    user.msg(2, "DISCONNECT", cause="16")
    user.send(2, "RELEASE")
    net.msg(2, "RELEASE")
    # the channel is free again: a second call on it goes through
    _call_cleared_by_callee(net, user, 2, "13800138000", "4002", "21")


def test_overlap_setup_acknowledge_and_digits_by_information(pri_overlap_pair):
    """The exchange's SETUP without Sending Complete: the customer answers SETUP ACKNOWLEDGE, the rest of the
    number comes one INFORMATION per digit, then CALL PROCEEDING, ALERTING and CONNECT as en bloc."""
    net, user = pri_overlap_pair
    net.send(1, "SETUP calling=13800138000 called=40 complete=0")
    setup = user.msg(1, "SETUP")
    assert (setup.fields["called"], setup.fields["complete"], setup.fields["exclusive"]) == ("40", "0", "0"), setup
    user.send(1, "SETUP_ACK")
    net.msg(1, "SETUP_ACK")
    net.send(1, "INFO digits=021")
    got = "".join(user.msg(1, "INFO", complete="0").fields["digits"] for _ in range(3))
    assert got == "021", got
    user.send(1, "ALERTING")
    net.msg(1, "PROCEEDING")
    net.msg(1, "ALERTING")
    user.send(1, "CONNECT")
    net.msg(1, "CONNECT")
    net.engine.set_dsp(net.ts[1], Dsp.DTMF)
    user.engine.send_dtmf(user.ts[1], "8", on_ms=80, off_ms=80)
    assert net.digits(1, 1) == "8"
    net.send(1, "DISCONNECT cause=16")
    user.msg(1, "DISCONNECT", cause="16")
    user.send(1, "RELEASE")
    net.msg(1, "RELEASE")
    # a SETUP with Sending Complete on an overlap span is en bloc: the line proceeds without SETUP ACKNOWLEDGE
    net.send(1, "SETUP calling=1 called=4001")
    assert user.msg(1, "SETUP").fields["complete"] == "1"
    user.send(1, "DISCONNECT cause=16")
    net.msg(1, "DISCONNECT", cause="16")
    net.send(1, "RELEASE")
    user.msg(1, "RELEASE")


def test_preferred_channel_busy_here_takes_another_and_the_caller_follows(pri_overlap_pair):
    """A call holds timeslot 1; the exchange's SETUP (from its timeslot 3's line) names timeslot 1 as preferred: the
    customer puts it on its first free timeslot (2) and answers with that channel; the exchange's engine moves its
    call there (MOVED to timeslot 3's line, the responses on timeslot 2's), and the call carries DTMF."""
    net, user = pri_overlap_pair
    net.send(1, "SETUP calling=1 called=100")
    user.msg(1, "SETUP")
    user.send(1, "CONNECT")
    net.msg(1, "CONNECT")
    net.send(3, "SETUP calling=2 called=200 channel=1")
    setup = user.msg(2, "SETUP")
    assert (setup.fields["called"], setup.fields["requested"], setup.fields["exclusive"]) == ("200", "1", "0"), setup
    user.send(2, "ALERTING")
    moved = net.msg(3, "MOVED")
    assert (moved.fields["channel"], moved.fields["chan"]) == ("2", str(net.ts[2])), moved
    net.msg(2, "ALERTING")
    user.send(2, "CONNECT")
    net.msg(2, "CONNECT")
    user.engine.set_dsp(user.ts[2], Dsp.DTMF)
    net.engine.send_dtmf(net.ts[2], "6", on_ms=80, off_ms=80)
    assert user.digits(2, 1) == "6"
    for ts in (2, 1):
        net.send(ts, "DISCONNECT cause=16")
        user.msg(ts, "DISCONNECT", cause="16")
        user.send(ts, "RELEASE")
        net.msg(ts, "RELEASE")


@pytest.mark.parametrize("cause", ["17", "1"], ids=["busy", "unallocated"])
def test_the_exchange_refuses_a_call_with_its_cause(pri_pair, cause):
    net, user = pri_pair
    _call_cleared_by_callee(user, net, 3, "02150001", "99999", cause)
    # and the timeslot takes the next call
    user.send(3, "SETUP calling=02150001 called=88001")
    net.msg(3, "SETUP", called="88001")
    net.send(3, "DISCONNECT cause=16")
    user.msg(3, "DISCONNECT", cause="16")


def test_d_channel_cut_blocks_calls_until_it_is_back():
    net = PriSide(NET_B, NET_D, "network")
    user = PriSide(USER_B, USER_D, "user")
    try:
        net.d_channel_up()
        user.d_channel_up()
        user.events.clear()
        net.close()                          # the exchange's D-channel goes silent
        started = time.monotonic()
        ev = user.alarm(lambda e: e.bits != 0, "the D-channel down alarm on span 4")
        assert "DCHAN" in ev.text, ev
        print(f"D-channel down seen after {time.monotonic() - started:.1f} s")
        user.send(4, "SETUP calling=1 called=2")
        user.msg(4, "DISCONNECT", cause="38")      # network out of order
        net = PriSide(NET_B, NET_D, "network")
        user.d_channel_up()
        net.d_channel_up()
        user.send(4, "SETUP calling=1 called=2")
        net.msg(4, "SETUP", called="2")
    finally:
        user.close()
        net.close()


def test_restart_from_the_exchange_ends_the_call_and_frees_the_channel(pri_pair):
    net, user = pri_pair
    user.send(4, "SETUP calling=02150001 called=88004")
    net.msg(4, "SETUP", called="88004")
    net.send(4, "CONNECT")
    user.msg(4, "CONNECT")
    net.send(4, "RESTART")                  # the exchange restarts timeslot 4 under the call
    user.msg(4, "DISCONNECT", cause="41", restart="1")
    net.msg(4, "DISCONNECT", cause="41", restart="1")
    # both ends are free of it: the timeslot carries the next call, set up and cleared as usual
    net.send(4, "SETUP calling=13800138000 called=4004")
    user.msg(4, "SETUP", called="4004")
    user.send(4, "CONNECT")
    net.msg(4, "CONNECT")
    net.send(4, "DISCONNECT cause=16")
    user.msg(4, "DISCONNECT", cause="16")
    user.send(4, "RELEASE")
    net.msg(4, "RELEASE")
    # a RESTART of an idle timeslot tells nobody anything, and the call after it (the D-channel keeps their order)
    # gets through
    net.send(4, "RESTART")
    net.send(4, "SETUP calling=13800138000 called=4005")
    user.msg(4, "SETUP", called="4005")
    assert not [e for e in user.events + net.events if isinstance(e, SigMsg) and e.kind == "DISCONNECT"]
    user.send(4, "DISCONNECT cause=16")
    net.msg(4, "DISCONNECT", cause="16")


def test_our_restarts_go_out_one_at_a_time_and_each_is_acknowledged(pri_pair):
    """Three RESTARTs asked for at once: libpri keeps one outstanding (they share the global call reference), so the
    engine sends each after the last one's RESTART ACKNOWLEDGE and tells its line RESTARTED acknowledged=1."""
    net, user = pri_pair
    for ts in (1, 2, 3):
        user.send(ts, "RESTART")
    for ts in (1, 2, 3):
        user.msg(ts, "RESTARTED", acknowledged="1")
    assert not [e for e in user.events + net.events if isinstance(e, SigMsg) and e.kind == "DISCONNECT"]
    # the restarted channels carry calls after
    _call_cleared_by_callee(user, net, 2, "02150001", "88002", "16")


def _tone_on(side: PriSide, ts: int, tone: str, timeout: float = 10.0) -> None:
    cid = side.ts[ts]
    side.wait_for(lambda e: isinstance(e, ToneEvent) and e.chan == cid and e.on and e.tone == tone,
                  f"{tone} heard on timeslot {ts} of span {side.spanno}", timeout)


def test_progress_indicator_8_before_the_answer_carries_the_tones_both_ways(pri_pair):
    """Our call: the exchange alerts with progress indicator 8 (`ALERTING inband=1` here) and its ringback, on the
    B-channel before any CONNECT, is heard here; then it refuses a second call in-band (PROGRESS with cause 17 and PI 8,
    its busy tone): `PROGRESS inband=1 cause=17` and the busy tone heard, the call cleared by us with 17. Their call:
    the customer plays before answering: PROGRESS (PI 8) reaches the exchange with the tone."""
    net, user = pri_pair
    user.send(3, "SETUP calling=02150001 called=88003")
    net.msg(3, "SETUP")
    net.send(3, "ALERTING inband=1")
    net.engine.play(net.ts[3], [("tone", "ringback", 0)])
    user.engine.set_dsp(user.ts[3], Dsp.PROGRESS)
    user.msg(3, "ALERTING", inband="1")
    _tone_on(user, 3, "ringback")
    user.send(3, "DISCONNECT cause=16")
    net.msg(3, "DISCONNECT", cause="16")
    net.engine.play_stop(net.ts[3], 0)
    net.send(3, "RELEASE")
    user.msg(3, "RELEASE")

    user.send(4, "SETUP calling=02150001 called=88004")
    net.msg(4, "SETUP")
    net.send(4, "PROGRESS cause=17")
    net.engine.play(net.ts[4], [("tone", "busy", 0)])
    user.engine.set_dsp(user.ts[4], Dsp.PROGRESS)
    user.msg(4, "PROGRESS", inband="1", cause="17")
    _tone_on(user, 4, "busy")
    user.send(4, "DISCONNECT cause=17")
    net.msg(4, "DISCONNECT", cause="17")
    net.engine.play_stop(net.ts[4], 0)
    net.send(4, "RELEASE")
    user.msg(4, "RELEASE")

    net.send(5, "SETUP calling=13800138000 called=4005")
    user.msg(5, "SETUP")
    user.send(5, "ALERTING")
    assert "inband" not in net.msg(5, "ALERTING").fields        # a plain ALERTING: no in-band information yet
    user.send(5, "PROGRESS")
    user.engine.play(user.ts[5], [("tone", "ringback", 0)])
    net.engine.set_dsp(net.ts[5], Dsp.PROGRESS)
    net.msg(5, "PROGRESS", inband="1", progress="8")
    _tone_on(net, 5, "ringback")
    user.engine.play_stop(user.ts[5], 0)
    net.send(5, "DISCONNECT cause=16")
    user.msg(5, "DISCONNECT", cause="16")
    user.send(5, "RELEASE")
    net.msg(5, "RELEASE")


def test_redirecting_number_both_ways(pri_pair):
    """A call we forward names the number it was for and why (redirecting number, reason 15 unconditional); the
    exchange's forwarded call (reason 1, busy) arrives with both."""
    net, user = pri_pair
    user.send(1, "SETUP calling=02150001 called=88005 redirecting=4001 redirecting_reason=15")
    setup = net.msg(1, "SETUP")
    assert (setup.fields.get("redirecting"), setup.fields.get("redirecting_reason")) == ("4001", "15"), setup
    net.send(1, "DISCONNECT cause=21")
    user.msg(1, "DISCONNECT", cause="21")
    user.send(1, "RELEASE")
    net.msg(1, "RELEASE")
    net.send(2, "SETUP calling=13800138000 called=4002 redirecting=4009 redirecting_reason=1")
    setup = user.msg(2, "SETUP")
    assert (setup.fields.get("redirecting"), setup.fields.get("redirecting_reason")) == ("4009", "1"), setup
    user.send(2, "DISCONNECT cause=21")
    net.msg(2, "DISCONNECT", cause="21")
    net.send(2, "RELEASE")
    user.msg(2, "RELEASE")


def _call_cleared_by_callee(caller: PriSide, callee: PriSide, ts: int, calling: str, called: str,
                            cause: str) -> None:
    """A call on timeslot ts that the callee refuses or ends with cause, the caller releasing it."""
    caller.send(ts, f"SETUP calling={calling} called={called}")
    callee.msg(ts, "SETUP", called=called)
    callee.send(ts, f"DISCONNECT cause={cause}")
    caller.msg(ts, "DISCONNECT", cause=cause)
    caller.send(ts, "RELEASE")
    callee.msg(ts, "RELEASE")


def _glare_outcome(net: PriSide, user: PriSide, ts: int, timeout: float = 10.0) -> tuple[PriSide, SigMsg, SigMsg]:
    """(the side that lost, its DISCONNECT, the SETUP of the winner's call it was offered): the first side
    told both on the timeslot, in whichever order they came."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for side in (net, user):
            mine = [e for e in side.events if isinstance(e, SigMsg) and e.chan == side.ts[ts]]
            disc = next((e for e in mine if e.kind == "DISCONNECT"), None)
            setup = next((e for e in mine if e.kind == "SETUP"), None)
            if disc and setup:
                side.events.remove(disc)
                side.events.remove(setup)
                return side, disc, setup
        for side in (net, user):
            side.pump(0.02)
    raise AssertionError(f"no side was told both a DISCONNECT and a SETUP on timeslot {ts}: "
                         f"{[e for e in net.events + user.events if isinstance(e, SigMsg)]}")


def test_glare_one_call_proceeds_the_other_fails_with_cause_44(pri_pair):
    """Both ends seize timeslot 5 at once (each SETUP names it exclusive): exactly one call goes through (the
    network side's on a real crossing); the other end's call is refused with cause 44 and that end is offered
    the winner's call on the same timeslot; nothing stays stuck."""
    net, user = pri_pair
    user.send(5, "SETUP calling=02150001 called=111")
    net.send(5, "SETUP calling=13800138000 called=222")
    loser, disc, setup = _glare_outcome(net, user, 5)
    winner = user if loser is net else net
    assert disc.fields["cause"] == "44", disc
    assert setup.fields["called"] == ("222" if winner is net else "111"), setup
    crossing = disc.fields.get("glare") == "1"
    assert winner is net or not crossing, (disc, setup)       # on a real crossing the network side wins
    print(f"glare: the {'network' if winner is net else 'user'} side's call went through"
          f"{' (a real crossing: the user side gave its call up)' if crossing else ' (its SETUP came first)'}")
    loser.send(5, "CONNECT")
    winner.msg(5, "CONNECT")
    winner.engine.set_dsp(winner.ts[5], Dsp.DTMF)
    loser.engine.send_dtmf(loser.ts[5], "3", on_ms=80, off_ms=80)
    assert winner.digits(5, 1) == "3"
    winner.send(5, "DISCONNECT cause=16")
    loser.msg(5, "DISCONNECT", cause="16")
    loser.send(5, "RELEASE")
    winner.msg(5, "RELEASE")
    # no call of the crossing is left behind: the timeslot takes the next call from the side that lost
    loser.send(5, "SETUP calling=1 called=333")
    winner.msg(5, "SETUP", called="333")
    winner.send(5, "DISCONNECT cause=16")
    loser.msg(5, "DISCONNECT", cause="16")
    stray = [e for e in user.events + net.events if isinstance(e, SigMsg) and e.chan in (user.ts[5], net.ts[5])]
    assert not [e for e in stray if e.kind in ("SETUP", "CONNECT")], stray


# ---- through chand: both sides of the PRI are chand's own spans, driven by an application ---------------------

PRI_CHAND_CONFIG = """\
[system]
node = "dahdi-vm-pri"
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

[[routes]]                      # the customer's numbers: four digits (overlap receiving stops at the fourth)
dialled = "400?"
application = "app:reception"

[[spans]]
name = "exchange"               # span 3: we play the network side
driver = "dahdi"
type = "e1"
channels = "49-50"
signalling = "pri"
pri_side = "network"
pri_switch = "euroisdn"
pri_overlap = true              # overlap sending: SETUP with two digits, the rest by INFORMATION
pri_overlap_setup_digits = 2

[[spans]]
name = "pri"                    # span 4: the customer's side; D-channel found on timeslot 16 (channel 95)
driver = "dahdi"
type = "e1"
channels = "80-81"
signalling = "pri"
pri_restart_on_up = true        # RESTART each idle B-channel when the D-channel comes up
pri_overlap = true              # overlap receiving: SETUP ACKNOWLEDGE, digits until the routes can decide

[[trunk_groups]]
name = "to_customer"
lines = ["exchange/*"]

[[trunk_groups]]
name = "to_exchange"
lines = ["pri/*"]
"""


@pytest.fixture(scope="module")
def pri_chand(tmp_path_factory):
    from chand_rig import ChandProcess
    proc = ChandProcess(tmp_path_factory.mktemp("pri-chand"), PRI_CHAND_CONFIG)
    proc.start()
    yield proc
    proc.stop()
    print("---- the PRI chand's log\n" + proc.log_text(100_000))


async def _lines_idle(app, names: set[str], timeout: float = UP_S) -> None:
    """Wait until the lines are idle (chand blocks a PRI span's lines while its D-channel is down): their state
    now, then their `line_state` events (the app is subscribed to lines)."""
    mark = app.mark()
    status = await app.call("status")
    states = {ln["chan"]: ln["state"] for ln in status["lines"] if ln["chan"] in names}

    def all_idle(ev: dict | None = None) -> bool:
        if ev is not None and ev.get("event") == "line_state" and ev.get("chan") in names:
            states[ev["chan"]] = ev["state"]
        return len(states) == len(names) and set(states.values()) == {"idle"}
    if not all_idle():
        try:
            await app.wait_for(all_idle, since=mark, timeout=timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"PRI lines not idle within {timeout:.0f} s: {states}") from None


async def _digits(app, chan: str, n: int, since: int, timeout: float = 20.0) -> str:
    """The first n digits the line reports from `since` on."""
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


async def _restarted(app, names: set[str], timeout: float = UP_S) -> None:
    """Wait until the lines' last RESTART was acknowledged: `status` now (its `restart`), then line_restarted."""
    mark = app.mark()
    status = await app.call("status")
    state = {ln["chan"]: ln.get("restart", "") for ln in status["lines"] if ln["chan"] in names}

    def done(ev: dict | None = None) -> bool:
        if ev is not None and ev.get("event") == "line_restarted" and ev.get("chan") in names:
            state[ev["chan"]] = "acknowledged" if ev["acknowledged"] else "unanswered"
        return set(state.values()) == {"acknowledged"}
    if not done():
        try:
            await app.wait_for(done, since=mark, timeout=timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"RESTARTs not acknowledged within {timeout:.0f} s: {state}") from None


async def _ended_outbound(chand, span: str, dialled: tuple[str, ...]):
    """The span's closed record of an outbound call to one of those numbers."""
    def last_outbound(legs):
        legs = [lg for lg in legs if lg["direction"] == "outbound" and lg["dialled"] in dialled]
        return legs[-1] if legs else None
    return await chand.closed_leg(span, last_outbound, f"outbound record to {dialled}")


async def pri_calls(chand) -> None:
    from telephonist.client import ApiCallError, Client
    app = await Client.connect_unix(chand.socket, app="reception", role="app")
    admin = await Client.connect_unix(chand.socket, app="admin", role="admin")
    try:
        await app.call("subscribe", lines=True)
        await _lines_idle(app, {"exchange/1", "exchange/2", "pri/1", "pri/2"})
        # 0. pri_restart_on_up: chand restarted the customer's idle channels when its D-channel came up
        await _restarted(app, {"pri/1", "pri/2"})
        assert all(not ln.get("restart") for ln in (await app.call("status"))["lines"]
                   if ln["chan"].startswith("exchange/")), "the exchange span has no pri_restart_on_up"

        # 1. The exchange calls the customer: numbers on both legs, answer, DTMF both ways, the exchange hangs up.
        #    The exchange sends overlap (SETUP with "40", then "0" and "1" by INFORMATION); the customer's line rings
        #    with "40" and is offered "4001" once the route 400? is matched.
        mark = app.mark()
        offered = app.expect("offer", span="pri")
        out = await app.call("dial", trunk_group="to_customer", number="4001", caller_id="13800138000")
        offer = await asyncio.wait_for(offered, 20)
        assert (offer["caller"], offer["dialled"]) == ("13800138000", "4001"), offer
        leg_in, leg_out = offer["chan"], out["chan"]
        rang = [ev for ev in app.events.since(mark) if ev.get("event") == "line_state" and ev.get("chan") == leg_in
                and ev.get("signal") == "incoming"]
        assert [ev["dialled"] for ev in rang] == ["40"], rang
        answered = app.expect("answered", chan=leg_out)
        await app.call("answer", chan=leg_in)
        await asyncio.wait_for(answered, 20)
        mark = app.mark()
        await app.call("send_dtmf", chan=leg_out, digits="42#")
        assert await _digits(app, leg_in, 3, mark) == "42#"
        mark = app.mark()
        await app.call("send_dtmf", chan=leg_in, digits="7*")
        assert await _digits(app, leg_out, 2, mark) == "7*"
        hung_up = app.expect("hangup", chan=leg_in)
        await app.call("hangup", chan=leg_out)
        hangup = await asyncio.wait_for(hung_up, 20)
        assert hangup["by"] == "remote" and hangup["cause"].startswith("16"), hangup
        inbound = await chand.ended_leg("pri", 1)
        outbound = await chand.ended_leg("exchange", 1)
        assert (inbound["direction"], inbound["caller"], inbound["dialled"]) == ("inbound", "13800138000", "4001")
        assert (outbound["direction"], outbound["caller"], outbound["dialled"]) == ("outbound", "13800138000", "4001")
        assert inbound["disposition"] == outbound["disposition"] == "answered", (dict(inbound), dict(outbound))
        assert inbound["hangup_cause"].startswith("16"), dict(inbound)

        # 2. The customer calls out and hangs up first.
        await _lines_idle(app, {"exchange/1", "pri/1"})
        offered = app.expect("offer", span="exchange")
        out = await app.call("dial", trunk_group="to_exchange", number="88001", caller_id="02150001")
        offer = await asyncio.wait_for(offered, 20)
        assert (offer["caller"], offer["dialled"]) == ("02150001", "88001"), offer
        leg_in, leg_out = offer["chan"], out["chan"]
        answered = app.expect("answered", chan=leg_out)
        await app.call("answer", chan=leg_in)
        await asyncio.wait_for(answered, 20)
        hung_up = app.expect("hangup", chan=leg_in)
        await app.call("hangup", chan=leg_out)
        hangup = await asyncio.wait_for(hung_up, 20)
        assert hangup["by"] == "remote" and hangup["cause"].startswith("16"), hangup
        outbound = await chand.ended_leg("pri", 2)
        inbound = await chand.ended_leg("exchange", 2)
        assert (outbound["direction"], outbound["caller"], outbound["dialled"]) == ("outbound", "02150001", "88001")
        assert (inbound["direction"], inbound["caller"], inbound["dialled"]) == ("inbound", "02150001", "88001")

        # 3. Busy and unallocated: the exchange refuses, the customer's record says why.
        for n, (cause, code, disposition) in enumerate((("busy", "17", "busy"), ("unallocated", "1", "failed")), 3):
            await _lines_idle(app, {"exchange/1", "exchange/2", "pri/1", "pri/2"})
            offered = app.expect("offer", span="exchange")
            out = await app.call("dial", trunk_group="to_exchange", number="99999", caller_id="02150001")
            offer = await asyncio.wait_for(offered, 20)
            failed = app.expect("dial_failed", chan=out["chan"])
            await app.call("hangup", chan=offer["chan"], cause=cause)
            fail = await asyncio.wait_for(failed, 20)
            assert fail["cause"].startswith(code), fail
            leg = await chand.ended_leg("pri", n)
            assert (leg["disposition"], leg["hangup_cause"].split()[0]) == (disposition, code), dict(leg)

        # 4. The admin restarts pri/1 under an answered call: both legs end with cause 41, the far end acknowledges,
        #    and the channel takes the next call. An application may not restart.
        await _lines_idle(app, {"exchange/1", "exchange/2", "pri/1", "pri/2"})
        offered = app.expect("offer", span="pri")
        out = await app.call("dial", trunk_group="to_customer", number="4005", caller_id="13800138000")
        offer = await asyncio.wait_for(offered, 20)
        assert offer["chan"] == "pri/1", offer
        answered = app.expect("answered", chan=out["chan"])
        await app.call("answer", chan=offer["chan"])
        await asyncio.wait_for(answered, 20)
        with pytest.raises(ApiCallError) as refused:
            await app.call("restart", chan="pri/1")
        assert refused.value.code == "forbidden", refused.value
        ours, theirs = app.expect("hangup", chan="pri/1"), app.expect("hangup", chan=out["chan"])
        acked = app.expect("line_restarted", chan="pri/1")
        assert (await admin.call("restart", chan="pri/1"))["restarting"] == ["pri/1"]
        for ev in await asyncio.gather(asyncio.wait_for(ours, 20), asyncio.wait_for(theirs, 20)):
            assert ev["cause"].startswith("41"), ev
        assert (await asyncio.wait_for(acked, 20))["acknowledged"] is True
        restarted = await chand.ended_leg("pri", 5)
        assert (restarted["disposition"], restarted["hangup_cause"]) == ("answered", "41 temporary_failure"), \
            dict(restarted)
        await _lines_idle(app, {"exchange/1", "pri/1"})
        offered = app.expect("offer", span="pri")
        out = await app.call("dial", trunk_group="to_customer", number="4006", caller_id="13800138000")
        offer = await asyncio.wait_for(offered, 20)
        await app.call("hangup", chan=out["chan"])
        await _lines_idle(app, {"exchange/1", "pri/1"})

        # 5. Glare through chand: both spans dial at once and hunt to the same B-channel (timeslot 1). Either the
        #    SETUPs cross (the network side's call goes on; the customer's fails with cause 44), or one reaches the
        #    other engine before that side's own SETUP went out (that side's call fails with 44), or one dial came
        #    late enough to hunt to timeslot 2. A side whose call failed is offered the other's on the same line;
        #    at most one call fails, and every line is idle at the end.
        offers: dict[str, dict] = {}
        failures: dict[str, dict] = {}

        def seen(ev: dict) -> bool:
            if ev.get("event") == "offer" and ev.get("span") in ("pri", "exchange"):
                offers[ev["span"]] = ev
            if ev.get("event") == "dial_failed":
                failures[ev["chan"]] = ev
            return len(offers) + len(failures) >= 2
        mark = app.mark()
        x_out, p_out = await asyncio.gather(
            app.call("dial", trunk_group="to_customer", number="4007", caller_id="13800138000"),
            app.call("dial", trunk_group="to_exchange", number="88007", caller_id="02150001"))
        await app.wait_for(seen, since=mark, timeout=30)
        print(f"PRI glare through chand: dialled {x_out['chan']} and {p_out['chan']}; offered "
              f"{[(sp, o['chan'], o['dialled']) for sp, o in offers.items()]}; failed {list(failures.values())}")
        assert offers and len(failures) <= 1, (offers, failures)
        for chan, ev in failures.items():
            assert ev["cause"] == "44 channel_unavailable", ev
            assert offers[chan.split("/")[0]]["chan"] == chan, (offers, failures)   # the loser's line takes theirs
        for ev in offers.values():
            await app.call("answer", chan=ev["chan"])
        for dialled in (x_out, p_out):
            if dialled["chan"] not in failures:
                await app.call("hangup", chan=dialled["chan"])
        await _lines_idle(app, {"exchange/1", "exchange/2", "pri/1", "pri/2"})
        for chan in failures:
            lost = await _ended_outbound(chand, chan.split("/")[0], ("4007", "88007"))
            assert lost["hangup_cause"] == "44 channel_unavailable", dict(lost)

        # 6. The customer forwards a call (dial naming the redirecting number 4001): the exchange's offer names it. The
        #    exchange's application plays before answering (PROGRESS with progress indicator 8 goes out): the customer's
        #    leg is told `progress` with inband, and its audio is open before any answer (the DTMF the exchange's
        #    application sends is heard on the proceeding leg).
        await _lines_idle(app, {"exchange/1", "exchange/2", "pri/1", "pri/2"})
        offered = app.expect("offer", span="exchange")
        out = await app.call("dial", trunk_group="to_exchange", number="88009", caller_id="02150001",
                             redirecting="4001")
        offer = await asyncio.wait_for(offered, 20)
        assert (offer.get("redirecting"), offer.get("redirecting_reason")) == ("4001", "unconditional"), offer
        early = app.expect("progress", chan=out["chan"], inband=True)
        await app.call("play", chan=offer["chan"], items=[{"tone": "ringback", "ms": 0}], loop=True)
        ev = await asyncio.wait_for(early, 20)
        assert ev["what"] == "progress", ev
        mark = app.mark()
        await app.call("stop", chan=offer["chan"])
        await app.call("send_dtmf", chan=offer["chan"], digits="58")
        assert await _digits(app, out["chan"], 2, mark) == "58"
        st = {ln["chan"]: ln["state"] for ln in (await app.call("status"))["lines"]}
        assert st[out["chan"]] == "proceeding", st
        await app.call("hangup", chan=out["chan"])
        await _lines_idle(app, {"exchange/1", "exchange/2", "pri/1", "pri/2"})
    finally:
        await admin.close()
        await app.close()


def test_pri_calls_between_two_spans_of_one_daemon(pri_chand):
    asyncio.run(pri_calls(pri_chand))
