"""`telephonist chand`: run the channel daemon."""
from __future__ import annotations

import argparse
import asyncio
import os


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"),
                   help="configuration file (default: $TELEPHONIST_CONFIG or /etc/telephonist/telephonist.toml)")
    p.add_argument("--log-level", default=None, help="override [system] log_level")


def main(args: argparse.Namespace) -> int:
    from telephonist.chand.daemon import Chand
    from telephonist.logsetup import setup_logging
    setup_logging(args.log_level or os.environ.get("TELEPHONIST_LOG_LEVEL", "info"))
    return asyncio.run(Chand(args.config).run())
