"""`telephonist calls`: recent call records from the database."""
from __future__ import annotations

import argparse
import asyncio
import json
import os


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))
    p.add_argument("-n", "--limit", type=int, default=20)
    p.add_argument("--caller")
    p.add_argument("--dialled")
    p.add_argument("--disposition")
    p.add_argument("--json", action="store_true")


async def _recent(args: argparse.Namespace):
    from telephonist.config import load_config
    from telephonist.storage import CallRecordStore, LegFilter
    cfg = load_config(args.config)
    store = CallRecordStore(cfg.database.url)
    try:
        filt = LegFilter(caller=args.caller, dialled=args.dialled, disposition=args.disposition)
        return await store.recent(args.limit, filt)
    finally:
        await store.close()


def main(args: argparse.Namespace) -> int:
    legs = asyncio.run(_recent(args))
    if args.json:
        print(json.dumps([_asdict(leg) for leg in legs], indent=2, ensure_ascii=False))
        return 0
    print(f"{'STARTED (UTC)':<20}{'DIR':<9}{'LINE':<10}{'CALLER':<15}{'DIALLED':<14}{'DISPOSITION':<13}"
          f"{'RING':>6}{'TALK':>7}  APPLICATION")
    for leg in legs:
        talk = f"{leg.talk_ms / 1000:.0f}s" if leg.talk_ms is not None else "-"
        ring = f"{leg.ring_ms / 1000:.0f}s" if leg.ring_ms is not None else "-"
        print(f"{leg.started_at:%Y-%m-%d %H:%M:%S} {leg.direction:<9}{leg.span + '/' + str(leg.channel):<10}"
              f"{leg.caller:<15}{leg.dialled:<14}{(leg.disposition or 'open'):<13}{ring:>6}{talk:>7}  "
              f"{leg.application or ''}")
    return 0


def _asdict(leg) -> dict:
    from dataclasses import asdict
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(leg).items()}
