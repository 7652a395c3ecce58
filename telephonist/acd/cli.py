"""`telephonist acd`: the automatic call distributor, an application of chand (docs/acd.md).

Connects to chand as application "queue" (what routes and IVR transfers to `queue:NAME` name), keeps its agents
and waiting callers in the database, and takes them up again after a restart or a lost connection.

SIGHUP (`systemctl reload telephonist-acd`) re-reads the configuration: a file with a problem is refused with
file:line and the running queues stay; a good one is applied by the same path as a restart — the service
lets go of chand and says hello again with the new queues and agents, and recovery (recovery.py) takes back
every waiting caller at its place (chand holds them with music meanwhile: `[control.fallback] return_for`),
every agent's call that talks on, and every agent's state. The database and the control socket are kept
(they need a restart).
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import signal

from telephonist.config import ConfigError, load_config
from telephonist.config.model import Config

log = logging.getLogger("telephonist.acd")
APP = "queue"       # the application name: routes and transfers say queue:NAME


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))


async def reloaded(path: str, running: Config) -> Config | None:
    """The configuration at path, or None (each problem logged with file:line) when it is refused."""
    from telephonist import sdnotify
    try:
        new = await asyncio.to_thread(load_config, path)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            log.error("event=acd_config_refused problem=%s", line.strip())
        sdnotify.notify("READY=1", "STATUS=configuration refused (see the log); the running one stays")
        return None
    for section in ("database", "control"):
        if getattr(new, section) != getattr(running, section):
            log.warning("event=acd_reload_needs_restart section=%s", section)
    return dataclasses.replace(new, database=running.database, control=running.control)


def keeps_waiting_queues(service, new: Config) -> bool:
    """A reload may not take away a queue callers wait in (they would have nowhere to go back to)."""
    from telephonist import sdnotify
    names = {q.name for q in new.queues}
    waiting = sorted({c.queue for c in service.callers.values() if c.queue not in names})
    for name in waiting:
        log.error("event=acd_config_refused problem=queue '%s' has callers (waiting or talking): remove it once it is empty", name)
    if waiting:
        sdnotify.notify("READY=1", "STATUS=configuration refused (see the log); the running one stays")
    return not waiting


async def serve(cfg: Config, stop: asyncio.Event | None = None, reload: asyncio.Event | None = None,
                path: str = "") -> None:
    """Run until stop is set: connect, serve, and after a lost connection connect again; when reload is set,
    read path again and, if it is good, serve the new configuration (see the module's text)."""
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
    keeping_alive: asyncio.Task | None = None
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
                if keeping_alive is None:
                    keeping_alive = asyncio.get_running_loop().create_task(sdnotify.keep_alive())
                ready = True
            log.info("event=acd_ready queues=%d agents=%d socket=%s", len(cfg.queues), len(cfg.agents),
                     cfg.control.socket)
            new_cfg = None
            while new_cfg is None and not client.closed.is_set() and not stop.is_set():
                waits = [asyncio.ensure_future(e.wait()) for e in (client.closed, stop, reload) if e is not None]
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                for f in waits:
                    f.cancel()
                if reload is not None and reload.is_set() and not stop.is_set():
                    reload.clear()
                    sdnotify.notify("RELOADING=1")
                    new_cfg = await reloaded(path, cfg)
                    if new_cfg is not None and not keeps_waiting_queues(service, new_cfg):
                        new_cfg = None
            await service.roster.drain()
            await client.close()
            if new_cfg is not None:
                cfg = new_cfg
                log.info("event=acd_reloaded queues=%d agents=%d", len(cfg.queues), len(cfg.agents))
                ready = False
            elif not stop.is_set():
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
        reload = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        loop.add_signal_handler(signal.SIGHUP, reload.set)
        await serve(cfg, stop, reload, args.config)
    asyncio.run(run())
    return 0
