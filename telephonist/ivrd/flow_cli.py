"""`telephonist flow check` and `telephonist flow test FLOW SCRIPT`: try flows before they go live."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from telephonist.config import load_config


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))
    sub = p.add_subparsers(dest="action", required=True)
    c = sub.add_parser("check", help="validate the flows directory (and FILES, as if they were in it)")
    c.add_argument("files", nargs="*", help="flow files to check among the configured ones")
    r = sub.add_parser("types", help="every node type and its keys (* = required)")
    r.add_argument("--markdown", action="store_true", help="the reference section of docs/flows.md")
    t = sub.add_parser("test", help="run scripted calls against a flow on simulated spans")
    t.add_argument("flow", help="a flow's name, or the path of a flow file (checked among the configured ones)")
    t.add_argument("script", help="the test script (TOML; see docs/flows.md)")
    t.add_argument("--json", action="store_true", help="one JSON object with every call's report")
    t.add_argument("-v", "--verbose", action="store_true", help="show the prompts heard and the steps of each call")


def main(args: argparse.Namespace) -> int:
    from telephonist.ivrd.flow_loader import FlowError
    from telephonist.ivrd.flow_test.runner import load_flow_set, run_script
    from telephonist.ivrd.flow_test.script import ScriptError, load_script
    from telephonist.ivrd.flow_test.sources import plan_sources
    from telephonist.storage.sqlite_files import SqliteFileError
    if args.action == "types":
        from telephonist.ivrd.node_reference import markdown, text
        print(markdown() if args.markdown else text())
        return 0
    cfg = load_config(args.config)
    if cfg.system.demo_prompts:          # a demo installation: its prompts and sample data, once
        from telephonist.demo.demo_prompts import ensure_all_prompts
        from telephonist.demo.sample_data import build_customer_databases
        ensure_all_prompts(cfg)
        build_customer_databases(cfg)
    if args.action == "check":
        try:
            flows = None
            for f in args.files or [None]:
                flows = load_flow_set(cfg, f)
        except FlowError as exc:
            for p in exc.problems:
                print(p, file=sys.stderr)
            return 1
        print(f"ok: {len(flows.flows)} flow(s): {', '.join(sorted(flows.flows))}")
        return 0
    flow_file = args.flow if args.flow.endswith(".toml") else None
    try:
        flows = load_flow_set(cfg, flow_file)
        script = load_script(args.script, known_sources=frozenset(s.name for s in cfg.ivrd.sources))
    except (FlowError, ScriptError) as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        return 1
    name = args.flow
    if flow_file:
        name = next((f.name for f in flows.flows.values()
                     if os.path.basename(f.file) == os.path.basename(flow_file)), "")
    name = script.flow if not name and script.flow else name
    import logging
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(levelname)s %(message)s")
    try:
        reports = asyncio.run(run_script(cfg, script, flows, name))
    except (ValueError, SqliteFileError) as exc:
        print(f"telephonist flow test: {exc}", file=sys.stderr)
        return 2
    failed = [r for r in reports if not r.passed]
    sources = plan_sources(cfg.ivrd.sources, script.sources)
    if args.json:
        print(json.dumps({"flow": name, "script": args.script, "passed": not failed, "sources": sources,
                          "calls": [r.as_dict() for r in reports]}, ensure_ascii=False, indent=2, default=str))
    else:
        if sources:
            print(f"sources: {', '.join(sources)}")
        for r in reports:
            print(f"{'PASS' if r.passed else 'FAIL'}  {r.name}  ({args.script}:{r.line})  "
                  f"{len(r.heard)} prompts, {len(r.steps)} steps, ends {r.ends or '-'}"
                  + (f", answered by agent {r.agent}" if r.agent else ""))
            for f in r.failures:
                print(f"      {f}")
            if args.verbose or not r.passed:
                print(f"      heard: {' '.join(r.heard) or '-'}")
                print(f"      steps: {' > '.join(f'{n}[{d}]:{res}' if d else f'{n}:{res}' for n, d, res in r.steps)}")
        print(f"{len(reports) - len(failed)} of {len(reports)} calls passed")
    return 1 if failed else 0
