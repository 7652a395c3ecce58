"""chand as a daemon in a child process, as systemd runs it: started with a NOTIFY_SOCKET and ready when it
says READY=1, so tests never poll its control socket to find out whether it is up."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile

from telephonist.client import Client


def start_chand(cfg_path, notify: str | None = None, wait: bool = True, timeout: float = 60.0) -> subprocess.Popen:
    """Start `telephonist chand --config cfg_path`. With wait (and no notify socket of the caller's), return
    once it has said READY=1; if it exits first (a bad configuration), return then: the caller reads its
    exit code and output."""
    own = None
    if notify is None:
        own = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify = os.path.join(tempfile.mkdtemp(prefix="chand-notify-"), "notify.sock")
        own.bind(notify)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NOTIFY_SOCKET": notify}
    proc = subprocess.Popen([sys.executable, "-m", "telephonist.cli", "chand", "--config", str(cfg_path)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if own is not None:
        try:
            if wait:
                _wait_ready(own, proc, timeout)
        finally:
            own.close()
    return proc


def _wait_ready(ns: socket.socket, proc: subprocess.Popen, timeout: float) -> None:
    ns.settimeout(0.5)           # to see an exit as well as a READY=1
    waited = 0.0
    while True:
        try:
            if b"READY=1" in ns.recv(4096):
                return
        except TimeoutError:
            waited += 0.5
            if proc.poll() is not None:
                return           # it exited (the caller reads why)
            if waited >= timeout:
                proc.kill()
                out, _ = proc.communicate()
                raise AssertionError(f"chand did not become ready in {timeout:g} s:\n{out}") from None


async def connect(sock, app: str, role: str = "app") -> Client:
    """A client of a chand that is ready."""
    return await Client.connect_unix(str(sock), app=app, role=role)
