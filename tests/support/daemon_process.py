"""A Telephonist daemon (chand, acd, dialer ...) in a child process, as systemd runs it: started with a
NOTIFY_SOCKET of its own and ready when it says READY=1, so tests never poll its sockets to find out
whether it is up. The notify socket lives in a folder of its own, removed when the daemon is done with."""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile


class NotifySocket:
    """systemd's side of sd_notify: a datagram socket in a temporary folder; close() removes both."""

    def __init__(self, prefix: str):
        self._dir = tempfile.mkdtemp(prefix=f"{prefix}-notify-")
        self.path = os.path.join(self._dir, "notify.sock")
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(self.path)
        self._sock.settimeout(0.5)           # to see an exit as well as a READY=1

    def wait_ready(self, proc: subprocess.Popen, timeout: float, what: str) -> bool:
        """True once proc says READY=1; False if it exits first (the caller reads why). A daemon neither
        ready nor gone after timeout seconds is killed and its output raised."""
        waited = 0.0
        while True:
            try:
                if b"READY=1" in self._sock.recv(4096):
                    return True
            except TimeoutError:
                waited += 0.5
                if proc.poll() is not None:
                    return False
                if waited >= timeout:
                    proc.kill()
                    out, _ = proc.communicate()
                    raise AssertionError(f"{what} did not become ready in {timeout:g} s:\n{out}") from None

    def close(self) -> None:
        self._sock.close()
        shutil.rmtree(self._dir, ignore_errors=True)


def spawn(name: str, config: str, notify: str) -> subprocess.Popen:
    """`telephonist NAME --config CONFIG` with NOTIFY_SOCKET=notify, its output (stdout and stderr) piped."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NOTIFY_SOCKET": notify}
    return subprocess.Popen([sys.executable, "-m", "telephonist.cli", name, "--config", str(config)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


class Daemon:
    """One run of a daemon: start it, await ready(), kill() it as kill -9 does, stop() it as systemd does."""

    def __init__(self, name: str, config: str):
        self.name = name
        self._notify = NotifySocket(name)
        self.proc = spawn(name, config, self._notify.path)

    async def ready(self, timeout: float = 60.0) -> None:
        if not await asyncio.to_thread(self._notify.wait_ready, self.proc, timeout, self.name):
            out, _ = self.proc.communicate()
            raise AssertionError(f"{self.name} exited with {self.proc.returncode} before it was ready:\n{out}")

    def kill(self) -> None:
        """SIGKILL, and wait for it to be gone."""
        self.proc.kill()
        self.proc.wait(10)
        self._notify.close()

    def stop(self) -> str:
        """SIGTERM if it still runs; its output."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=30)
        self._notify.close()
        return out
