"""`telephonist bench amd`: how well answering-machine detection (csrc/amd.c) tells people from machines.

Every item of the corpus (amd_corpus.py: greetings and live answers by espeak-ng, English and Mandarin, several
voices) is played by the far end of a sim line into the engine's detector, under three line conditions (clean;
noise at -55 dBm0 and 6 dB loss; noise at -45 dBm0 and 12 dB loss), all lines at once on the engine's own
clock. Printed: the confusion table (truth x decision), accuracy, the share of people taken for machines (the
costly error: a person hung up on) and of machines taken for people (an agent's time on a machine), and the
decision times.
"""
from __future__ import annotations

import argparse
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

CONDITIONS = {"clean": (0, 0), "noise-55/loss-6": (-55, 6), "noise-45/loss-12": (-45, 12)}


def run(items, settings: dict[str, int] | None = None) -> dict[str, Any]:
    from telephonist.engine import AmdEvent, Codec, Engine, Kind
    settings = settings or {}
    engine = Engine(frame_ms=20, max_channels=4096)
    try:
        lines: dict[int, tuple[Any, str]] = {}
        for cond, (noise, loss) in CONDITIONS.items():
            near = engine.add_sim_span(Kind.FXO, len(items), Codec.ALAW, "cn")
            for ch, item in zip(near, items):
                if noise or loss:
                    engine.sim_impair(ch, noise_dbm0=noise, loss_db=loss)
                engine.amd(ch, **settings)
                engine.play(engine.sim_far(ch), [item.path])
                lines[ch] = (item, cond)
        decided: dict[int, AmdEvent] = {}
        for _ in range(60_000 // 100):               # a minute of engine time at most
            engine.run_ticks(5)
            for ev in engine.read_events():
                if isinstance(ev, AmdEvent) and ev.chan in lines:
                    decided[ev.chan] = ev
            if len(decided) == len(lines):
                break
    finally:
        engine.close()
    table: dict[str, Counter] = {"human": Counter(), "machine": Counter()}
    per_condition: dict[str, Counter] = {c: Counter() for c in CONDITIONS}
    causes: Counter = Counter()
    wrong: list[dict[str, Any]] = []
    ms: list[int] = []
    for ch, (item, cond) in lines.items():
        ev = decided.get(ch)
        result = ev.result if ev else "none"
        table[item.truth][result] += 1
        per_condition[cond]["right" if result == item.truth else "wrong"] += 1
        if ev:
            causes[f"{item.truth}->{result}:{ev.cause}"] += 1
            ms.append(ev.ms)
        if result != item.truth:
            wrong.append({"file": os.path.basename(item.path), "condition": cond, "truth": item.truth,
                          "decided": result, "cause": ev.cause if ev else "", "words": ev.words if ev else None})
    total = sum(sum(c.values()) for c in table.values())
    right = table["human"]["human"] + table["machine"]["machine"]
    humans, machines = sum(table["human"].values()), sum(table["machine"].values())
    ms.sort()
    return {
        "items": total, "humans": humans, "machines": machines,
        "confusion": {t: {d: table[t][d] for d in ("human", "machine", "notsure")} for t in table},
        "accuracy": round(right / total, 3) if total else None,
        "humans_taken_for_machines": round(table["human"]["machine"] / humans, 3) if humans else None,
        "machines_taken_for_humans": round(table["machine"]["human"] / machines, 3) if machines else None,
        "by_condition": {c: round(v["right"] / max(1, v["right"] + v["wrong"]), 3) for c, v in per_condition.items()},
        "decision_ms_median": ms[len(ms) // 2] if ms else None,
        "decision_ms_p90": ms[int(len(ms) * 0.9)] if ms else None,
        "causes": dict(sorted(causes.items())),
        "wrong": wrong,
    }


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", default=os.path.join("build", "amd-corpus"),
                   help="folder of the generated corpus (made on first use)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="a detection setting other than its default (e.g. max_words=4)")
    p.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    from telephonist.bench.amd_corpus import build
    from telephonist.engine import AMD_DEFAULTS
    settings = {}
    for s in args.set:
        name, _, value = s.partition("=")
        if name not in AMD_DEFAULTS or not value.lstrip("-").isdigit():
            raise SystemExit(f"--set {s}: one of {', '.join(AMD_DEFAULTS)} = a whole number")
        settings[name] = int(value)
    result = run(build(Path(args.corpus)), settings)
    result["settings"] = {**AMD_DEFAULTS, **settings}
    if args.json:
        print(json.dumps(result))
    else:
        c = result["confusion"]
        print(f"{result['items']} answers: accuracy {result['accuracy']}; people as machines "
              f"{result['humans_taken_for_machines']}, machines as people {result['machines_taken_for_humans']}")
        print("truth \\ decided   human  machine  notsure")
        for t in ("human", "machine"):
            print(f"{t:16} {c[t]['human']:6} {c[t]['machine']:8} {c[t]['notsure']:8}")
    return 0
