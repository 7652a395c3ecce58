"""Kamailio and rtpengine (Debian's kamailio, kamailio-websocket-modules and rtpengine-daemon) as real processes
for the WebRTC tests: the shipped etc/kamailio/kamailio.cfg with its settings given on the command line (-A),
rtpengine in user space, both on the loopback on free ports, their output kept with the test's files."""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
from pathlib import Path

import pytest

from tests.sip.support import free_udp_ports

KAMAILIO_CFG = Path(__file__).resolve().parents[2] / "etc" / "kamailio" / "kamailio.cfg"
WEBSOCKET_MODULE = "/usr/lib/x86_64-linux-gnu/kamailio/modules/websocket.so"
TLS_MODULE = "/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so"


def need_edge() -> tuple[str, str]:
    kamailio, rtpengine = shutil.which("kamailio"), shutil.which("rtpengine")
    if not kamailio or not rtpengine or not os.path.exists(WEBSOCKET_MODULE) or not os.path.exists(TLS_MODULE):
        pytest.skip("kamailio, kamailio-websocket-modules, kamailio-tls-modules and rtpengine-daemon are not installed "
                    "(scripts/bootstrap.sh installs them)")
    return kamailio, rtpengine


async def _wait_tcp(port: int, proc: asyncio.subprocess.Process, log: Path, timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if proc.returncode is not None:
            raise AssertionError(f"exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.close()
            return
        except OSError:
            if loop.time() > deadline:
                raise AssertionError(f"nothing listens on {port}:\n{log.read_text()[-3000:]}")
            await asyncio.sleep(0.05)


async def _ng_ping(port: int, proc: asyncio.subprocess.Process, log: Path, timeout: float = 15.0) -> None:
    """rtpengine answers the ng protocol's ping (bencoded) once it is up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    try:
        while True:
            if proc.returncode is not None:
                raise AssertionError(f"rtpengine exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
            s.sendto(b"c1 d7:command4:pinge", ("127.0.0.1", port))
            try:
                data = await asyncio.wait_for(loop.sock_recv(s, 1000), 0.2)
                if b"pong" in data:
                    return
            except TimeoutError:
                pass
            if loop.time() > deadline:
                raise AssertionError(f"rtpengine did not answer a ping:\n{log.read_text()[-3000:]}")
    finally:
        s.close()


class Edge:
    """rtpengine and Kamailio in front of a span of phones bound at `telephonist` (host:port)."""

    def __init__(self, tmp_path, telephonist: str, certs: str = "", widget_target: str = "",
                 widget_numbers: str = "") -> None:
        """certs: a folder with key.pem and cert.pem: browsers connect over wss (WITH_WSS), else over ws.
        widget_target: the website widget's listener too (WITH_WIDGET, plain ws on widget_port): anonymous calls to
        widget_numbers (a regular expression) go to that trunk span's bind (host:port)."""
        self.dir = tmp_path / "edge"
        self.dir.mkdir(exist_ok=True)
        self.telephonist = telephonist
        self.certs = certs
        self.sip_port = free_udp_ports(1, even=False)
        self.ws_port = free_udp_ports(1, even=False)
        self.ng_port = free_udp_ports(1, even=False)
        self.media = free_udp_ports(100)
        self.widget_target, self.widget_numbers = widget_target, widget_numbers
        self.widget_port = free_udp_ports(1, even=False) if widget_target else 0
        self.procs: list[asyncio.subprocess.Process] = []

    @property
    def ws_url(self) -> str:
        return f"{'wss' if self.certs else 'ws'}://127.0.0.1:{self.ws_port}"

    @property
    def widget_url(self) -> str:
        return f"ws://127.0.0.1:{self.widget_port}"

    async def _spawn(self, name: str, *args: str) -> tuple[asyncio.subprocess.Process, Path]:
        log = self.dir / f"{name}.log"
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            proc = await asyncio.create_subprocess_exec(*args, stdin=asyncio.subprocess.DEVNULL, stdout=out,
                                                        stderr=asyncio.subprocess.STDOUT)
        finally:
            os.close(out)
        self.procs.append(proc)
        return proc, log

    async def start(self, *defines: str) -> None:
        """defines: more of kamailio.cfg's settings ('WS_ORIGIN="https://console.example.com"')."""
        kamailio, rtpengine = need_edge()
        proc, log = await self._spawn(
            "rtpengine", rtpengine, "--config-file=none", "--foreground", "--log-stderr", "--table=-1",
            "--interface=127.0.0.1", f"--listen-ng=127.0.0.1:{self.ng_port}", f"--port-min={self.media}",
            f"--port-max={self.media + 99}", "--log-level=6", f"--pidfile={self.dir / 'rtpengine.pid'}")
        await _ng_ping(self.ng_port, proc, log)
        listeners = ["-A", f"WS_LISTEN=tcp:127.0.0.1:{self.ws_port}"]
        if self.certs:          # the plain ws listener on another port; browsers use wss
            listeners = ["-A", f"WS_LISTEN=tcp:127.0.0.1:{free_udp_ports(1, even=False)}", "-A", "WITH_WSS",
                         "-A", f"WSS_LISTEN=tls:127.0.0.1:{self.ws_port}", "-A", f'TLS_CFG="{self.dir / "tls.cfg"}"']
            (self.dir / "tls.cfg").write_text(
                "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n"
                f"private_key = {self.certs}/key.pem\ncertificate = {self.certs}/cert.pem\n")
        self._kamailio = (
            kamailio, "-DD", "-E", "-f", str(KAMAILIO_CFG), "-Y", str(self.dir),
            "-A", f"EDGE_LISTEN=udp:127.0.0.1:{self.sip_port}", "-A", f'EDGE_ADDR="127.0.0.1:{self.sip_port}"',
            *listeners, "-A", f'TELEPHONIST="sip:{self.telephonist}"',
            "-A", f'RTPENGINE="udp:127.0.0.1:{self.ng_port}"', "-A", f'CTL_SOCKET="unix:{self.dir / "ctl"}"',
            "-A", "DEBUG_SIP", *self._widget_settings(), *[a for d in defines for a in ("-A", d)])
        proc, log = await self._spawn("kamailio", *self._kamailio)
        await _wait_tcp(self.ws_port, proc, log)
        if self.widget_port:
            await _wait_tcp(self.widget_port, proc, log)

    def _widget_settings(self) -> list[str]:
        if not self.widget_target:
            return []
        return ["-A", "WITH_WIDGET", "-A", f"WIDGET_WS_LISTEN=tcp:127.0.0.1:{self.widget_port}",
                "-A", f'WIDGET_TARGET="sip:{self.widget_target}"', "-A", f'WIDGET_NUMBERS="{self.widget_numbers}"']

    async def restart_kamailio(self) -> None:
        """Kamailio stops (every browser's WebSocket closes) and starts again on the same ports."""
        old = next(p for p in self.procs if p.returncode is None and p is not self.procs[0])
        old.terminate()
        await asyncio.wait_for(old.wait(), 10)
        self.procs.remove(old)
        proc, log = await self._spawn("kamailio-again", *self._kamailio)
        await _wait_tcp(self.ws_port, proc, log)

    async def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), 10)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
        self.procs.clear()

    def log(self, name: str) -> str:
        p = self.dir / f"{name}.log"
        return p.read_text(errors="replace")[-6000:] if p.exists() else ""
