"""`telephonist restore ARCHIVE`: check an archive against its manifest and put it back."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

from telephonist.config import load_config


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"),
                   help="where the configuration goes (and so where everything else goes)")
    p.add_argument("archive", help="a telephonist-backup-*.tar.gz, here or as user@host:/path")
    p.add_argument("--check", action="store_true", help="only check the archive against its manifest; change nothing")
    p.add_argument("--keep-config", action="store_true",
                   help="keep the configuration at --config and restore into the folders it names")
    p.add_argument("--force", action="store_true", help="restore even while Telephonist runs with this configuration")


def main(args: argparse.Namespace) -> int:
    from telephonist.backup.archive import ArchiveError
    from telephonist.backup.bring_back import RestoreRefused, check_archive, restore
    from telephonist.backup.database import DatabaseCopyError
    from telephonist.backup.destination import DestinationError, destination_of
    ssh = load_config(args.config).backup.ssh_command if os.path.exists(args.config) else "ssh"
    with tempfile.TemporaryDirectory(prefix="telephonist-restore-") as tmp:
        try:
            where = destination_of(os.path.dirname(args.archive) or ".", os.getcwd(), ssh)
            archive = where.fetch(os.path.basename(args.archive), tmp)
            if args.check:
                m = check_archive(archive)
                print(f"{args.archive}: intact: the database and {len(m.entries) - 1} file(s) as its manifest says "
                      f"(node {m.node}, taken {m.started_at}, schema {m.database.get('revision') or '-'})")
                return 0
            report = restore(archive, args.config, keep_config=args.keep_config, force=args.force)
        except ArchiveError as exc:
            print(f"telephonist restore: {args.archive} is not restored, nothing was changed:", file=sys.stderr)
            for p in exc.problems:
                print(f"  {p}", file=sys.stderr)
            return 1
        except (RestoreRefused, DestinationError) as exc:
            print(f"telephonist restore: not restored, nothing was changed: {exc}", file=sys.stderr)
            return 1
        except DatabaseCopyError as exc:
            print(f"telephonist restore: the database could not be restored (the configuration may have been): "
                  f"{exc}", file=sys.stderr)
            return 1
    print(report.text(), end="")
    print(f"(this report is also in {report.report_file})")
    return 0
