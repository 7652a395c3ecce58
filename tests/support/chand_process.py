"""chand as a daemon in a child process, as systemd runs it: started with a NOTIFY_SOCKET and ready when it
says READY=1, so tests never poll its control socket to find out whether it is up."""
from __future__ import annotations

import subprocess

from telephonist.client import Client
from tests.support.daemon_process import NotifySocket, spawn


def start_chand(cfg_path, notify: str | None = None, wait: bool = True, timeout: float = 60.0) -> subprocess.Popen:
    """Start `telephonist chand --config cfg_path`. With wait (and no notify socket of the caller's), return
    once it has said READY=1; if it exits first (a bad configuration), return then: the caller reads its
    exit code and output."""
    if notify is not None:
        return spawn("chand", cfg_path, notify)
    own = NotifySocket("chand")
    try:
        proc = spawn("chand", cfg_path, own.path)
        if wait:
            own.wait_ready(proc, timeout, "chand")
    finally:
        own.close()
    return proc


async def connect(sock, app: str, role: str = "app") -> Client:
    """A client of a chand that is ready."""
    return await Client.connect_unix(str(sock), app=app, role=role)
