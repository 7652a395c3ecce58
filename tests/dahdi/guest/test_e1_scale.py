"""Scale on E1 PRI: 4 spans of 30 B-channels (120 lines) carrying 120 concurrent calls through chand, each with a
DTMF string of its own both ways, none crossed.

guest-main.sh wires four E1 PRI pairs back to back (spans 3/4, 7/8, 9/10, 11/12). Two chand daemons drive them, as
two boxes would be: the exchange's on the four odd spans (network side) and Telephonist's on the four even ones
(user side), each with its own engine, media thread and call-record database. Calls on pairs 1-2 come from the
exchange (inbound on Telephonist's side), calls on pairs 3-4 go out from Telephonist: each span only ever seizes in
one direction, so no glare.

The guest is emulated (TCG): the test prints where the guest's CPU went while the 240 legs sent and detected their
digits (guest /proc/stat, each chand's threads, the test process) and how late the chands' media ticks were.
tests/dahdi/guest/bench_e1_media.py breaks one media thread's time down further.

make test-dahdi runs it; make test leaves it out (tests/dahdi/test_dahdi_vm.py, guest_command()).
"""
from __future__ import annotations

import asyncio
import os
import sqlite3
import time

import pytest
from chand_rig import ChandProcess

CALLS_PER_SPAN = 30
PAIRS = [  # (exchange span, its B-channels, Telephonist's span, its B-channels): timeslot n faces timeslot n
    ("x1", "49-63,65-79", "t1", "80-94,96-110"),
    ("x2", "173-187,189-203", "t2", "204-218,220-234"),
    ("x3", "235-249,251-265", "t3", "266-280,282-296"),
    ("x4", "297-311,313-327", "t4", "328-342,344-358"),
]
INBOUND_PAIRS = (0, 1)          # the exchange calls Telephonist on these; Telephonist calls out on the others
UP_S = 120.0                    # four D-channels come up under emulation while chand starts its 120 lines
STEP_S = 120.0                  # a phase of 120 calls (setups, answers, digits, clearing) on the emulated guest


def scale_config(node: str, spans: list[tuple[str, str]], side: str) -> str:
    parts = [f"""\
[system]
node = "{node}"
state_dir = "state"
recordings_dir = "state/recordings"
prompts_dir = "prompts"
tone_zone = "cn"
codec = "alaw"

[database]
url = "sqlite:///state/calls.db"

[control]
socket = "state/chand.sock"
app_timeout_ms = 30000

[routing]
default = "app:reception"
"""]
    for name, chans in spans:
        parts.append(f"""
[[spans]]
name = "{name}"
driver = "dahdi"
type = "e1"
channels = "{chans}"
signalling = "pri"
pri_side = "{side}"

[[trunk_groups]]
name = "from_{name}"
lines = ["{name}/*"]
""")
    return "".join(parts)


class Call:
    """One of the 120 calls: who dials on which span, its numbers and the digits each end sends."""

    def __init__(self, i: int) -> None:
        pair = i // CALLS_PER_SPAN
        ex, _, us, _ = PAIRS[pair]
        self.i = i
        self.inbound = pair in INBOUND_PAIRS
        self.from_span, self.to_span = (ex, us) if self.inbound else (us, ex)
        self.number = f"4{i:03d}" if self.inbound else f"88{i:03d}"
        self.caller = f"1380013{i:04d}" if self.inbound else f"0215{i:04d}"
        # 240 strings, all different: the dialler's ends in '#', the answerer's starts with '*'
        self.forward = f"{'ABCD'[i % 4]}{i:03d}#"
        self.backward = f"*{i:03d}{'DCBA'[i % 4]}"
        self.out_chan = ""          # the dialling leg (line name)
        self.in_chan = ""           # the answering leg


def _thread_ticks(pid: int) -> dict[str, tuple[int, int]]:
    """(user, system) clock ticks of a process's threads, by thread name."""
    threads: dict[str, tuple[int, int]] = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                raw = f.read()
        except FileNotFoundError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2:].split()
        u, s = threads.get(comm, (0, 0))
        threads[comm] = (u + int(rest[11]), s + int(rest[12]))
    return threads


def cpu_snapshot(procs: dict[str, int]) -> dict:
    """Guest-wide CPU ticks by kind, the chands' threads' and this process's: to tell where the time went."""
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:]
    names = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
    return {"at": time.monotonic(), "cpu": {n: int(v) for n, v in zip(names, fields)},
            "procs": {label: _thread_ticks(pid) for label, pid in procs.items()}}


def cpu_report(what: str, a: dict, b: dict) -> str:
    hz = os.sysconf("SC_CLK_TCK")
    wall = b["at"] - a["at"]
    ncpu = os.cpu_count() or 1
    d = {k: (b["cpu"][k] - a["cpu"][k]) / hz for k in a["cpu"]}
    busy = sum(v for k, v in d.items() if k not in ("idle", "iowait"))
    kinds = ", ".join(f"{k} {100 * v / (wall * ncpu):.0f}%" for k, v in d.items() if v)
    out = [f"CPU {what}: {wall:.1f} s wall, guest busy {100 * busy / (wall * ncpu):.0f}% of {ncpu} vCPUs ({kinds})"]
    for label, threads in b["procs"].items():
        before = a["procs"].get(label, {})
        used = {k: tuple((v - w) / hz for v, w in zip(t, before.get(k, (0, 0)))) for k, t in threads.items()}
        top = ", ".join(f"{k} {100 * (u + s) / wall:.0f}% (user {100 * u / wall:.0f}%, sys {100 * s / wall:.0f}%)"
                        for k, (u, s) in sorted(used.items(), key=lambda kv: -sum(kv[1])) if u + s)
        out.append(f"  {label} (% of one vCPU): {top or 'idle'}")
    return "\n".join(out)


@pytest.fixture(scope="module")
def scale_chands(tmp_path_factory):
    # As their systemd unit runs them: only the media threads real-time (chand sets SCHED_FIFO 20 on its own), not
    # the whole process under chrt as the other guest chands: with 120 calls each chand's Python thread is busy,
    # and two real-time Pythons beside two media threads took more than the 95 % of the guest's CPU the kernel
    # lets real-time tasks have: RT throttling froze the media threads and split digits.
    exchange = ChandProcess(tmp_path_factory.mktemp("e1-exchange"),
                            scale_config("exchange", [(ex, chans) for ex, chans, _, _ in PAIRS], "network"),
                            rr_priority=None)
    ours = ChandProcess(tmp_path_factory.mktemp("e1-telephonist"),
                        scale_config("telephonist", [(us, chans) for _, _, us, chans in PAIRS], "user"),
                        rr_priority=None)
    exchange.start()
    try:
        ours.start()
        for proc in (exchange, ours):
            assert "realtime=fifo:20" in proc.log_text(10**7), f"chand's media thread is not real-time:\n{proc.log_text()}"
        yield exchange, ours
    finally:
        ours.stop()
        exchange.stop()
        for what, proc in (("exchange", exchange), ("Telephonist", ours)):
            print(f"---- the {what} chand's log (tail)\n" + proc.log_text(10_000))


async def _all_idle(app, names: set[str], timeout: float, want: str = "idle") -> None:
    """Wait until every one of the lines is in state `want`: their state now, then their line_state events."""
    mark = app.mark()
    status = await app.call("status")
    states = {ln["chan"]: ln["state"] for ln in status["lines"] if ln["chan"] in names}

    def done(ev: dict | None = None) -> bool:
        if ev is not None and ev.get("event") == "line_state" and ev.get("chan") in names:
            states[ev["chan"]] = ev["state"]
        return len(states) == len(names) and set(states.values()) == {want}
    if not done():
        try:
            await app.wait_for(done, since=mark, timeout=timeout)
        except TimeoutError:
            other = {k: v for k, v in states.items() if v != want}
            raise AssertionError(f"{len(other)} lines not {want} within {timeout:.0f} s: {other}") from None


async def _each(app, kind: str, chans: set[str], since: int, timeout: float) -> dict[str, dict]:
    """The first `kind` event of each of those lines from `since` on."""
    got: dict[str, dict] = {}

    def enough(ev: dict) -> bool:
        if ev.get("event") == kind and ev.get("chan") in chans and ev["chan"] not in got:
            got[ev["chan"]] = ev
        return len(got) == len(chans)
    try:
        await app.wait_for(enough, since=since, timeout=timeout)
    except TimeoutError:
        raise AssertionError(f"{kind}: {len(got)} of {len(chans)} lines within {timeout:.0f} s; "
                             f"missing {sorted(chans - set(got))[:20]}") from None
    return got


def _digits_since(app, since: int) -> dict[str, str]:
    out: dict[str, str] = {}
    for ev in app.events.since(since):
        if ev.get("event") == "dtmf":
            out[ev["chan"]] = out.get(ev["chan"], "") + ev["digit"]
    return out


def _closed_legs(db: str) -> list[sqlite3.Row]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return con.execute("SELECT * FROM call_legs WHERE ended_at IS NOT NULL ORDER BY id").fetchall()
    finally:
        con.close()


async def scale_calls(exchange: ChandProcess, ours: ChandProcess) -> None:
    from telephonist.client import Client
    calls = [Call(i) for i in range(len(PAIRS) * CALLS_PER_SPAN)]
    lines = {"x": {f"{ex}/{n}" for ex, _, _, _ in PAIRS for n in range(1, CALLS_PER_SPAN + 1)},
             "t": {f"{us}/{n}" for _, _, us, _ in PAIRS for n in range(1, CALLS_PER_SPAN + 1)}}
    apps = {"x": await Client.connect_unix(exchange.socket, app="reception", role="app", keep_events=True),
            "t": await Client.connect_unix(ours.socket, app="reception", role="app", keep_events=True)}

    def app_of(chan: str) -> Client:
        return apps[chan[0]]
    try:
        for app in apps.values():
            await app.call("subscribe", lines=True)
        started = time.monotonic()
        await asyncio.gather(*(_all_idle(apps[k], lines[k], UP_S) for k in apps))
        print(f"240 PRI lines idle (8 D-channels up) {time.monotonic() - started:.1f} s after the chands' sockets opened")
        procs = {"exchange chand": exchange.proc.pid, "Telephonist chand": ours.proc.pid, "the test": os.getpid()}
        engine0 = {k: (await app.call("status"))["engine"] for k, app in apps.items()}
        t0 = cpu_snapshot(procs)

        # 1. 120 calls set up at once: 60 from the exchange, 60 from Telephonist.
        marks = {k: app.mark() for k, app in apps.items()}
        for c in calls:
            out = await apps[c.from_span[0]].call("dial", trunk_group=f"from_{c.from_span}", number=c.number,
                                                  caller_id=c.caller)
            c.out_chan = out["chan"]
        by_number = {c.number: c for c in calls}
        offers: list[dict] = []

        async def offered(k: str) -> None:
            want = sum(1 for c in calls if c.to_span[0] == k)
            mine: list[dict] = []

            def enough(ev: dict) -> bool:
                if ev.get("event") == "offer":
                    mine.append(ev)
                return len(mine) >= want
            try:
                await apps[k].wait_for(enough, since=marks[k], timeout=STEP_S)
            finally:
                offers.extend(mine)
        try:
            await asyncio.gather(*(offered(k) for k in apps))
        except TimeoutError:
            raise AssertionError(f"{len(offers)} of {len(calls)} calls offered within {STEP_S:.0f} s") from None
        for ev in offers:
            c = by_number[ev["dialled"]]
            assert not c.in_chan, f"call {c.number} offered twice: {c.in_chan} and {ev['chan']}"
            assert ev["caller"] == c.caller and ev["span"] == c.to_span, (ev, vars(c))
            # the exclusive channel: the call arrives on the timeslot it was dialled on
            assert ev["chan"].split("/")[1] == c.out_chan.split("/")[1], (ev, vars(c))
            c.in_chan = ev["chan"]
        t_offered = time.monotonic()
        marks = {k: app.mark() for k, app in apps.items()}
        for c in calls:
            await app_of(c.in_chan).call("answer", chan=c.in_chan)
        await asyncio.gather(*(_each(apps[k], "answered", {c.out_chan for c in calls if c.out_chan[0] == k},
                                     marks[k], STEP_S) for k in apps))
        t_up = time.monotonic()
        print(f"120 calls offered {t_offered - started:.1f} s, all answered {t_up - started:.1f} s from the start")
        t1 = cpu_snapshot(procs)
        print(cpu_report("setting up 120 calls", t0, t1))

        # 2. Each end sends its own string at once on all 240 legs, and hears its partner's.
        marks = {k: app.mark() for k, app in apps.items()}
        for c in calls:
            await app_of(c.out_chan).call("send_dtmf", chan=c.out_chan, digits=c.forward)
            await app_of(c.in_chan).call("send_dtmf", chan=c.in_chan, digits=c.backward)
        want = {c.in_chan: c.forward for c in calls} | {c.out_chan: c.backward for c in calls}

        async def heard_all(k: str) -> None:
            short = {ch for ch in want if ch[0] == k}
            heard: dict[str, str] = {}

            def done(ev: dict) -> bool:
                if ev.get("event") == "dtmf" and ev.get("chan") in want:
                    heard[ev["chan"]] = got = heard.get(ev["chan"], "") + ev["digit"]
                    if len(got) >= len(want[ev["chan"]]):
                        short.discard(ev["chan"])
                return not short
            try:
                await apps[k].wait_for(done, since=marks[k], timeout=STEP_S)
            except TimeoutError:
                pass            # the comparison below says which legs missed what
        await asyncio.gather(*(heard_all(k) for k in apps))
        t_digits = time.monotonic()
        t2 = cpu_snapshot(procs)
        print(f"240 strings of 5 digits sent and heard in {t_digits - t_up:.1f} s")
        print(cpu_report("240 legs sending and detecting DTMF", t1, t2))

        # 3. Hang up: the dialler on even calls, the answerer on odd ones; the other leg is told, cause 16.
        for c in calls:
            near = c.out_chan if c.i % 2 == 0 else c.in_chan
            await app_of(near).call("hangup", chan=near)
        far = {c.in_chan if c.i % 2 == 0 else c.out_chan for c in calls}
        hangups: dict[str, dict] = {}
        for got in await asyncio.gather(*(_each(apps[k], "hangup", {ch for ch in far if ch[0] == k}, marks[k], STEP_S)
                                          for k in apps)):
            hangups |= got
        t3 = cpu_snapshot(procs)
        print(cpu_report("clearing 120 calls", t2, t3))
        for k, app in apps.items():
            e1 = (await app.call("status"))["engine"]
            print(f"{'exchange' if k == 'x' else 'Telephonist'} chand's media ticks during the run: "
                  f"{e1['ticks'] - engine0[k]['ticks']}, late {e1['late_ticks'] - engine0[k]['late_ticks']}, "
                  f"events dropped {e1['events_dropped']}")

        # every far end heard exactly its partner's string (the digits up to the hang-up, none extra)
        heard = _digits_since(apps["x"], marks["x"]) | _digits_since(apps["t"], marks["t"])
        wrong = {ch: (heard.get(ch, ""), w) for ch, w in want.items() if heard.get(ch, "") != w}
        assert not wrong, f"{len(wrong)} of 240 legs heard other digits (heard, wanted): {dict(list(wrong.items())[:20])}"
        bad = {ch: ev for ch, ev in hangups.items() if ev["by"] != "remote" or not str(ev["cause"]).startswith("16")}
        assert not bad, f"hang-ups not told as the far end's normal clearing: {dict(list(bad.items())[:10])}"

        # 4. Both call records of every call, one in each chand's database: span, direction, numbers, answered.
        deadline = time.monotonic() + STEP_S
        while True:
            legs = _closed_legs(exchange.db) + _closed_legs(ours.db)
            if len(legs) >= 2 * len(calls) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        assert len(legs) == 2 * len(calls), f"{len(legs)} closed call records of {2 * len(calls)}"
        by_key = {(r["span"], r["direction"], r["dialled"]): r for r in legs}
        for c in calls:
            out_leg = by_key.get((c.from_span, "outbound", c.number))
            in_leg = by_key.get((c.to_span, "inbound", c.number))
            assert out_leg is not None and in_leg is not None, (vars(c), [dict(r) for r in legs if r["dialled"] == c.number])
            for leg in (out_leg, in_leg):
                assert (leg["caller"], leg["disposition"]) == (c.caller, "answered"), dict(leg)
                assert leg["hangup_cause"].startswith("16"), dict(leg)
        await asyncio.gather(*(_all_idle(apps[k], lines[k], STEP_S) for k in apps))
        print(f"all 120 calls over and their 240 lines idle {time.monotonic() - started:.1f} s from the start")
    finally:
        for app in apps.values():
            await app.close()


def test_e1_scale_120_calls_with_their_own_dtmf_both_ways(scale_chands):
    asyncio.run(scale_calls(*scale_chands))


async def d_channel_cut(exchange: ChandProcess, ours: ChandProcess) -> None:
    """The exchange's box goes away (its chand stops: the four D-channels fall silent) and comes back."""
    from telephonist.client import ApiCallError, Client
    spans = {us for _, _, us, _ in PAIRS}
    lines = {f"{us}/{n}" for us in spans for n in range(1, CALLS_PER_SPAN + 1)}
    app = await Client.connect_unix(ours.socket, app="reception", role="app", keep_events=True)
    try:
        await app.call("subscribe", lines=True)
        await _all_idle(app, lines, UP_S)
        mark = app.mark()
        cut = time.monotonic()
        exchange.stop()
        alarms = await _each_span(app, spans, mark, lambda ev: ev["bits"] != 0, UP_S)
        assert all("DCHAN" in ev["alarms"] for ev in alarms.values()), alarms
        print(f"the four D-channels down (span_alarm) {time.monotonic() - cut:.1f} s after the exchange stopped")
        await _all_idle(app, lines, UP_S, want="blocked")
        with pytest.raises(ApiCallError) as refused:
            await app.call("dial", trunk_group="from_t1", number="88001", caller_id="02150001")
        assert refused.value.code == "unavailable", refused.value

        mark = app.mark()
        os.unlink(exchange.socket)          # asyncio leaves it behind; start() waits for a new one
        exchange.start()
        back = time.monotonic()
        await _each_span(app, spans, mark, lambda ev: ev["bits"] == 0, UP_S)
        await _all_idle(app, lines, UP_S)
        print(f"the D-channels up and the 120 lines idle {time.monotonic() - back:.1f} s after the exchange's chand "
              "opened its socket")
        x = await Client.connect_unix(exchange.socket, app="reception", role="app", keep_events=True)
        try:
            # the exchange's own lines too (they start blocked until its D channels are up), then a call each way,
            # answered and cleared
            await x.call("subscribe", lines=True)
            await _all_idle(x, {f"{ex}/{n}" for ex, _, _, _ in PAIRS for n in range(1, CALLS_PER_SPAN + 1)}, UP_S)
            for dialler, answerer, group, number in ((app, x, "from_t3", "88990"), (x, app, "from_x1", "4990")):
                offered = answerer.expect("offer", dialled=number)
                out = await dialler.call("dial", trunk_group=group, number=number, caller_id="1")
                failed = dialler.expect("dial_failed", chan=out["chan"])
                done, _ = await asyncio.wait({offered, failed}, timeout=STEP_S, return_when=asyncio.FIRST_COMPLETED)
                assert offered in done, f"{number} from {group}: {failed.result() if failed in done else 'no offer'}"
                offer = offered.result()
                answered = dialler.expect("answered", chan=out["chan"])
                await answerer.call("answer", chan=offer["chan"])
                await asyncio.wait_for(answered, STEP_S)
                hung_up = answerer.expect("hangup", chan=offer["chan"])
                await dialler.call("hangup", chan=out["chan"])
                assert (await asyncio.wait_for(hung_up, STEP_S))["cause"].startswith("16")
        finally:
            await x.close()
    finally:
        await app.close()


async def _each_span(app, spans: set[str], since: int, pred, timeout: float) -> dict[str, dict]:
    """The first span_alarm event of each of those spans that pred accepts, from `since` on."""
    got: dict[str, dict] = {}

    def done(ev: dict) -> bool:
        if ev.get("event") == "span_alarm" and ev.get("span") in spans and ev["span"] not in got and pred(ev):
            got[ev["span"]] = ev
        return len(got) == len(spans)
    try:
        await app.wait_for(done, since=since, timeout=timeout)
    except TimeoutError:
        raise AssertionError(f"span_alarm on {sorted(got)} only of {sorted(spans)} within {timeout:.0f} s") from None
    return got


def test_d_channel_cut_blocks_the_lines_until_the_exchange_is_back(scale_chands):
    asyncio.run(d_channel_cut(*scale_chands))
