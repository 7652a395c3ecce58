"""`telephonist dahdi-scan`: the DAHDI spans, channels and cards the kernel reports, and a [[spans]] proposal."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from telephonist.config.model import format_ranges


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="everything as JSON (spans, channels, devices, proposal)")
    p.add_argument("--toml", action="store_true", help="only the proposed configuration, to save as a conf.d file")


def main(args: argparse.Namespace) -> int:
    from telephonist.drivers.dahdi.scan import NoDahdi, port_kind, propose, scan, toml_text
    from telephonist.engine import EngineError
    try:
        result = scan()
    except NoDahdi as exc:
        print(f"telephonist dahdi-scan: {exc}", file=sys.stderr)
        return 1
    except EngineError as exc:
        print(f"telephonist dahdi-scan: {exc}", file=sys.stderr)
        return 1
    proposal = propose(result)
    if args.json:
        print(json.dumps({"spans": [dataclasses.asdict(s) for s in result.spans],
                          "devices": [dataclasses.asdict(d) for d in result.devices],
                          "proposal": dataclasses.asdict(proposal)}, indent=2, ensure_ascii=False))
        return 0
    if args.toml:
        print(toml_text(proposal), end="")
        return 0
    for d in result.devices:
        print(f"device {d.name}: " + "  ".join(f"{k}={v}" for k, v in d.attrs.items() if v))
    for span in result.spans:
        st = span.status
        nums = [p.channo for p in span.channels]
        print(f"[{span.spanno}]")
        print(f"active=yes\nalarms={st.alarm_text}\ndescription={st.desc}\nname={st.name}")
        print(f"manufacturer={st.manufacturer}\ndevicetype={st.devicetype}\nlocation={st.location}")
        print(f"basechan={span.basechan}\ntotchans={st.totalchans}\nchannels={format_ranges(nums)}")
        print(f"spantype={st.spantype}\nsyncsrc={st.syncsrc}")
        if st.lineconfig:
            print(f"lineconfig={st.lineconfig}\nlbo={st.lboname}")
            print(f"counters=bpv {st.bpvcount} crc4 {st.crc4count} fas {st.fascount} ebit {st.ebitcount} "
                  f"errsec {st.errsec}")
        for p in span.channels:
            print(f"port={p.channo},{port_kind(p)} name={p.name} signalling={p.signalling or '-'}"
                  f"{' offhook' if p.rx_off_hook and p.signalling else ''}")
        print()
    print(toml_text(proposal), end="")
    return 0
