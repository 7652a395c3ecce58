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

    def wait_for(self, proc: subprocess.Popen, words: str, timeout: float, what: str) -> str | None:
        """The next message of proc's that contains words (READY=1, a STATUS=...); None if proc exits first
        (the caller reads why). A daemon that says neither in timeout seconds is killed and its output raised."""
        waited = 0.0
        while True:
            try:
                msg = self._sock.recv(4096).decode(errors="replace")
                if words in msg:
                    return msg
            except TimeoutError:
                waited += 0.5
                if proc.poll() is not None:
                    return None
                if waited >= timeout:
                    proc.kill()
                    out, _ = proc.communicate()
                    raise AssertionError(f"{what} did not say {words!r} in {timeout:g} s:\n{out}") from None

    def wait_ready(self, proc: subprocess.Popen, timeout: float, what: str) -> bool:
        """True once proc says READY=1; False if it exits first."""
        return self.wait_for(proc, "READY=1", timeout, what) is not None

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
        self._out: str | None = None

    async def notified(self, words: str, timeout: float = 60.0) -> str:
        """Its next notification that contains words (its systemd STATUS= lines say what a reload did)."""
        msg = await asyncio.to_thread(self._notify.wait_for, self.proc, words, timeout, self.name)
        if msg is None:
            out, _ = self.proc.communicate()
            raise AssertionError(f"{self.name} exited with {self.proc.returncode} before saying {words!r}:\n{out}")
        return msg

    async def ready(self, timeout: float = 60.0) -> None:
        await self.notified("READY=1", timeout)

    def kill(self) -> None:
        """SIGKILL, and wait for it to be gone."""
        self.proc.kill()
        self.proc.wait(10)
        self._notify.close()

    def stop(self) -> str:
        """SIGTERM if it still runs; its output (again the same when called again)."""
        if self._out is None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
            self._out, _ = self.proc.communicate(timeout=30)
            self._notify.close()
        return self._out
