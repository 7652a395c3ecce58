"""`telephonist bench sip`: RTP channels one core keeps in real time, and SIP calls per second, through the sip driver.

One engine, two sip spans on 127.0.0.1; span A's peer is span B, so N calls are 2N RTP channels, all on the
engine's one media thread (rtp.c: a frame a tick each way, G.711 A-law, 20 ms packets, jitter buffer on, RTCP
every 5 s). Each side of each call plays a tone, so both directions carry audio. The whole process (media
thread, both spans' SIP threads, this Python driving them) is pinned to one CPU; the media thread runs at
SCHED_FIFO where this process may, as chand runs it. SIP needs wall time (sofia-sip's timers), so calls are
set up on the real-time clock too: there is no free-running ramp.

rtp_channels_realtime: counts of calls are tried by bisection (bench engine's search) for as long as the budget
lasts. A count passes when, in a 2 s window (100 ticks), no tick's work overran its 20 ms (late ticks) or ended
after its deadline (deadline misses), no RTP packet came after its time for the jitter buffer (rx_late), none
was lost (RTCP's cumulative loss, and packets received against packets sent in the window, one in flight per
channel allowed), and packets did flow. The best is then confirmed over a longer window (5 s), stepping down
3 % at a time until one passes: that is the figure reported (channels, 2 per call).

bare_rtp_channels: the reference from the same run, eng_bench_bare_rtp (csrc/bench.c): a C loop over UDP
sockets on loopback in pairs, each channel per 20 ms frame A-law encoding 160 samples, building the RTP
header, sendto() its peer, then recvfrom() one packet, parsing the header and A-law decoding it: no jitter
buffer, no RTCP, no tone, no lock. Its CPU time per channel-frame is turned into channels per 20 ms of a core,
taken before and after the engine and the faster kept.

sip_calls_per_second: calls offered at a steady rate for a window (5 s) from span A to span B, each INVITE /
180 / 200 / ACK, then at once BYE / 200 from A; a rate passes when every call offered connected and was released
with no failure (no DISCONNECT before CONNECT, no line short, all done within 10 s of the window's end). Rates
double from 20 until one fails, then are bisected while the budget lasts, each trial on a fresh engine (1,000
lines a side, same CPU, same scheduling); the best that passed is reported with its p99 set-up time (SETUP sent
to CONNECT heard on A: commands reach the SIP thread through the media thread's tick, so a set-up takes two
ticks, ~40 ms, however idle the stack).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import select
import socket
import time

from telephonist.bench.engine_bench import _cpu, search
from telephonist.bench.scheduling import fifo_allowed

FRAME_MS = 20
RT_PRIORITY = 20
WINDOW_S = 2.0
CONFIRM_S = 5.0
CONFIRM_STEPS = 8
CPS_WINDOW_S = 5.0
CPS_GRACE_S = 10.0
CPS_LINES = 1000                # lines a side for the calls-per-second trials
TONE_MS = 3_600_000


PORTS_FROM = 20000               # where the spans' ports are looked for by default (--ports-from)


def _free_port_base(count: int, start: int) -> int:
    """A first even port p with p .. p+count-1 free for UDP on 127.0.0.1 (and p free for TCP: sofia binds both)."""
    p = start
    while p + count < 60000:
        ok = True
        for q in range(p, p + count):
            for kind in ((socket.SOCK_DGRAM,) if q > p else (socket.SOCK_DGRAM, socket.SOCK_STREAM)):
                s = socket.socket(socket.AF_INET, kind)
                try:
                    s.bind(("127.0.0.1", q))
                except OSError:
                    ok = False
                finally:
                    s.close()
                if not ok:
                    break
            if not ok:
                p = q + 1 + (q + 1) % 2
                break
        if ok:
            return p
    raise RuntimeError("no free ports on 127.0.0.1")


class _Calls:
    """Two sip spans of one engine, A calling B; calls connected and released on request, events pumped here."""

    def __init__(self, nmax: int, ports_from: int) -> None:
        from telephonist.engine import Codec, Engine, SipParams
        self.e = Engine(frame_ms=FRAME_MS, max_channels=2 * nmax + 8)
        sa = _free_port_base(2, ports_from)
        sb = sa + 1
        ra = _free_port_base(2 * nmax + 2, sa + 2 + sa % 2)
        rb = _free_port_base(2 * nmax + 2, ra + 2 * nmax + 2)
        self.a = self.e.add_sip_span(SipParams(bind=f"127.0.0.1:{sa}", rtp_host="127.0.0.1", rtp_port=ra,
                                               peer=f"127.0.0.1:{sb}"), nmax, Codec.ALAW)
        self.b = self.e.add_sip_span(SipParams(bind=f"127.0.0.1:{sb}", rtp_host="127.0.0.1", rtp_port=rb),
                                     nmax, Codec.ALAW)
        self.a_set, self.b_set = set(self.a), set(self.b)
        self.free = list(reversed(self.a))      # A's lines not in a call
        self.up: list[int] = []                 # A lines of connected calls, oldest first
        self.pending: dict[int, float] = {}     # A line -> when its SETUP went
        self.b_up: set[int] = set()             # B lines in a call (answered, not yet hung up)
        self.releasing: set[int] = set()        # A lines whose DISCONNECT went, RELEASE awaited
        self.failed = 0
        self.setup_ms: list[float] = []
        self.on_connect = None                  # callable(a_line) for the cps run: hang up at once
        self.tone = False

    def start(self) -> None:
        from telephonist.engine import Clock
        self.e.start(Clock.REALTIME, 0.0)

    def pump(self, timeout: float) -> None:
        from telephonist.engine import SigMsg
        select.select([self.e.fileno()], [], [], max(0.0, timeout))
        now = time.monotonic()
        for ev in self.e.read_events():
            if not isinstance(ev, SigMsg):
                continue
            ch, kind = ev.chan, ev.kind
            if ch in self.b_set:
                if kind == "SETUP":
                    self.e.sigmsg(ch, "ALERTING")
                    self.e.sigmsg(ch, "CONNECT")
                    if self.tone:
                        self.e.play(ch, [("tone", "dial", TONE_MS)])
                    self.b_up.add(ch)
                elif kind == "DISCONNECT":
                    self.b_up.discard(ch)
                    if self.tone:
                        self.e.play_stop(ch, 0)     # an hour's tone on a free line would still cost a tick
                    self.e.sigmsg(ch, "RELEASE")
                continue
            if kind == "CONNECT" and ch in self.pending:
                self.setup_ms.append((now - self.pending.pop(ch)) * 1000)
                self.up.append(ch)
                if self.tone:
                    self.e.play(ch, [("tone", "ringback", TONE_MS)])
                if self.on_connect:
                    self.on_connect(ch)
            elif kind == "DISCONNECT":
                if ch in self.pending:
                    self.pending.pop(ch)
                    self.failed += 1
                self.e.sigmsg(ch, "RELEASE")
                self.free.append(ch)
                if ch in self.up:
                    self.up.remove(ch)
            elif kind == "RELEASE" and ch in self.releasing:
                self.releasing.discard(ch)
                self.free.append(ch)

    def dial(self) -> bool:
        if not self.free:
            return False
        ch = self.free.pop()
        self.pending[ch] = time.monotonic()
        self.e.sigmsg(ch, "SETUP calling=5551234 called=800")
        return True

    def hang_up(self, a_line: int) -> None:
        if a_line in self.up:
            self.up.remove(a_line)
        self.releasing.add(a_line)
        if self.tone:
            self.e.play_stop(a_line, 0)
        self.e.sigmsg(a_line, "DISCONNECT cause=16")

    def set_calls(self, n: int, within_s: float = 120.0) -> None:
        """n calls up (more dialled 50 at a time, or the newest hung up), or RuntimeError."""
        deadline = time.monotonic() + within_s
        while len(self.up) > n:
            self.hang_up(self.up[-1])
        while (len(self.up) < n or self.pending or self.releasing or len(self.b_up) != len(self.up)) and time.monotonic() < deadline:
            while len(self.up) + len(self.pending) < n and len(self.pending) < 50 and self.dial():
                pass
            self.pump(0.05)
        if len(self.up) != n or self.failed:
            raise RuntimeError(f"could not hold {n} calls: {len(self.up)} up, {self.failed} failed")

    def lines(self) -> list[int]:
        return self.up + sorted(self.b_up)

    def close(self) -> None:
        self.e.close()


def _rtp_totals(c: _Calls, chans: list[int]) -> dict:
    tot = {"rx": 0, "tx": 0, "late": 0, "lost": 0}
    for ch in chans:
        st = c.e.rtp_stats(ch)
        tot["rx"] += st.rx_packets
        tot["tx"] += st.tx_packets
        tot["late"] += st.rx_late
        tot["lost"] += max(0, st.rx_lost)
    return tot


def _measure(c: _Calls, window: float) -> dict:
    end = time.monotonic() + 0.3               # let the changes land
    while time.monotonic() < end:
        c.pump(end - time.monotonic())
    chans = c.lines()
    r0 = _rtp_totals(c, chans)
    c.e.reset_stats()
    ticks0 = c.e.stats().ticks
    end = time.monotonic() + window
    while time.monotonic() < end:
        c.pump(end - time.monotonic())
    st = c.e.stats()
    r1 = _rtp_totals(c, chans)
    d = {k: r1[k] - r0[k] for k in r0}
    ticks = st.ticks - ticks0
    return {"channels": len(chans), "window_s": window, "ticks": ticks, "late_ticks": st.late_ticks,
            "deadline_misses": st.deadline_misses, "max_tick_ms": round(st.work_ns_max / 1e6, 2),
            "avg_tick_ms": round(st.work_ns_total / max(1, ticks) / 1e6, 2),
            "rtp_rx": d["rx"], "rtp_tx": d["tx"], "rtp_rx_late": d["late"], "rtp_lost": d["lost"],
            "rtp_short": max(0, d["tx"] - d["rx"] - len(chans))}


def _ok(m: dict) -> bool:
    return (m["ticks"] > 0 and m["late_ticks"] == 0 and m["deadline_misses"] == 0 and m["rtp_rx"] > 0
            and m["rtp_rx_late"] == 0 and m["rtp_lost"] == 0 and m["rtp_short"] == 0)


def _cps_trial(c: _Calls, rate: float, window: float) -> dict:
    c.setup_ms, c.failed = [], 0
    offered = short = 0
    c.on_connect = c.hang_up
    t0 = time.monotonic()
    while (now := time.monotonic()) < t0 + window:
        due = int((now - t0) * rate) + 1
        while offered < due:
            offered += 1
            if not c.dial():
                short += 1
        c.pump(min(t0 + offered / rate, t0 + window) - time.monotonic())
    end = time.monotonic() + CPS_GRACE_S
    while (c.pending or c.releasing or c.up) and time.monotonic() < end:
        c.pump(0.05)
    c.on_connect = None
    done = len(c.setup_ms)
    s = sorted(c.setup_ms)
    p99 = s[min(len(s) - 1, int(0.99 * len(s)))] if s else 0.0
    left = len(c.pending) + len(c.releasing) + len(c.up)
    res = {"rate": round(rate, 1), "offered": offered, "connected": done, "failed": c.failed, "line_short": short,
           "unfinished": left, "p99_setup_ms": round(p99, 1),
           "median_setup_ms": round(s[len(s) // 2], 1) if s else 0.0}
    # a failed trial leaves nothing behind for the next
    for a_line in list(c.pending):
        c.pending.pop(a_line)
        c.releasing.add(a_line)
        c.e.sigmsg(a_line, "DISCONNECT cause=16")
    end = time.monotonic() + CPS_GRACE_S
    while (c.releasing or c.up) and time.monotonic() < end:
        for a_line in list(c.up):
            c.hang_up(a_line)
        c.pump(0.05)
    return res


def run(seconds: float, rt_priority: int | None = None, max_calls: int | None = None, cpu: int | None = None,
        cps_share: float = 0.3, ports_from: int = PORTS_FROM) -> dict:
    rt_priority = fifo_allowed(RT_PRIORITY) if rt_priority is None else rt_priority
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    allowed = sorted(os.sched_getaffinity(0))
    cpu = allowed[-1] if cpu is None else cpu
    t_start = time.monotonic()
    from telephonist.engine import Engine
    os.sched_setaffinity(0, {cpu})
    try:
        bare_before_ns, got = Engine.bench_bare_rtp(500, 1000)
        bare_channels = int(FRAME_MS * 1e6 / bare_before_ns)
        by_fds = max(4, (hard - 300) // 6)               # a line: RTP and RTCP sockets, the bare loop's too
        nmax = min(by_fds, bare_channels // 2 + 10)
        if max_calls:
            nmax = min(nmax, max_calls)
        rtp_budget = seconds * (1 - cps_share)
        c = _Calls(nmax, ports_from)
        attempts: list[dict] = []
        cps_trials: list[dict] = []
        try:
            c.start()
            if rt_priority:
                c.e.set_realtime(rt_priority)
            c.tone = True

            def passes(n: int, window: float = WINDOW_S) -> bool:
                try:
                    c.set_calls(n)
                except RuntimeError as exc:
                    attempts.append({"calls": n, "error": str(exc)})
                    return False
                m = _measure(c, window)
                m["calls"] = n
                attempts.append(m)
                return _ok(m)

            left = lambda: t_start + rtp_budget - time.monotonic()
            best = search(passes, min(nmax, max(1, int(bare_channels / 2 * 0.4))), nmax,
                          lambda: left() - (CONFIRM_S + 2))
            verified = 0
            for _ in range(CONFIRM_STEPS):
                if best < 1:
                    break
                if passes(best, CONFIRM_S):
                    verified = best
                    break
                best = int(best * 0.97) if best > 30 else best - 1
        finally:
            c.close()

        # SIP calls per second: each trial on a fresh engine, so that an overloaded trial's leftovers (calls
        # still ringing, sofia-sip's retransmissions) do not fail the next
        cps_left = lambda: t_start + seconds - time.monotonic()
        lo_rate, hi_rate, rate, best_cps = 0.0, 0.0, 20.0, None
        while not cps_trials or cps_left() > CPS_WINDOW_S + 3:
            cc = _Calls(min(nmax, CPS_LINES), ports_from)
            try:
                cc.start()
                if rt_priority:
                    cc.e.set_realtime(rt_priority)
                r = _cps_trial(cc, rate, CPS_WINDOW_S)
            finally:
                cc.close()
            cps_trials.append(r)
            ok = r["failed"] == 0 and r["line_short"] == 0 and r["unfinished"] == 0 and r["connected"] == r["offered"]
            if ok:
                lo_rate, best_cps = rate, r
            else:
                hi_rate = rate
            if hi_rate and hi_rate - lo_rate <= max(2.0, lo_rate * 0.05):
                break
            rate = rate * 2 if not hi_rate else (lo_rate + hi_rate) / 2
        bare_after_ns, got_after = Engine.bench_bare_rtp(500, 1000)
    finally:
        os.sched_setaffinity(0, set(allowed))
    bare_ns = min(bare_before_ns, bare_after_ns)
    bare_channels = int(FRAME_MS * 1e6 / bare_ns)
    channels = 2 * verified
    passed = [a for a in attempts if a.get("calls") == verified and "rtp_rx" in a]
    return {
        "rtp_channels_realtime": channels,
        "bare_rtp_channels": bare_channels,
        "ratio": round(channels / bare_channels, 3) if bare_channels else 0.0,
        "sip_calls_per_second": best_cps["rate"] if best_cps else 0.0,
        "sip_p99_setup_ms": best_cps["p99_setup_ms"] if best_cps else None,
        "calls_realtime": verified,
        "rtp_packets_in_confirming_window": {"rx": passed[-1]["rtp_rx"], "tx": passed[-1]["rtp_tx"]} if passed else None,
        "bare_rtp_ns_per_channel_frame": round(bare_ns, 1),
        "bare_rtp_ns_before_after": [round(bare_before_ns, 1), round(bare_after_ns, 1)],
        "bare_rtp_packets_received": [got, got_after],
        "line_limit_calls": nmax,
        "realtime_runs": attempts,
        "cps_trials": cps_trials,
        "scheduling": f"SCHED_FIFO {rt_priority}" if rt_priority else "normal",
        "pinned_cpu": cpu,
        "per_channel_work": "sip line: RTP G.711 A-law 20 ms both ways with jitter buffer and RTCP, a tone played",
        "seconds": round(time.monotonic() - t_start, 1),
        "cpu": _cpu(),
    }


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seconds", type=float, default=120.0, help="time budget for the whole benchmark")
    p.add_argument("--max-calls", type=int, default=None, help="at most this many calls (2 RTP channels each)")
    p.add_argument("--cpu", type=int, default=None, help="the CPU to pin to (default: the last one allowed)")
    p.add_argument("--rt-priority", type=int, default=None,
                   help=f"SCHED_FIFO priority of the media thread, 0: normal scheduling (default {RT_PRIORITY} "
                        "where allowed, as chand)")
    p.add_argument("--ports-from", type=int, default=PORTS_FROM,
                   help="the first port the two spans may use on 127.0.0.1 (SIP, then RTP upwards)")
    p.add_argument("--sipp-rate", type=float, default=None,
                   help="instead: SIPp calls a sip span at this many calls/s (telephonist/bench/sipp_bench.py)")
    p.add_argument("--sipp-seconds", type=float, default=60.0, help="... for this long (default 60)")
    p.add_argument("--sipp-hold-ms", type=int, default=1000, help="... each call held this long (default 1000)")
    p.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    if args.sipp_rate:
        from telephonist.bench import sipp_bench
        return sipp_bench.main(args.sipp_rate, args.sipp_seconds, args.sipp_hold_ms, args.ports_from, args.json)
    result = run(args.seconds, args.rt_priority, args.max_calls, args.cpu, ports_from=args.ports_from)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['rtp_channels_realtime']} RTP channels in real time on one core "
              f"(bare RTP: {result['bare_rtp_channels']}; ratio {result['ratio']}); "
              f"{result['sip_calls_per_second']} SIP calls/s (p99 set-up {result['sip_p99_setup_ms']} ms)")
    return 0
