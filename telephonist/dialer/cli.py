"""`telephonist dialer`: outbound campaigns, an application of chand (docs/dialer.md).

Connects to chand as application "dialer", works the running campaigns of the database, and after a lost
connection or a restart settles the attempts it left (service.py) before it dials again. Campaigns, lists,
strategies and the do-not-call list live in the database (the web console's Campaigns pages edit them); of
the configuration it reads the database, the control socket and [dialer] (the SMS / e-mail / fax senders of
media campaigns and reports, and the scheduled imports of `import-scheduled`).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal

from telephonist.config import ConfigError, load_config
from telephonist.config.model import Config

log = logging.getLogger("telephonist.dialer")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))
    sub = p.add_subparsers(dest="action", required=False, metavar="ACTION")
    s = sub.add_parser("import-scheduled", help="take in the lists of [[dialer.imports]]: new files of a folder "
                                                "(then moved to done/ or failed/), or a query's new rows")
    s.add_argument("--json", action="store_true", help="one JSON object: what was imported and what failed")
    s.add_argument("--min-age", type=float, default=10.0, help="seconds a file must be unchanged (default 10)")


async def serve(cfg: Config, stop: asyncio.Event) -> None:
    """Run until stop is set: connect, serve, and after a lost connection connect again."""
    from telephonist import sdnotify
    from telephonist.client import Client
    from telephonist.dialer.service import APP, DialerService
    from telephonist.dialer.store import DialerStore
    from telephonist.storage import migrate
    await asyncio.to_thread(migrate, cfg.database.url)
    store = DialerStore(cfg.database.url)
    keeping_alive: asyncio.Task | None = None
    from telephonist.dialer.media.wiring import side_tasks
    tasks, senders = side_tasks(cfg, store, stop)          # SMS / e-mail / fax campaigns, results to managers
    try:
        while not stop.is_set():
            try:
                client = await Client.connect_unix(cfg.control.socket, app=APP)
            except (ConnectionError, FileNotFoundError):
                await asyncio.sleep(0.5)
                continue
            client.keep_events = False
            service = DialerService(client, store)
            await service.start()
            if keeping_alive is None:
                sdnotify.notify("READY=1", "STATUS=dialing the running campaigns")
                keeping_alive = asyncio.get_running_loop().create_task(sdnotify.keep_alive())
            log.info("event=dialer_ready socket=%s", cfg.control.socket)
            waits = [asyncio.ensure_future(e.wait()) for e in (client.closed, stop)]
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for f in waits:
                f.cancel()
            await client.close()
            if not stop.is_set():
                log.warning("event=dialer_lost_chand action=reconnect")
                await asyncio.sleep(0.5)
    finally:
        if keeping_alive is not None:
            keeping_alive.cancel()
        for task in tasks:
            task.cancel()
        for sender in senders:
            sender.close()
        store.close()


def main(args: argparse.Namespace) -> int:
    from telephonist.logsetup import setup_logging
    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        print(exc)
        return 2
    setup_logging(cfg.system.log_level)
    if getattr(args, "action", None) == "import-scheduled":
        return import_scheduled(cfg, args.json, args.min_age)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(cfg, stop)
    asyncio.run(run())
    return 0


def import_scheduled(cfg: Config, as_json: bool, min_age_s: float) -> int:
    """One run of the scheduled imports; exit 1 when any of them failed."""
    import json

    from telephonist.dialer import scheduled
    from telephonist.storage import migrate
    from telephonist.storage.database import make_engine
    migrate(cfg.database.url)
    engine = make_engine(cfg.database.url)
    try:
        report = scheduled.run(cfg, engine, min_age_s=min_age_s)
    finally:
        engine.dispose()
    if as_json:
        print(json.dumps({"imported": report.imported, "failed": report.failed}, ensure_ascii=False))
    else:
        for r in report.imported:
            print(f"{r['campaign']}: {r['from']}: added {r['added']}, duplicates {r['duplicates']}, "
                  f"rejected {r['rejected']}")
        for r in report.failed:
            print(f"{r['campaign']}: {r['from']}: failed: {r['error']}")
    return 1 if report.failed else 0
