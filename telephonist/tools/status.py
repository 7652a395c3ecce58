"""`telephonist status`: spans, lines and their calls, as chand sees them now."""
from __future__ import annotations

import argparse
import json

from telephonist.config.model import format_ranges
from telephonist.tools.common import add_config_argument, run_request


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_config_argument(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="list idle lines too")


def main(args: argparse.Namespace) -> int:
    st = run_request(args, "status")
    if st is None:
        return 1
    if args.json:
        print(json.dumps(st, indent=2, ensure_ascii=False))
        return 0
    print(f"node {st['node']}   engine time {st['time_ms'] / 1000:.1f} s   "
          f"late ticks {st['engine']['late_ticks']}   applications: {', '.join(st['applications']) or '-'}")
    print()
    for span in st["spans"]:
        lines = [ln for ln in st["lines"] if ln["chan"].split("/")[0] == span["name"]]
        busy = sum(1 for ln in lines if ln["state"] != "idle")
        alarms = span.get("alarms") or "ok"
        print(f"span {span['name']:<10} {span['driver']:<5} {span['kind']:<4} {len(lines):>3} lines  "
              f"{busy:>3} busy  zone {span['zone']}  {span['codec']}  alarms: {alarms}")
        for d in span.get("dahdi", []):
            if "error" in d:
                print(f"     DAHDI span {d['spanno']}: {d['error']}")
                continue
            c = d["counters"]
            print(f"     DAHDI span {d['spanno']} {d['name']} ({d['desc']})  alarms: {d['alarms']}  "
                  f"channels {format_ranges(span.get('dahdi_channels', []))}  "
                  f"bpv {c['bpv']} crc4 {c['crc4']} fas {c['fas']} errsec {c['errsec']}")
    print()
    print(f"{'LINE':<12}{'STATE':<12}{'FOR':>8}  {'DIR':<9}{'CALLER':<16}{'DIALLED':<16}{'APPLICATION':<18}OWNER")
    for ln in st["lines"]:
        if ln["state"] == "idle" and not args.all:
            continue
        print(f"{ln['chan']:<12}{ln['state']:<12}{ln['since_ms'] / 1000:>7.1f}s  {ln.get('direction', ''):<9}"
              f"{ln.get('caller', ''):<16}{ln.get('dialled', ''):<16}{(ln.get('application') or ''):<18}"
              f"{ln.get('owner') or ''}")
    return 0
