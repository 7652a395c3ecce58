"""Micro-benchmarks of the engine's per-frame hot paths, with pytest-benchmark (`make bench`):
G.711 decode and encode, DTMF detection, conference mixing. Each call runs one path over FRAMES
frames of 20 ms in a C loop of the engine's own code (eng_bench_* in csrc/bench_paths.c), so
Python's cost per call is spread over thousands of frames; `ns_per_frame` in each result's
extra_info is what C measured for one frame (the median over the rounds).

    .venv/bin/python -m pytest bench/test_hot_paths.py --benchmark-only
"""
from __future__ import annotations

import statistics

import pytest

from telephonist.engine import Codec, Engine

FRAMES = 20_000          # 400 s of one channel's audio per call
ROUNDS = 15


def run(benchmark, frames: int, fn, *args) -> float:
    """Benchmark fn(*args), a call of `frames` frames, and record the median of what C measured per frame."""
    per_frame: list[float] = []

    def once():
        out = fn(*args)
        per_frame.append(out[0] if isinstance(out, tuple) else out)
        return out

    result = benchmark.pedantic(once, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    benchmark.extra_info["frames_per_call"] = frames
    benchmark.extra_info["ns_per_frame"] = round(statistics.median(per_frame), 1)
    return result


@pytest.mark.parametrize("codec", [Codec.ALAW, Codec.ULAW], ids=["alaw", "ulaw"])
@pytest.mark.parametrize("encode", [False, True], ids=["decode", "encode"])
def test_g711(benchmark, codec, encode):
    benchmark.group = "G.711 (160 samples)"
    run(benchmark, FRAMES, Engine.bench_g711, codec, encode, FRAMES)


def test_dtmf_detection(benchmark):
    benchmark.group = "DTMF detection (160 samples)"
    _, digits = run(benchmark, FRAMES, Engine.bench_dtmf, FRAMES)
    assert digits == FRAMES // 100 * 10, digits       # it measured a detector that hears every digit


@pytest.mark.parametrize("members", [2, 3, 10, 50])
def test_conference_mixing(benchmark, members):
    benchmark.group = "conference mixing (one conference, per frame)"
    frames = FRAMES * 2 // members         # about the same work per call whatever the size
    ns = run(benchmark, frames, Engine.bench_conf_mix, members, frames)
    benchmark.extra_info["ns_per_member_frame"] = round(benchmark.extra_info["ns_per_frame"] / members, 1)
    assert ns > 0
