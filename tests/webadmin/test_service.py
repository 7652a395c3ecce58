"""`telephonist webadmin` as systemd runs it (Type=notify, WatchdogSec): READY=1 once it listens,
watchdog pings while it runs, STOPPING=1 and a prompt exit on SIGTERM, even with a live board open."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

from tests.webadmin.site_support import make_site
from tests.webadmin.support import http_login, password


def _next(ns: socket.socket, what: bytes) -> bytes:
    """The next notification holding ``what`` (watchdog pings in between are skipped)."""
    while what not in (msg := ns.recv(4096)):
        assert msg == b"WATCHDOG=1", msg
    return msg


@pytest.mark.long
def test_the_console_tells_systemd_it_is_ready_pings_the_watchdog_and_stops_on_sigterm(tmp_path):
    cfg = make_site(tmp_path / "site")
    made = subprocess.run([sys.executable, "-m", "telephonist.cli", "webadmin", "--config", str(cfg), "create-user",
                           "super", "--role", "supervisor", "--password-stdin"], input=password("super") + "\n",
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    notify = str(tmp_path / "notify.sock")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(notify)
    ns.settimeout(30)
    env = {**os.environ, "NOTIFY_SOCKET": notify, "WATCHDOG_USEC": "1000000", "PYTHONUNBUFFERED": "1"}
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen([sys.executable, "-m", "telephonist.cli", "webadmin", "--config", str(cfg), "--port", "0"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        ready = _next(ns, b"READY=1").decode()
        url = re.search(r"STATUS=serving (http://\S+)", ready).group(1)
        with urllib.request.urlopen(url + "/login", timeout=10) as r:      # it listens when it says so
            assert r.status == 200
        for _ in range(3):                                                  # half of WatchdogSec apart
            assert ns.recv(4096) == b"WATCHDOG=1"
        port = int(url.rsplit(":", 1)[1])
        status, cookie = http_login(port, "super")
        assert status == 302
        board = socket.create_connection(("127.0.0.1", port), timeout=20)      # an open live board
        board.sendall(f"GET /live/events HTTP/1.1\r\nHost: x\r\nCookie: telephonist={cookie}\r\n\r\n".encode())
        seen = board.recv(65536)
        while b"event: snapshot" not in seen:
            seen += board.recv(65536)
        assert seen.startswith(b"HTTP/1.1 200")
        proc.send_signal(signal.SIGTERM)
        _next(ns, b"STOPPING=1")
        while chunk := board.recv(65536):                  # the server ends the stream (no 5 s grace wait)
            seen += chunk
        assert seen.endswith(b"0\r\n\r\n")
        out, _ = proc.communicate(timeout=20)
        assert proc.returncode in (0, -signal.SIGTERM), out
        assert "Cancel" not in out                         # nothing was still running when it stopped
        board.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        ns.close()
