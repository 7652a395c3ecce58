"""`telephonist run`: start chand (and every daemon that exists) as child processes, restart them if
they die, stop them together; with --demo, also the demo's sample data and simulated callers."""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

log = logging.getLogger("telephonist.run")


@dataclass
class Child:
    name: str
    argv: list[str]
    proc: asyncio.subprocess.Process | None = None
    restarts: int = 0
    started: float = 0.0
    backoff: float = 0.5
    env: dict[str, str] = field(default_factory=dict)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))
    p.add_argument("--demo", action="store_true", help="also build the sample data and run simulated callers")
    p.add_argument("--duration", type=float, default=0.0, help="stop after this many seconds (0: run until signalled)")
    p.add_argument("--web-port", type=int, default=8080, help="the web admin's port (0: do not start it)")


class Supervisor:
    def __init__(self, children: list[Child]) -> None:
        self.children = children
        self.stopping = False

    async def start(self, child: Child) -> None:
        child.started = time.monotonic()
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **child.env}
        child.proc = await asyncio.create_subprocess_exec(*child.argv, env=env)
        log.info("event=child_started name=%s pid=%s", child.name, child.proc.pid)

    async def watch(self, child: Child) -> None:
        while not self.stopping:
            await self.start(child)
            assert child.proc is not None
            rc = await child.proc.wait()
            if self.stopping:
                return
            ran = time.monotonic() - child.started
            child.backoff = 0.5 if ran > 30 else min(child.backoff * 2, 30.0)
            child.restarts += 1
            log.error("event=child_died name=%s rc=%s ran_s=%.1f restart_in_s=%.1f", child.name, rc, ran, child.backoff)
            await asyncio.sleep(child.backoff)

    async def stop(self) -> None:
        self.stopping = True
        for child in reversed(self.children):
            if child.proc and child.proc.returncode is None:
                child.proc.send_signal(signal.SIGTERM)
        for child in self.children:
            if child.proc and child.proc.returncode is None:
                try:
                    await asyncio.wait_for(child.proc.wait(), 10)
                except asyncio.TimeoutError:
                    child.proc.kill()


DEMO_USER, DEMO_PASSWORD = "admin", "telephonist-demo"


def _demo_admin(py: str, config: str) -> None:
    """The demo's web admin account (an existing one is left as it is)."""
    r = subprocess.run([py, "-m", "telephonist.cli", "webadmin", "--config", config, "create-user", DEMO_USER,
                        "--role", "administrator", "--password-stdin"], input=DEMO_PASSWORD + "\n",
                       capture_output=True, text=True)
    if r.returncode == 0:
        log.info("event=demo_admin_created user=%s password=%s", DEMO_USER, DEMO_PASSWORD)


def _socket_path(config_path: str) -> str:
    from telephonist.config import load_config
    return load_config(config_path).control.socket


async def _wait_for_socket(path: str, timeout: float = 180.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        await asyncio.sleep(0.1)
    return False


async def _status_loop(socket: str) -> None:
    from telephonist.client import Client
    while True:
        await asyncio.sleep(10)
        try:
            c = await Client.connect_unix(socket, app="run-status", role="monitor")
            st = await c.call("status")
            await c.close()
        except Exception:
            continue
        busy = [ln for ln in st["lines"] if ln["state"] != "idle"]
        log.info("event=status lines=%d busy=%d applications=%s", len(st["lines"]), len(busy),
                 ",".join(st["applications"]))


async def run(args: argparse.Namespace) -> int:
    from telephonist.config import ConfigError, load_config
    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    py = sys.executable
    if args.demo:
        from telephonist.demo.sample_data import build_all
        build_all(cfg)
    children = [Child("chand", [py, "-m", "telephonist.cli", "chand", "--config", args.config])]
    sock = cfg.control.socket
    children.append(Child("faxd", [py, "-m", "telephonist.cli", "faxd", "--config", args.config]))
    if os.path.isdir(cfg.ivrd.flows_dir):
        children.append(Child("ivrd", [py, "-m", "telephonist.cli", "ivrd", "--config", args.config]))
    else:
        log.warning("event=ivrd_not_started reason=no_flows_dir flows_dir=%s", cfg.ivrd.flows_dir)
    if cfg.queues:
        children.append(Child("acd", [py, "-m", "telephonist.cli", "acd", "--config", args.config]))
    children.append(Child("dialer", [py, "-m", "telephonist.cli", "dialer", "--config", args.config]))
    if args.web_port and importlib.util.find_spec("telephonist.webadmin"):
        if args.demo:
            _demo_admin(py, args.config)
        children.append(Child("webadmin", [py, "-m", "telephonist.cli", "webadmin", "--config", args.config,
                                           "--port", str(args.web_port)]))
    if args.demo:
        traffic = cfg.sim.traffic
        argv = [py, "-m", "telephonist.demo.traffic", "--socket", sock,
                "--calls-per-minute", str(traffic.calls_per_minute), "--max-concurrent", str(traffic.max_concurrent),
                "--scripts", traffic.scripts, "--prompts-dir", cfg.system.prompts_dir, "--config", args.config]
        for span in traffic.spans:
            argv += ["--span", span]
        for number in traffic.dialled:
            argv += ["--dialled", number]
        children.append(Child("traffic", argv))
    sup = Supervisor(children)
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, done.set)
    tasks = [loop.create_task(sup.watch(children[0]))]
    if not await _wait_for_socket(sock):
        log.error("event=chand_not_ready socket=%s", sock)
    for child in children[1:]:
        tasks.append(loop.create_task(sup.watch(child)))
    tasks.append(loop.create_task(_status_loop(sock)))
    log.info("event=running config=%s demo=%s socket=%s", args.config, args.demo, sock)
    if args.web_port:
        log.info("event=web_admin url=http://127.0.0.1:%d/%s", args.web_port,
                 f" user={DEMO_USER} password={DEMO_PASSWORD}" if args.demo else "")
    if args.duration:
        try:
            await asyncio.wait_for(done.wait(), args.duration)
        except asyncio.TimeoutError:
            pass
    else:
        await done.wait()
    await sup.stop()
    for t in tasks:
        t.cancel()
    return 0


def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return asyncio.run(run(args))
