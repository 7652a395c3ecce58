"""`telephonist reload`: chand re-reads its configuration; a bad one is refused with file:line."""
from __future__ import annotations

import argparse
import sys

from telephonist.tools.common import add_config_argument, run_request


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_config_argument(p)


def main(args: argparse.Namespace) -> int:
    r = run_request(args, "reload", role="admin")
    if r is None:
        return 1
    if not r.get("applied"):
        print("configuration refused; the running one stays:", file=sys.stderr)
        for e in r.get("errors", []):
            print(f"  {e}", file=sys.stderr)
        return 2
    restart = r.get("restart_needed") or []
    print("configuration applied" + (f"; restart chand to apply: {', '.join(restart)}" if restart else ""))
    return 0
