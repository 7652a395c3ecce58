"""`telephonist dialer`: outbound campaigns, an application of chand (docs/dialer.md).

Connects to chand as application "dialer", works the running campaigns of the database, and after a lost
connection or a restart settles the attempts it left (service.py) before it dials again. Campaigns, lists,
strategies and the do-not-call list live in the database (the web console's Campaigns pages edit them);
nothing of the configuration file but the database and the control socket is read.
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
        store.close()


def main(args: argparse.Namespace) -> int:
    from telephonist.logsetup import setup_logging
    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        print(exc)
        return 2
    setup_logging(cfg.system.log_level)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(cfg, stop)
    asyncio.run(run())
    return 0
