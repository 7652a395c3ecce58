"""`telephonist`: one command line for the daemons, the operator tools and the benchmarks.

Each subcommand lives in its own module exposing `add_arguments(parser)` and
`main(args) -> int`; this file only lists them, so adding a command is one line.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from telephonist.config import ConfigError

COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("telephonist.supervisor.cli", "start every daemon in one supervised process group"),
    "chand": ("telephonist.chand.cli", "the channel daemon: spans, channels, control API, call records"),
    "status": ("telephonist.tools.status", "spans, channels and calls of the running chand"),
    "calls": ("telephonist.tools.calls", "recent call records"),
    "originate": ("telephonist.tools.originate", "place a call through chand"),
    "reload": ("telephonist.tools.reload", "apply a changed configuration without dropping calls"),
    "ivrd": ("telephonist.ivrd.cli", "the call-flow service: IVR menus, self-service, voicemail"),
    "ivr-account": ("telephonist.ivrd.account_cli", "self-service logins of the phone flows (add, passwd, unlock, list)"),
    "voicemail": ("telephonist.ivrd.voicemail.cli", "mailboxes and messages: add, set, set-pin, list, messages, purge"),
    "flow": ("telephonist.ivrd.flow_cli", "check a flow, or test it with scripted calls before it goes live"),
    "acd": ("telephonist.acd.cli", "the automatic call distributor: queues, agents, who gets which call"),
    "faxd": ("telephonist.faxd.cli", "the fax service: inbound fax to PDF and mailboxes, outbound fax jobs"),
    "fax": ("telephonist.faxd.fax_cli", "send, list, show and resend fax jobs"),
    "phone": ("telephonist.tools.phone", "call the system from this computer's headset (driver local)"),
    "dahdi-scan": ("telephonist.tools.dahdi_scan", "DAHDI spans and channels the kernel reports, and a [[spans]] proposal"),
    "backup": ("telephonist.backup.cli", "archive the database, recordings, voicemail, faxes, prompts and configuration"),
    "restore": ("telephonist.backup.restore_cli", "check a backup archive and put it back"),
    "quality": ("telephonist.quality.cli", "quality reviews: draw calls for review by the sampling rules"),
    "bench": ("telephonist.bench.cli", "benchmarks (engine, calls, fax)"),
    "webadmin": ("telephonist.webadmin.cli", "the operators' web console (Flask behind uvicorn); create-user"),
    "workorders": ("telephonist.workorders.cli", "work orders: check workorders.toml, sweep overdue orders and SMS"),
    "dialer": ("telephonist.dialer.cli", "outbound campaigns: notices, dunning, surveys and sales, by IVR or by agents"),
    "learn-busy": ("telephonist.tools.learn_busy", "learn an analog line's disconnect tone and keep it in conf.d"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="telephonist", description="Telephonist call-center platform")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            # a command whose module or third-party dependency is not installed here (the DAHDI
            # guest has no Flask) is unavailable; the other commands still work
            if exc.name and (module.startswith(exc.name) or not exc.name.startswith("telephonist")):
                p.set_defaults(_missing=f"{module}, which needs {exc.name}")
                continue
            raise
        mod.add_arguments(p)
        p.set_defaults(_main=mod.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "_missing", None):
        print(f"telephonist {args.command}: not available in this build ({args._missing})", file=sys.stderr)
        return 2
    try:
        return int(args._main(args) or 0)
    except ConfigError as exc:           # a configuration that is missing or wrong: what and where, no traceback
        for problem in exc.problems:
            hint = " (--config PATH or TELEPHONIST_CONFIG names another)" if "cannot read" in problem.message else ""
            print(f"telephonist {args.command}: {problem}{hint}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
