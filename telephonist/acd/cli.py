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


class Reloader:
    """The configuration read again (SIGHUP, or the `reload` request of an administrator, e.g. the web admin's
    queues page): checked whole, refused with file:line and the running one kept, or handed to `serve`,
    which applies it through the restart path."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.wanted = asyncio.Event()          # serve() looks at `accepted` when this is set
        self.accepted: Config | None = None

    async def check(self, running: Config, service) -> tuple[Config | None, list[str]]:
        """(the configuration to apply, None and the problems that refuse it)."""
        try:
            new = await asyncio.to_thread(load_config, self.path)
        except ConfigError as exc:
            return None, [str(p) for p in exc.problems] or [str(exc)]
        names = {q.name for q in new.queues}
        gone = sorted({c.queue for c in service.callers.values() if c.queue not in names})
        if gone:
            return None, [f"queue '{name}' has callers (waiting or talking): remove it once it is empty" for name in gone]
        for section in ("database", "control"):
            if getattr(new, section) != getattr(running, section):
                log.warning("event=acd_reload_needs_restart section=%s", section)
        return dataclasses.replace(new, database=running.database, control=running.control), []

    async def reload(self, running: Config, service) -> dict[str, object]:
        """Check, and keep a good one for `apply_accepted`; what the asker is told."""
        from telephonist import sdnotify
        sdnotify.notify("RELOADING=1")
        new, problems = await self.check(running, service)
        if new is None:
            for problem in problems:
                log.error("event=acd_config_refused problem=%s", problem)
            sdnotify.notify("READY=1", "STATUS=configuration refused (see the log); the running one stays")
            return {"applied": False, "errors": problems}
        self.accepted = new
        return {"applied": True, "queues": len(new.queues), "agents": len(new.agents)}

    def apply_accepted(self) -> None:
        """serve() applies what `reload` accepted (after the asker had its answer)."""
        if self.accepted is not None:
            self.wanted.set()


async def serve(cfg: Config, stop: asyncio.Event | None = None, reload: asyncio.Event | None = None,
                path: str = "") -> None:
    """Run until stop is set: connect, serve, and after a lost connection connect again; when reload is set
    (SIGHUP), read path again and, if it is good, serve the new configuration (see the module's text)."""
    from telephonist import sdnotify
    from telephonist.acd.mailin import start_receiver
    from telephonist.acd.requests import RequestHandler
    from telephonist.acd.service import AcdService
    from telephonist.acd.store import AcdStore
    from telephonist.client import Client
    from telephonist.storage import migrate
    await asyncio.to_thread(migrate, cfg.database.url)
    store = AcdStore(cfg.database.url)
    stop = stop or asyncio.Event()
    reloader = Reloader(path) if path else None
    ready = False
    keeping_alive: asyncio.Task | None = None
    running: dict[str, AcdService | None] = {"service": None}     # the e-mail receiver hands mail to it
    receiver = await start_receiver(cfg.acd, lambda: running["service"])
    try:
        while not stop.is_set():
            try:
                client = await Client.connect_unix(cfg.control.socket, app=APP)
            except (ConnectionError, FileNotFoundError):
                await asyncio.sleep(0.5)
                continue
            client.keep_events = False
            service = AcdService(client, cfg, store)
            service.reloader = reloader
            client.serve_requests(RequestHandler(service))
            await service.start()
            running["service"] = service
            if not ready:
                sdnotify.notify("READY=1", f"STATUS={len(cfg.queues)} queues, {len(cfg.agents)} agents")
                if keeping_alive is None:
                    keeping_alive = asyncio.get_running_loop().create_task(sdnotify.keep_alive())
                ready = True
            log.info("event=acd_ready queues=%d agents=%d socket=%s", len(cfg.queues), len(cfg.agents),
                     cfg.control.socket)
            new_cfg = None
            while new_cfg is None and not client.closed.is_set() and not stop.is_set():
                events = (client.closed, stop, reload, reloader.wanted if reloader else None)
                waits = [asyncio.ensure_future(e.wait()) for e in events if e is not None]
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                for f in waits:
                    f.cancel()
                if reload is not None and reload.is_set() and reloader is not None and not stop.is_set():
                    reload.clear()
                    await reloader.reload(cfg, service)
                    reloader.apply_accepted()
                if reloader is not None and reloader.wanted.is_set():
                    reloader.wanted.clear()
                    new_cfg, reloader.accepted = reloader.accepted, None
            running["service"] = None
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
        if receiver is not None:
            receiver.close()
            await receiver.wait_closed()
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
