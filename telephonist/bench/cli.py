"""`telephonist bench KIND`: run one benchmark and print its figure (JSON with --json)."""
from __future__ import annotations

import argparse
import importlib

BENCHES = {
    "engine": ("telephonist.bench.engine_bench", "channels the media engine keeps in real time on one core"),
    "calls": ("telephonist.bench.calls_bench", "call set-ups per second through chand's control API"),
    "sip": ("telephonist.bench.sip_bench",
            "RTP channels one core keeps in real time over two sip spans, and SIP calls per second"),
    "fax": ("telephonist.bench.fax_bench", "fax receptions one core keeps in real time"),
    "acd": ("telephonist.bench.acd_bench", "the ACD's routing decisions: 1,024 agents, 50 skills, 5,000 callers"),
    "amd": ("telephonist.bench.amd_bench", "answering-machine detection: people and machines told apart on a corpus"),
    "dialer-model": ("telephonist.bench.dialer_model",
                     "predictive pacing against progressive on a model campaign (50 agents, 8 hours)"),
    "desktop": ("telephonist.bench.desktop_bench",
                "500 agent desktops on the web console: ACD event to desktop, and the call log meanwhile"),
    "crm": ("telephonist.bench.crm_bench",
            "the screen pop's customer lookup by number: 1,000,000 customers, 5,000,000 timeline entries"),
    "kb": ("telephonist.bench.kb_bench", "knowledge-base search p99 over 100,000 articles (Chinese and English)"),
    "dialer": ("telephonist.bench.dialer_bench",
               "predictive against progressive end to end on the lockstep clock (50 agents, 8 simulated hours)"),
    "dialer-campaigns": ("telephonist.bench.dialer_campaigns",
                         "many campaigns at once (1, 5, 20, 50), each against one campaign alone, on the lockstep clock"),
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="bench", required=True, metavar="KIND")
    for name, (module, help_text) in BENCHES.items():
        bp = sub.add_parser(name, help=help_text, description=help_text)
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            # a bench whose module or third-party dependency is not installed here (the DAHDI guest has
            # no SQLAlchemy) is unavailable; the other benches and commands still work
            if exc.name and (module.startswith(exc.name) or not exc.name.startswith("telephonist")):
                bp.set_defaults(_bench_missing=f"{module}, which needs {exc.name}")
                continue
            raise
        mod.add_arguments(bp)
        bp.set_defaults(_bench_main=mod.main)


def main(args: argparse.Namespace) -> int:
    if getattr(args, "_bench_missing", None):
        print(f"telephonist bench {args.bench}: not available in this build")
        return 2
    return int(args._bench_main(args) or 0)
