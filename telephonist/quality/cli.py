"""`telephonist quality draw`: run the sampling rules over a week's calls (the quality timer runs it nightly, so the
reviewers' work list fills up as the week goes on; the console's Sampling page does the same by hand)."""
from __future__ import annotations

import argparse
import logging
import os
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telephonist.config import load_config
from telephonist.storage import make_engine, migrate
from telephonist.storage.database import WRITE

log = logging.getLogger("telephonist.quality")


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    d = sub.add_parser("draw", help="draw calls for review by the sampling rules (default: this week)")
    d.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))
    d.add_argument("--week", type=date.fromisoformat, metavar="YYYY-MM-DD", help="a day of the week to draw from")


def main(args: argparse.Namespace) -> int:
    from telephonist.quality import sampling
    cfg = load_config(args.config)
    tz = ZoneInfo(cfg.system.time_zone)
    day = args.week or datetime.now(tz).date()
    since = datetime.combine(day - timedelta(days=day.weekday()), time(0), tz)
    migrate(cfg.database.url)
    engine = make_engine(cfg.database.url)
    try:
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            n = sampling.draw(conn, since, since + timedelta(days=7))
    finally:
        engine.dispose()
    log.info("event=quality_draw week=%s drawn=%d", since.date().isoformat(), n)
    print(f"{n} calls drawn for review from the week of {since.date().isoformat()}")
    return 0
