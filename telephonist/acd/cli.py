"""`telephonist acd`: the automatic call distributor, an application of chand (docs/acd.md).

Connects to chand as application "queue" (what routes and IVR transfers to `queue:NAME` name), keeps its agents
and waiting callers in the database, and takes them up again after a restart or a lost connection.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal

from telephonist.config import ConfigError, load_config
from telephonist.config.model import Config

log = logging.getLogger("telephonist.acd")
APP = "queue"       # the application name: routes and transfers say queue:NAME


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))


async def serve(cfg: Config, stop: asyncio.Event | None = None) -> None:
    """Run until stop is set: connect, serve, and after a lost connection connect again."""
    from telephonist import sdnotify
    from telephonist.acd.requests import RequestHandler
    from telephonist.acd.service import AcdService
    from telephonist.acd.store import AcdStore
    from telephonist.client import Client
    from telephonist.storage import migrate
    await asyncio.to_thread(migrate, cfg.database.url)
    store = AcdStore(cfg.database.url)
    stop = stop or asyncio.Event()
    ready = False
    try:
        while not stop.is_set():
            try:
                client = await Client.connect_unix(cfg.control.socket, app=APP)
            except (ConnectionError, FileNotFoundError):
                await asyncio.sleep(0.5)
                continue
            client.keep_events = False
            service = AcdService(client, cfg, store)
            client.serve_requests(RequestHandler(service))
            await service.start()
            if not ready:
                sdnotify.notify("READY=1", f"STATUS={len(cfg.queues)} queues, {len(cfg.agents)} agents")
                asyncio.get_running_loop().create_task(sdnotify.keep_alive())
                ready = True
            log.info("event=acd_ready queues=%d agents=%d socket=%s", len(cfg.queues), len(cfg.agents),
                     cfg.control.socket)
            done = asyncio.ensure_future(client.closed.wait())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait([done, stopping], return_when=asyncio.FIRST_COMPLETED)
            for f in (done, stopping):
                f.cancel()
            await service.roster.drain()
            await client.close()
            if not stop.is_set():
                log.warning("event=acd_lost_chand action=reconnect")
                await asyncio.sleep(0.5)
    finally:
        await store.close()


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
