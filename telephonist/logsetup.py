"""One logging set-up for every daemon: one line per record, key=value messages.

Under systemd (JOURNAL_STREAM set) the journal adds the time, so we do not.
"""
from __future__ import annotations

import logging
import os
import sys


def setup_logging(level: str = "info", name: str = "telephonist") -> None:
    under_journal = bool(os.environ.get("JOURNAL_STREAM"))
    fmt = "%(levelname)s %(name)s %(message)s" if under_journal else \
        "%(asctime)s %(levelname)s %(name)s %(message)s"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
