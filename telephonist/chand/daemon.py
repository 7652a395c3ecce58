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
from telephonist.chand.api.server import ApiServer
from telephonist.chand.dahdi_span import SpanSetupError
from telephonist.chand.event_pump import EventPump
from telephonist.chand.from_config import apply_live_settings, build_board, clock_of
from telephonist.chand.records import CallRecorder
from telephonist.config import Config, ConfigError, load_config
from telephonist.engine import Engine
from telephonist.storage import CallRecordStore, migrate

log = logging.getLogger("telephonist.chand")


class Chand:
    def __init__(self, config_path: str) -> None:
        self.config_path = config_path
        self.cfg: Config | None = None
        self.engine: Engine | None = None
        self.board = None
        self.server: ApiServer | None = None
        self.store: CallRecordStore | None = None
        self.pump: EventPump | None = None
        self.stop_event = asyncio.Event()

    async def start(self) -> None:
        self.cfg = cfg = load_config(self.config_path)
        for d in (cfg.system.state_dir, cfg.system.recordings_dir, cfg.system.prompts_dir):
            os.makedirs(d, exist_ok=True)
        url = cfg.database.url
        await asyncio.to_thread(migrate, url)
        self.store = CallRecordStore(url)
        closed = await self.store.close_interrupted(cfg.system.node)
        if closed:
            log.warning("event=records_interrupted count=%d node=%s", closed, cfg.system.node)
        nchans = sum(2 * s.channel_count for s in cfg.spans) + 16
        self.engine = engine = Engine(frame_ms=cfg.system.frame_ms, max_channels=max(64, nchans))
        recorder = CallRecorder(self.store, cfg.system.node, lambda: engine.now_ms)
        self.board = board = build_board(cfg, engine, recorder)
        board.reloader = self.reload
        if cfg.system.demo_prompts:          # chand's own (fallback ...); ivrd makes the flows' prompts
            from telephonist.prompts import ensure_prompts
            await asyncio.to_thread(ensure_prompts, cfg.system.prompts_dir)
        self.server = ApiServer(board)
        await self.server.listen_unix(cfg.control.socket, cfg.control.socket_mode, cfg.control.socket_group)
        if cfg.control.tcp:
            host, _, port = cfg.control.tcp.rpartition(":")
            await self.server.listen_tcp(host or "127.0.0.1", int(port), self._tls(cfg))
        clock, speed = clock_of(cfg)
        self.pump = EventPump(engine, board, clock)
        self.pump.start()
        engine.start(clock, speed)
        sdnotify.notify("READY=1", f"STATUS=serving {len(board.lines)} lines")
        log.info("event=chand_ready node=%s lines=%d socket=%s clock=%s", cfg.system.node, len(board.lines),
                 cfg.control.socket, clock.name.lower())

    @staticmethod
    def _tls(cfg: Config):
        if not cfg.control.tls_cert:
            return None
        import ssl
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cfg.control.tls_cert, cfg.control.tls_key)
        return ctx

    def reload(self) -> dict[str, Any]:
        try:
            new = load_config(self.config_path)
        except ConfigError as exc:
            log.error("event=reload_refused problems=%d first=%s", len(exc.problems), exc.problems[0] if exc.problems else "")
            return {"applied": False, "errors": [str(p) for p in exc.problems]}
        assert self.cfg is not None and self.board is not None
        restart = apply_live_settings(self.board, self.cfg, new)
        self.cfg = new
        log.info("event=reload_applied restart_needed=%s", ",".join(restart) or "none")
        return {"applied": True, "restart_needed": restart}

    async def housekeeping(self) -> None:
        interval = sdnotify.watchdog_interval() or 5.0
        while True:
            await asyncio.sleep(min(0.25, interval))
            if self.board is not None:
                self.board.check_sessions()
            sdnotify.notify("WATCHDOG=1")

    async def stop(self) -> None:
        sdnotify.notify("STOPPING=1")
        if self.board is not None:
            for line in self.board.lines.values():
                if line.busy and line.state.value != "clearing":
                    try:
                        line.sig.hangup("shutdown")
                    except Exception:
                        log.exception("event=hangup_at_stop_failed line=%s", line.name)
            # let the hang-ups reach the lines and the lines settle, so their records close normally
            for _ in range(40):
                if not any(line.busy for line in self.board.lines.values()):
                    break
                await asyncio.sleep(0.05)
        if self.server:
            await self.server.close()
        if self.pump:
            self.pump.stop()
        if self.engine:
            self.engine.stop()
        if self.board and self.board.recorder:
            await self.board.recorder.drain()
        if self.store:
            await self.store.close()
        log.info("event=chand_stopped")

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        try:
            await self.start()
        except (ConfigError, SpanSetupError) as exc:
            print(exc, flush=True)
            log.error("event=chand_not_started error=%s", str(exc).splitlines()[0] if str(exc) else "")
            return 2
        loop.add_signal_handler(signal.SIGTERM, self.stop_event.set)
        loop.add_signal_handler(signal.SIGINT, self.stop_event.set)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        hk = loop.create_task(self.housekeeping())
        await self.stop_event.wait()
        hk.cancel()
        await self.stop()
        return 0
