"""The engine benchmark's channel work, small and clock-free, for instruction counts.

`telephonist bench engine` times channels on a shared machine, so its figures move
with the host's load. This runs the same per-channel work (the same prompt with
DTMF digits, DTMF detection, recording) for N channels and T ticks on the
caller's thread, then the bare spandsp DSP reference for as many channel-frames,
so that callgrind counts compare builds regardless of load:

    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \\
        .venv/bin/python bench/engine_callgrind.py 100 500
    callgrind_annotate --inclusive=yes /tmp/cg.out | grep -E 'engine.c:tick |dsp_rx |eng_bench_bare_dsp '

Divide by N * T for instructions per channel-frame.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from telephonist.bench import engine_bench  # noqa: E402
from telephonist.engine import Engine  # noqa: E402


def main(channels: int, ticks: int) -> None:
    tmp = tempfile.mkdtemp(prefix="telephonist-callgrind-")
    try:
        prompt = os.path.join(tmp, "prompt.wav")
        engine_bench._prompt(prompt)
        bench = engine_bench._Bench(channels, tmp, prompt)
        bench.set_active(channels)
        bench.engine.run_ticks(ticks)
        digits = sum(1 for ev in bench.engine.read_events() if ev.type.name == "DTMF")
        bench.close()
        Engine.bench_bare_dsp(ticks, channels)
        print(f"channel-frames {channels * ticks}, digits detected {digits}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100, int(sys.argv[2]) if len(sys.argv) > 2 else 500)
