"""`telephonist backup`: one archive of the database and the folders, to [backup] destination (or --to)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict

from telephonist.config import load_config


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))
    p.add_argument("--to", default=None, metavar="DEST",
                   help="a folder, or user@host:/folder (rsync over ssh); default: [backup] destination")
    p.add_argument("--keep", type=int, default=None, metavar="N",
                   help="keep the newest N archives of this node there; default: [backup] keep")
    p.add_argument("--json", action="store_true", help="one JSON object: the archive, its size, what it holds")


def main(args: argparse.Namespace) -> int:
    from telephonist.backup.database import DatabaseCopyError
    from telephonist.backup.destination import DestinationError
    from telephonist.backup.take import take_backup
    from telephonist.logsetup import setup_logging
    cfg = load_config(args.config)
    setup_logging(cfg.system.log_level)
    if args.keep is not None and args.keep < 1:
        print("telephonist backup: --keep must be 1 or more", file=sys.stderr)
        return 2
    try:
        result = take_backup(cfg, args.to, args.keep)
    except (DatabaseCopyError, DestinationError, OSError) as exc:
        print(f"telephonist backup: failed, no archive made: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(asdict(result), indent=2))
        return 0
    print(f"{result.archive}: {result.size} bytes, the database ({result.database['backend']}, schema "
          f"{result.database['revision'] or '-'}) and {result.files} file(s) of {result.bytes} bytes")
    for what in result.skipped:
        print(f"  went away while the backup ran: {what}")
    for name in result.changed:
        print(f"  changed while it was read (its copy may be damaged): {name}")
    for name in result.removed:
        print(f"  removed (keeping the newest): {name}")
    return 0
