"""`telephonist bench fax`: concurrent fax receptions one core keeps in real time.

Each reception is a sim line whose far end sends a fine A4 page set (V.17,
no ECM) to our channel, both ends being spandsp T.30 terminals in the
engine; the figure counts the pair (what one fax call costs the engine, our
receiver plus the simulated sender). The reference is the same two spandsp
terminals back to back in a tight C loop, measured in the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time

FRAME_MS = 20


def _document(path: str) -> None:
    from PIL import Image, ImageDraw
    pages = []
    for p in range(3):
        img = Image.new("1", (1728, 2287), 1)
        d = ImageDraw.Draw(img)
        for k in range(40):
            d.line([100, 100 + 50 * k, 1600 - 20 * p, 120 + 50 * k], fill=0, width=2)
        pages.append(img)
    pages[0].save(path, format="TIFF", save_all=True, append_images=pages[1:], compression="group4", dpi=(204, 196))


def measure(seconds: float) -> dict:
    from telephonist.engine import Clock, Engine, Kind
    t_start = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="telephonist-bench-fax-")
    try:
        doc = os.path.join(tmp, "doc.tif")
        _document(doc)
        bare_ns = Engine.bench_bare_fax(doc, tmp, 20, 1500)
        bare = int(FRAME_MS * 1e6 / bare_ns)

        def start(n: int, clock: Clock, stagger_s: float = 0.0):
            """n calls; in real time they start over stagger_s, as calls do (a page boundary costs each
            call a few ms of TIFF work in the media thread: all at once they would pile up on one tick)."""
            e = Engine(max_channels=2 * n + 8)
            lines = e.add_sim_span(Kind.E1, n)
            e.start(clock, 0.0)
            for i, ch in enumerate(lines):
                e.fax(e.sim_far(ch), doc, send=True, calling=True, ecm=False)
                e.fax(ch, os.path.join(tmp, f"rx-{i}.tif"), send=False, calling=False, ecm=False)
                if stagger_s:
                    time.sleep(stagger_s / n)
            return e

        probe = min(100, max(10, bare // 4))
        e = start(probe, Clock.FAST)
        time.sleep(0.3)
        e.read_events()
        e.reset_stats()
        s0 = e.stats()
        time.sleep(max(1.0, seconds * 0.15))
        s1 = e.stats()
        e.close()
        ns = s1.work_ns_total / max(1, s1.ticks - s0.ticks) / probe
        estimate = int(FRAME_MS * 1e6 / ns)
        verified, runs = 0, []
        n = int(estimate * 0.7)
        while n > 1 and time.monotonic() - t_start < seconds - 2:
            e = start(n, Clock.REALTIME, stagger_s=3.0)
            time.sleep(0.3)
            e.read_events()
            e.reset_stats()
            # long enough for the image phase (V.17 pages), not just the V.21 handshake
            time.sleep(max(4.0, min(8.0, seconds - (time.monotonic() - t_start) - 1)))
            st = e.stats()
            pages = sum(1 for ev in e.read_events() if ev.type.name == "FAX_PAGE")
            e.close()
            runs.append({"receptions": n, "late_ticks": st.late_ticks, "max_tick_ms": round(st.work_ns_max / 1e6, 2),
                         "pages_received": pages})
            if st.late_ticks == 0:
                verified = n
                break
            n = int(n * 0.85)
        return {"fax_channels_realtime": verified, "bare_spandsp_fax_channels": bare,
                "ratio": round(verified / bare, 3) if bare else 0.0,
                "engine_ns_per_reception_frame": round(ns, 1), "bare_ns_per_pair_frame": round(bare_ns, 1),
                "estimate_from_free_run": estimate, "realtime_runs": runs,
                "per_reception_work": "spandsp T.30 receiver (our channel) + sender (sim far end), V.17, no ECM",
                "seconds": round(time.monotonic() - t_start, 1)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seconds", type=float, default=12.0, help="time budget")
    p.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    result = measure(args.seconds)
    print(json.dumps(result) if args.json else
          f"{result['fax_channels_realtime']} fax receptions in real time on one core "
          f"(bare spandsp: {result['bare_spandsp_fax_channels']})")
    return 0
