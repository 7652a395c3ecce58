"""Where one engine's media thread spends its time on the 240 B-channels of the scale test's eight E1 spans.

Not a test (pytest does not collect it): run it in the guest when test_e1_scale.py's figures need explaining,
  scripts/dahdi-vm/run-in-vm.sh "python3 guest_tests/bench_e1_media.py"
It opens the B-channels (bchan, no libpri) in one engine at real time, as chand does, and measures for a few
seconds each: channels idle (drained only), reading with DTMF detection, writing DTMF tones, both; the media
thread's work per tick and its CPU split into user (DSP, codecs) and system (DAHDI read/write) time; then the
per-frame costs of DTMF detection and G.711 in a C loop.
"""
from __future__ import annotations

import os
import sys
import time

from telephonist.engine import Clock, Codec, Dsp, Engine

BCHANS = [c for lo, hi in ((49, 63), (65, 79), (80, 94), (96, 110), (173, 187), (189, 203), (204, 218), (220, 234),
                           (235, 249), (251, 265), (266, 280), (282, 296), (297, 311), (313, 327), (328, 342),
                           (344, 358)) for c in range(lo, hi + 1)]
SECONDS = 6.0
HZ = os.sysconf("SC_CLK_TCK")


def media_thread_ticks() -> tuple[int, int]:
    for tid in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{tid}/stat") as f:
            raw = f.read()
        if "(tel-media)" in raw:
            rest = raw[raw.rindex(")") + 2:].split()
            return int(rest[11]), int(rest[12])
    return 0, 0


def guest_busy() -> tuple[int, int]:
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)


def measure(eng: Engine, what: str) -> None:
    eng.read_events()
    eng.reset_stats()
    u0, s0 = media_thread_ticks()
    b0, t0 = guest_busy()
    start = time.monotonic()
    while time.monotonic() - start < SECONDS:
        time.sleep(0.2)
        eng.read_events()
    wall = time.monotonic() - start
    u1, s1 = media_thread_ticks()
    b1, t1 = guest_busy()
    st = eng.stats()
    per_tick = st.work_ns_total / max(st.ticks, 1) / 1e6
    print(f"{what:<44} work {per_tick:5.1f} ms/tick (max {st.work_ns_max / 1e6:5.1f}), late {st.late_ticks:3d}/{st.ticks}; "
          f"media thread user {100 * (u1 - u0) / HZ / wall:3.0f}% sys {100 * (s1 - s0) / HZ / wall:3.0f}% of a vCPU; "
          f"guest busy {100 * (b1 - b0) / max(t1 - t0, 1):3.0f}%", flush=True)


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else len(BCHANS)
    b0, t0 = guest_busy()
    time.sleep(SECONDS)
    b1, t1 = guest_busy()
    print(f"no engine (DAHDI's 12 loopback spans alone): guest busy {100 * (b1 - b0) / max(t1 - t0, 1):.0f}%")
    eng = Engine(frame_ms=20, max_channels=512)
    ids = eng.add_dahdi_span(BCHANS[:n], Codec.ALAW)
    eng.set_realtime(20)
    eng.start(Clock.REALTIME)
    try:
        print(f"{n} B-channels in one engine, {os.cpu_count()} vCPUs, {SECONDS:.0f} s each")
        measure(eng, "idle (drained, nothing to do)")
        for c in ids:
            eng.set_dsp(c, Dsp.DTMF)
        measure(eng, "DTMF detection on all")
        for c in ids:
            eng.send_dtmf(c, "1234567890*#ABCD" * 8, on_ms=80, off_ms=80)
        measure(eng, "DTMF detection and DTMF sending on all")
        for c in ids:
            eng.set_dsp(c, Dsp.NONE)
        measure(eng, "DTMF sending only")
        for c in ids:
            eng.play_stop(c)
            eng.play(c, [("silence", 60_000)])
        measure(eng, "silence played (write only)")
    finally:
        eng.stop()
        eng.close()
    ns, digits = Engine.bench_dtmf(5000)
    print(f"DTMF detection in a C loop: {ns / 1000:.1f} us a frame ({digits} digits) -> "
          f"{n} channels x 50 frames/s = {100 * ns * n * 50 / 1e9:.0f}% of a vCPU")
    dec = Engine.bench_g711(Codec.ALAW, False, 20000)
    enc = Engine.bench_g711(Codec.ALAW, True, 20000)
    print(f"G.711 A-law a frame: decode {dec / 1000:.2f} us, encode {enc / 1000:.2f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
