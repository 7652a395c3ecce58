"""`telephonist ivrd`: the call-flow service. Flows are reloaded on SIGHUP and when their files change."""
from __future__ import annotations

import argparse
import asyncio
import glob
import logging
import os
import signal
import sys

from telephonist.config import load_config
from telephonist.config.model import Config

log = logging.getLogger("telephonist.ivrd")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))
    p.add_argument("--app", default="ivr", help="the application name routes use (ivr:FLOW)")


def load_options(cfg: Config):
    from telephonist.ivrd.flow_loader import LoadOptions
    return LoadOptions(prompts_dir=cfg.system.prompts_dir, languages=cfg.ivrd.languages,
                       lookup_sources=frozenset(s.name for s in cfg.ivrd.sources))


def services_of(cfg: Config):
    from telephonist.ivrd.services import IvrServices
    return IvrServices(settings=cfg.ivrd, database_url=cfg.database.url, prompts_dir=cfg.system.prompts_dir,
                       recordings_dir=cfg.system.recordings_dir, state_dir=cfg.system.state_dir,
                       time_zone=cfg.system.time_zone,
                       config_dir=os.path.dirname(cfg.path) if cfg.path else "")


def _stamp(flows_dir: str) -> tuple:
    return tuple(sorted((p, os.stat(p).st_mtime_ns, os.stat(p).st_size)
                        for p in glob.glob(os.path.join(flows_dir, "*.toml"))))


async def serve(cfg: Config, app: str = "ivr", stop: asyncio.Event | None = None) -> None:
    from telephonist import sdnotify
    from telephonist.client import Client
    from telephonist.ivrd.flow_loader import FlowError, load_flows
    from telephonist.ivrd.service import IvrService
    from telephonist.storage import migrate
    await asyncio.to_thread(migrate, cfg.database.url)
    if cfg.system.demo_prompts:
        from telephonist.demo.demo_prompts import ensure_all_prompts
        await asyncio.to_thread(ensure_all_prompts, cfg)
    opts = load_options(cfg)
    flows_dir = cfg.ivrd.flows_dir
    flows = await asyncio.to_thread(load_flows, flows_dir, opts)      # FlowError: refuse to start
    stamp = _stamp(flows_dir)
    services = services_of(cfg)
    try:
        from telephonist.ivrd import voicemail
        await voicemail.start(services)          # finish deposits a crash cut short; notify what is due
    except Exception:
        log.exception("event=voicemail_start_failed")
    stop = stop or asyncio.Event()
    current: dict[str, IvrService] = {}
    reload_now = asyncio.Event()
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, reload_now.set)
    except (NotImplementedError, RuntimeError):
        pass

    async def watch() -> None:
        nonlocal flows, stamp
        while not stop.is_set():
            try:
                await asyncio.wait_for(reload_now.wait(), 2.0)
            except asyncio.TimeoutError:
                pass
            forced = reload_now.is_set()
            reload_now.clear()
            new_stamp = _stamp(flows_dir)
            if not forced and new_stamp == stamp:
                continue
            stamp = new_stamp
            try:
                flows = await asyncio.to_thread(load_flows, flows_dir, opts)
            except FlowError as exc:
                for p in exc.problems:
                    log.error("event=ivr_flows_refused problem=%s", p)
                continue
            if "svc" in current:
                current["svc"].apply(flows)

    watcher = asyncio.get_running_loop().create_task(watch())
    ready = False
    try:
        while not stop.is_set():
            try:
                client = await Client.connect_unix(cfg.control.socket, app=app)
            except (ConnectionError, FileNotFoundError):
                await asyncio.sleep(0.5)
                continue
            current["svc"] = IvrService(client, services, flows)
            if not ready:
                sdnotify.notify("READY=1")
                watchdog = asyncio.get_running_loop().create_task(sdnotify.keep_alive())
                ready = True
            log.info("event=ivrd_ready socket=%s flows=%s", cfg.control.socket, ",".join(sorted(flows.flows)))
            closed = asyncio.ensure_future(client.closed.wait())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({closed, stopping}, return_when=asyncio.FIRST_COMPLETED)
            closed.cancel()
            stopping.cancel()
            if stop.is_set():
                await client.close()
                break
            log.warning("event=ivrd_lost_chand; reconnecting")
            await asyncio.sleep(0.5)
    finally:
        watcher.cancel()
        if ready:
            watchdog.cancel()
        await services.close()


def main(args: argparse.Namespace) -> int:
    from telephonist.ivrd.flow_loader import FlowError
    from telephonist.logsetup import setup_logging
    cfg = load_config(args.config)
    setup_logging(cfg.system.log_level)
    try:
        asyncio.run(serve(cfg, args.app))
    except FlowError as exc:
        print("telephonist ivrd: the flows have problems; not starting:", file=sys.stderr)
        for p in exc.problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
