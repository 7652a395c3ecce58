"""The chand process: configuration, database, engine, switchboard, control API, systemd, signals.

Start-up closes the call records a killed predecessor left open (as
'interrupted'), then brings the spans up and says READY to systemd. SIGHUP
(or `telephonist reload`) re-reads the configuration: a configuration with
an error is refused with file:line and the running one stays; a good one is
applied to routing, trunk groups, fallback and tokens without touching calls.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import Any

from telephonist import sdnotify
from telephonist.chand.core import ChandCore, CoreSettings
from telephonist.chand.dahdi_span import SpanSetupError
from telephonist.chand.from_config import apply_live_settings, build_board, clock_of
from telephonist.config import Config, ConfigError, load_config
from telephonist.engine import Engine, EngineError

log = logging.getLogger("telephonist.chand")


class Chand:
    def __init__(self, config_path: str) -> None:
        self.config_path = config_path
        self.cfg: Config | None = None
        self.core: ChandCore | None = None
        self.stop_event = asyncio.Event()

    @property
    def board(self):
        return self.core.board if self.core else None

    async def start(self) -> None:
        self.cfg = cfg = load_config(self.config_path)
        for d in (cfg.system.state_dir, cfg.system.recordings_dir, cfg.system.prompts_dir):
            os.makedirs(d, exist_ok=True)
        if cfg.system.demo_prompts:          # chand's own (fallback ...); ivrd makes the flows' prompts
            from telephonist.prompts import ensure_prompts
            await asyncio.to_thread(ensure_prompts, cfg.system.prompts_dir)
        clock, speed = clock_of(cfg)
        tcp = None
        if cfg.control.tcp:
            host, _, port = cfg.control.tcp.rpartition(":")
            tcp = (host or "127.0.0.1", int(port))
        settings = CoreSettings(
            socket=cfg.control.socket, clock=clock, speed=speed, socket_mode=cfg.control.socket_mode,
            socket_group=cfg.control.socket_group, tcp=tcp, tls=self._tls(cfg), db_url=cfg.database.url,
            node=cfg.system.node, frame_ms=cfg.system.frame_ms, max_connections=cfg.control.max_connections,
            hello_timeout_ms=cfg.control.hello_timeout_ms,
            max_channels=max(64, sum(2 * s.channel_count for s in cfg.spans) + 16))
        self.core = core = await ChandCore.start(settings, lambda engine, recorder: build_board(cfg, engine, recorder))
        core.board.reloader = self.reload
        realtime = self._realtime(cfg, core.engine)
        sdnotify.notify("READY=1", f"STATUS=serving {len(core.board.lines)} lines")
        log.info("event=chand_ready node=%s lines=%d socket=%s clock=%s realtime=%s", cfg.system.node,
                 len(core.board.lines), cfg.control.socket, clock.name.lower(), realtime)

    @staticmethod
    def _realtime(cfg: Config, engine: Engine) -> str:
        """`[engine] realtime_priority`: the one place the media thread (and the fax worker, one below) gets a
        real-time priority, only for the real-time clock. Refused (no CAP_SYS_NICE, no RLIMIT_RTPRIO as the
        unit's LimitRTPRIO= gives), chand runs on at normal priority and says why."""
        priority = cfg.engine.realtime_priority
        if not priority or cfg.engine.clock != "realtime":
            return "off"
        try:
            engine.set_realtime(priority)
        except EngineError as exc:
            log.warning("event=realtime_refused priority=%d error=%s", priority, exc)
            return "refused"
        return f"fifo:{priority}"

    @staticmethod
    def _tls(cfg: Config):
        if not cfg.control.tls_cert:
            return None
        import ssl
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cfg.control.tls_cert, cfg.control.tls_key)
        return ctx

    def reload(self) -> dict[str, Any]:
        """Re-read the configuration (SIGHUP, the reload command); subscribers are told the outcome."""
        assert self.cfg is not None and self.board is not None
        try:
            new = load_config(self.config_path)
        except ConfigError as exc:
            log.error("event=reload_refused problems=%d first=%s", len(exc.problems), exc.problems[0] if exc.problems else "")
            result = {"applied": False, "errors": [str(p) for p in exc.problems]}
        else:
            restart = apply_live_settings(self.board, self.cfg, new)
            self.cfg = new
            log.info("event=reload_applied restart_needed=%s", ",".join(restart) or "none")
            result = {"applied": True, "restart_needed": restart}
        self.board.tell_subscribers("reloaded", time_ms=self.board.now(), **result)
        return result

    async def housekeeping(self) -> None:
        interval = sdnotify.watchdog_interval() or 5.0
        while True:
            await asyncio.sleep(min(0.25, interval))
            if self.board is not None:
                self.board.check_sessions()
            sdnotify.notify("WATCHDOG=1")

    async def stop(self) -> None:
        sdnotify.notify("STOPPING=1")
        if self.core is not None:
            await self.core.stop(hang_up=True)
        log.info("event=chand_stopped")

    def _sighup(self) -> None:
        if self.board is None:          # still starting: the configuration it reads is the newest
            log.warning("event=reload_ignored why=starting")
            return
        self.reload()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        # before start() says READY: a SIGTERM (or SIGHUP) right after READY is handled, not fatal
        loop.add_signal_handler(signal.SIGTERM, self.stop_event.set)
        loop.add_signal_handler(signal.SIGINT, self.stop_event.set)
        loop.add_signal_handler(signal.SIGHUP, self._sighup)
        try:
            await self.start()
        except (ConfigError, SpanSetupError) as exc:
            print(exc, flush=True)
            log.error("event=chand_not_started error=%s", str(exc).splitlines()[0] if str(exc) else "")
            return 2
        hk = loop.create_task(self.housekeeping())
        await self.stop_event.wait()
        hk.cancel()
        await self.stop()
        return 0
