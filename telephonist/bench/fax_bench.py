"""`telephonist bench fax`: concurrent fax receptions one core keeps in real time.

Each reception is a sim line whose far end sends a 3-page fine A4 document
(V.17, no ECM) to our channel; both ends are spandsp T.30 terminals in the
engine, so the figure counts pairs (what one fax call costs the engine: our
receiver plus the simulated sender). Each line faxes again as soon as its
transfer ends, so a trial holds its load steady.

Everything runs pinned to one CPU: the media thread, the fax worker, this
Python thread and the reference, which is the same two spandsp terminals per
pair back to back in a tight C loop (`Engine.bench_bare_fax`), measured in
the same run. Where allowed, the real-time windows run the media thread at
SCHED_FIFO (the fax worker one below), as a telephony server is run, so that
other jobs on a shared machine do not decide the figure; --rt-priority 0
measures with normal scheduling.

A trial at n pairs: the calls start one after another over one transfer's
length of engine time on the lockstep clock (measured first, with one pair:
about 35-40 s for the document), so that the lines are spread over every phase
of a transfer as in real traffic; then the clock switches to real time for
`window` seconds. (Started over 10 s, as until 2026-12-07, every line was in
the same phase: the first pages of all of them ended within the same 10 s, and
the page-boundary work of hundreds of terminals (1-4 ms each) came in a burst
no real traffic makes; 911 pairs failed that way at 74 % of the core and passed
spread over a transfer at 84 %.) A trial passes when no tick worked longer
than a frame or ended more than a frame after it was due, no fax frame missed
its budget (the fax worker's 80 ms), no transfer failed and no event was lost.
The count is found by bisection; a count passes only when `repeat` trials in a
row pass. The process's memory is bounded: a trial whose resident set exceeds
the cap is stopped and counts as failed.

The reference is bare spandsp at the same scale: the two terminals per pair
back to back in C, as many pairs as the verified count, started over a
transfer's length and run for two. A pair costs more when there are many (at
1,000 pairs 15.4 µs a frame against 13.2 µs at 100: the terminals no longer
stay in the caches), so the 100-pair figure (`bare_spandsp_fax_channels_100`,
the reference until 2026-12-07) overstates what one core keeps bare.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import select
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field

from telephonist.bench.scheduling import fifo_allowed

FRAME_MS = 20
RT_PRIORITY = 10          # the media thread in the real-time windows (the fax worker one below)
FAX_BUDGET_MS = 80        # csrc/fax_worker.c FAX_LATENCY_MS
PAGES = 3
PROBE_PAIRS = 100         # pairs in the bare reference and in the engine's free-run probe


def _document(path: str) -> None:
    from PIL import Image, ImageDraw
    pages = []
    for p in range(PAGES):
        img = Image.new("1", (1728, 2287), 1)
        d = ImageDraw.Draw(img)
        for k in range(40):
            d.line([100, 100 + 50 * k, 1600 - 20 * p, 120 + 50 * k], fill=0, width=2)
        pages.append(img)
    pages[0].save(path, format="TIFF", save_all=True, append_images=pages[1:], compression="group4", dpi=(204, 196))


def rss_mb() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


def mem_available_mb() -> int:
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    return 0


def _trim() -> None:
    """Give the freed heap back to the system, so that each trial's resident set is its own."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def thread_cpu() -> dict[str, float]:
    """CPU seconds so far of this process's threads, by name (the engine names its own: tel-media, tel-fax)."""
    out: dict[str, float] = {}
    hz = os.sysconf("SC_CLK_TCK")
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat", encoding="ascii") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        key = name if name.startswith("tel-") else "other"
        out[key] = out.get(key, 0.0) + (int(fields[11]) + int(fields[12])) / hz
    return out


def cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


@dataclass
class Trial:
    pairs: int
    ok: bool = False
    why: str = ""
    late_ticks: int = 0
    deadline_misses: int = 0
    fax_frames_late: int = 0
    fax_lag_max_frames: int = 0
    events_dropped: int = 0
    max_tick_ms: float = 0.0
    max_wake_ms: float = 0.0
    avg_tick_ms: float = 0.0
    pages: int = 0
    transfers_ok: int = 0
    transfers_failed: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    rss_mb: int = 0
    cpu_pct: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class FaxLoad:
    """n sim lines, each faxing one transfer after another: the far end sends, our channel receives."""
    n: int
    doc: str
    rx_dir: str
    engine: object = None
    started: list[int] = field(default_factory=list)
    ended: dict[int, int] = field(default_factory=dict)       # line -> ends seen of the current transfer
    failed: dict[str, int] = field(default_factory=dict)      # result text -> receptions that ended so
    pages: int = 0
    transfers_ok: int = 0
    transfers_failed: int = 0
    failures: dict[str, int] = field(default_factory=dict)

    def open(self, clock) -> None:
        from telephonist.engine import Engine, Kind
        self.engine = e = Engine(max_channels=2 * self.n + 8)
        self.lines = e.add_sim_span(Kind.E1, self.n)
        self.far = {e.sim_far(ch): ch for ch in self.lines}
        e.start(clock, 0.0)

    def start(self, ch: int) -> None:
        e = self.engine
        self.ended[ch] = 0
        e.fax(e.sim_far(ch), self.doc, send=True, calling=True, ecm=False)
        e.fax(ch, os.path.join(self.rx_dir, f"rx-{ch}.tif"), send=False, calling=False, ecm=False)

    def handle(self, events, timers: dict[int, int] | None = None) -> None:
        from telephonist.engine import FaxDone, FaxPage, Timer
        for ev in events:
            if isinstance(ev, Timer) and timers is not None and ev.id in timers:
                self.start(timers.pop(ev.id))
            elif isinstance(ev, FaxPage) and ev.chan in self.ended:
                self.pages += 1
            elif isinstance(ev, FaxDone):
                ch = self.far.get(ev.chan, ev.chan)
                if ch not in self.ended:
                    continue
                self.ended[ch] += 1
                if ev.chan == ch:
                    if ev.ok:
                        self.transfers_ok += 1
                    else:
                        self.transfers_failed += 1
                        why = ev.result
                        self.failed[why] = self.failed.get(why, 0) + 1
                if self.ended[ch] == 2:
                    self.start(ch)

    def ramp(self, ramp_ms: int) -> None:
        """Lockstep: line i starts at i * ramp_ms / n of engine time, then on until ramp_ms."""
        e = self.engine
        timers = {e.timer(int(i * ramp_ms / self.n)): ch for i, ch in enumerate(self.lines)}
        fd = e.fileno()
        while e.now_ms < ramp_ms or timers:
            select.select([fd], [], [], 0.05)
            self.handle(e.read_events(), timers)
            e.release()

    def pump(self, seconds: float, rss_cap_mb: int) -> str:
        """Handle events for `seconds` of wall time; '' or why it stopped early."""
        e = self.engine
        fd = e.fileno()
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            select.select([fd], [], [], min(0.1, left))
            self.handle(e.read_events())
            e.release()
            if rss_mb() > rss_cap_mb:
                return f"memory: resident set over {rss_cap_mb} MB"
        return ""

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None


def probe(doc: str, rx_dir: str, pairs: int, seconds: float, ramp_ms: int) -> tuple[float, int]:
    """Engine CPU per pair-frame on the fast clock once the calls are spread: (ns, MB resident per pair)."""
    from telephonist.engine import Clock
    base = rss_mb()
    load = FaxLoad(pairs, doc, rx_dir)
    try:
        load.open(Clock.LOCKSTEP)
        load.ramp(ramp_ms)
        e = load.engine
        e.set_clock(Clock.FAST)
        t0, c0 = e.stats().ticks, cpu_seconds()
        load.pump(seconds, 1 << 30)
        t1, c1 = e.stats().ticks, cpu_seconds()
        per_pair_mb = max(1, (rss_mb() - base) // pairs + 1)
    finally:
        load.close()
        _trim()
    return (c1 - c0) * 1e9 / max(1, t1 - t0) / pairs, per_pair_mb


def transfer_ms(doc: str, rx_dir: str) -> int:
    """Engine milliseconds one pair takes for a whole transfer of doc (the receiver's end), on the fast clock."""
    from telephonist.engine import Clock, FaxDone
    load = FaxLoad(1, doc, rx_dir)
    try:
        load.open(Clock.LOCKSTEP)
        e = load.engine
        [ch] = load.lines
        load.start(ch)
        t0 = e.now_ms
        e.set_clock(Clock.FAST)
        fd = e.fileno()
        while True:
            select.select([fd], [], [], 0.05)
            for ev in e.read_events():
                if isinstance(ev, FaxDone) and ev.chan == ch:
                    if not ev.ok:
                        raise RuntimeError(f"the reference transfer failed: {ev.result}")
                    return e.now_ms - t0
            e.release()
    finally:
        load.close()


def trial(doc: str, rx_dir: str, n: int, window: float, rss_cap_mb: int, rt_priority: int = 0,
          ramp_ms: int = 40_000) -> Trial:
    from telephonist.engine import Clock
    t = Trial(n)
    t0 = time.monotonic()
    load = FaxLoad(n, doc, rx_dir)
    try:
        load.open(Clock.LOCKSTEP)
        e = load.engine
        if rt_priority:
            e.set_realtime(rt_priority)     # from the start: the switch to real time is not a transition
        load.ramp(ramp_ms)
        e.set_clock(Clock.REALTIME)
        time.sleep(0.2)             # the last lockstep tick (which waits for the worker) is not counted,
        switch = e.stats()          # but a fax frame missed in the switch would be
        e.reset_stats()
        pages0, ok0, failed0 = load.pages, load.transfers_ok, load.transfers_failed
        load.failed.clear()
        s0, c0, w0 = e.stats(), thread_cpu(), time.monotonic()
        t.why = load.pump(window, rss_cap_mb)
        st, c1, w1 = e.stats(), thread_cpu(), time.monotonic()
        t.rss_mb = rss_mb()
        # share of the core each part used during the window (what limits the count)
        t.cpu_pct = {k: round(100 * (c1.get(k, 0.0) - c0.get(k, 0.0)) / (w1 - w0), 1) for k in sorted(c1)}
    finally:
        load.close()
        _trim()
    t.late_ticks, t.deadline_misses = st.late_ticks, st.deadline_misses
    t.fax_frames_late, t.fax_lag_max_frames = st.fax_frames_late + switch.fax_frames_late, st.fax_lag_max
    t.events_dropped = st.events_dropped + switch.events_dropped
    t.max_tick_ms, t.max_wake_ms = round(st.work_ns_max / 1e6, 2), round(st.wake_ns_max / 1e6, 2)
    t.avg_tick_ms = round(st.work_ns_total / max(1, st.ticks - s0.ticks) / 1e6, 2)
    t.pages = load.pages - pages0
    t.transfers_ok, t.transfers_failed = load.transfers_ok - ok0, load.transfers_failed - failed0
    t.failures = dict(load.failed)
    if not t.why:
        reasons = []
        if t.late_ticks or t.deadline_misses:
            reasons.append(f"{t.late_ticks} ticks worked over {FRAME_MS} ms, {t.deadline_misses} ended late")
        if t.fax_frames_late:
            reasons.append(f"{t.fax_frames_late} fax frames missed their {FAX_BUDGET_MS} ms budget")
        if t.events_dropped:
            reasons.append(f"{t.events_dropped} events dropped (this thread did not keep up)")
        if t.transfers_failed:
            reasons.append(f"{t.transfers_failed} transfers failed")
        t.why = "; ".join(reasons)
    t.ok = not t.why
    t.seconds = round(time.monotonic() - t0, 1)
    return t


def search(doc: str, rx_dir: str, start: int, limit: int, window: float, repeat: int, rss_cap_mb: int,
           rt_priority: int, deadline: float, ramp_ms: int) -> tuple[int, list[Trial]]:
    """The most pairs that passed `repeat` trials in a row, by bisection between what passed and what failed."""
    trials: list[Trial] = []
    lo, hi = 0, limit + 1
    n = max(1, min(start, limit))

    def passes(n: int) -> bool | None:
        """True, False, or None when the budget has no room for the trials left."""
        for _ in range(repeat):
            needed = trials[-1].seconds if trials else window + ramp_ms / 1000
            if time.monotonic() + needed > deadline:
                return None
            t = trial(doc, rx_dir, n, window, rss_cap_mb, rt_priority, ramp_ms)
            trials.append(t)
            if not t.ok:
                return False
        return True

    while hi - lo > max(2, lo // 50):
        verdict = passes(n)
        if verdict is None:
            break
        if verdict:
            lo = n
            n = min(hi - 1, int(n * 1.2) + 1) if hi > limit else (lo + hi) // 2
        else:
            hi = n
            n = int(n * 0.8) if lo == 0 else (lo + hi) // 2
        if n <= lo or n >= hi:
            n = (lo + hi) // 2
            if n <= lo:
                break
    return lo, trials


def measure(seconds: float, window: float, repeat: int, cpu: int | None, max_rss_mb: int | None,
            rt_priority: int | None = None) -> dict:
    from telephonist.engine import Engine
    t_start = time.monotonic()
    deadline = t_start + seconds
    allowed = sorted(os.sched_getaffinity(0))
    cpu = allowed[-1] if cpu is None else cpu
    # this thread, and so every thread it starts from now on (media thread, fax worker), on one core
    os.sched_setaffinity(0, {cpu})
    rss_cap = max_rss_mb or max(1024, min(16_384, mem_available_mb() // 2))
    rt_priority = fifo_allowed(RT_PRIORITY) if rt_priority is None else rt_priority
    tmp = tempfile.mkdtemp(prefix="telephonist-bench-fax-")
    try:
        doc = os.path.join(tmp, "doc.tif")
        _document(doc)
        def bare_ns(pairs: int, frames: int, stagger: int) -> float:
            # started one after another over a transfer and again when one ends, so that every phase is in it
            ns, _ = Engine.bench_bare_fax(doc, tmp, pairs, frames, stagger)
            if ns <= 0:
                raise RuntimeError("the bare spandsp loop failed (fax_init or the document)")
            return ns

        ramp_ms = transfer_ms(doc, tmp)
        transfer_frames = ramp_ms // FRAME_MS
        # 100 pairs, before and after the search (the host's speed drifts, the mean is the figure)
        bare_before = bare_ns(PROBE_PAIRS, 2 * transfer_frames, max(1, transfer_frames // PROBE_PAIRS))
        engine_ns, mb_per_pair = probe(doc, tmp, PROBE_PAIRS, 3.0, ramp_ms)
        estimate = int(FRAME_MS * 1e6 / engine_ns)
        by_memory = max(1, (rss_cap - rss_mb()) // mb_per_pair)
        # what the references after the search take, at most (the bare loop at scale costs more a pair)
        reserve = 1.5 * (PROBE_PAIRS + estimate) * 2 * transfer_frames * bare_before / 1e9
        verified, trials = search(doc, tmp, int(estimate * 0.75), min(by_memory, 2 * estimate), window, repeat,
                                  rss_cap, rt_priority, deadline - reserve, ramp_ms)
        bare_after = bare_ns(PROBE_PAIRS, 2 * transfer_frames, max(1, transfer_frames // PROBE_PAIRS))
        bare_mean = (bare_before + bare_after) / 2
        bare_100 = int(FRAME_MS * 1e6 / bare_mean)
        at_scale = max(PROBE_PAIRS, verified)
        scale_ns = bare_ns(at_scale, 2 * transfer_frames, max(1, transfer_frames // at_scale))
        bare = int(FRAME_MS * 1e6 / scale_ns)
        return {
            "fax_channels_realtime": verified,
            "bare_spandsp_fax_channels": bare,
            "ratio": round(verified / bare, 3) if bare else 0.0,
            "bare_pairs_measured": at_scale,
            "bare_ns_per_pair_frame": round(scale_ns, 1),
            "bare_spandsp_fax_channels_100": bare_100,
            "ratio_to_100": round(verified / bare_100, 3) if bare_100 else 0.0,
            "bare_ns_per_pair_frame_100": round(bare_mean, 1),
            "bare_ns_before_after_100": [round(bare_before, 1), round(bare_after, 1)],
            "engine_ns_per_pair_frame_100": round(engine_ns, 1),
            "transfer_ms": ramp_ms,
            "estimate_from_free_run": estimate,
            "cpu": cpu,
            "scheduling": f"SCHED_FIFO {rt_priority} (fax worker {max(0, rt_priority - 1)})" if rt_priority
                          else "normal (fax worker at nice +5)",
            "fax_budget_ms": FAX_BUDGET_MS,
            "repeat": repeat,
            "window_s": window,
            "max_rss_mb": rss_cap,
            "mb_per_pair": mb_per_pair,
            "trials": [asdict(t) for t in trials],
            "per_reception_work": "spandsp T.30 receiver (our channel) + sender (sim far end), V.17, no ECM, "
                                  f"{PAGES}-page fine A4, a new transfer as soon as one ends",
            "seconds": round(time.monotonic() - t_start, 1),
        }
    finally:
        os.sched_setaffinity(0, set(allowed))
        shutil.rmtree(tmp, ignore_errors=True)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seconds", type=float, default=600.0, help="time budget (the search and the references)")
    p.add_argument("--window", type=float, default=15.0, help="seconds of real time per trial")
    p.add_argument("--repeat", type=int, default=2, help="trials in a row a count must pass")
    p.add_argument("--cpu", type=int, default=None, help="the CPU to pin to (default: the last one allowed)")
    p.add_argument("--rt-priority", type=int, default=None,
                   help="SCHED_FIFO priority of the media thread in the real-time windows, 0: normal scheduling "
                        "(default: 10 where allowed, else 0)")
    p.add_argument("--max-rss-mb", type=int, default=None,
                   help="stop a trial above this resident set (default: half of MemAvailable, 1-16 GB)")
    p.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    result = measure(args.seconds, args.window, args.repeat, args.cpu, args.max_rss_mb, args.rt_priority)
    print(json.dumps(result) if args.json else
          f"{result['fax_channels_realtime']} fax receptions in real time on one core "
          f"(bare spandsp at that scale: {result['bare_spandsp_fax_channels']}, ratio {result['ratio']})")
    return 0
