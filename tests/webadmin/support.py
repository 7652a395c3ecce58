"""Helpers for the web admin tests: users, logging in, call records and recordings on disk."""
from __future__ import annotations

import math
import re
import struct
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

from telephonist.storage import queries
from telephonist.storage.models import LegOpen
from telephonist.webadmin import accounts, db

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

USERS = {  # name -> (role, agent id)
    "admin": ("administrator", None),
    "super": ("supervisor", None),
    "agent1": ("agent", "1001"),
    "agent2": ("agent", "1002"),
    "audit": ("auditor", None),
}


FAST_HASH = "pbkdf2:sha256:1000"    # test users only; test_default_hash_is_scrypt covers the real default


def password(name: str) -> str:
    return f"pw-{name}-secret"


def make_users(app) -> dict[str, int]:
    ids = {}
    with db.writing(app) as conn:
        for name, (role, agent) in USERS.items():
            ids[name] = accounts.create_user(conn, name, password(name), role, agent_id=agent,
                                             method=app.config["WEB"].password_method)
    return ids


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def login(client, name: str, pw: str | None = None, headers: dict[str, str] | None = None):
    token = csrf_from(client.get("/login", headers=headers).get_data(as_text=True))
    return client.post("/login", headers=headers,
                       data={"username": name, "password": pw or password(name), "csrf_token": token})


def page_csrf(client, path: str = "/calls/") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def tone(freq: float = 440.0, ms: int = 1000, amp: int = 8000, rate: int = 8000) -> bytes:
    n = rate * ms // 1000
    return struct.pack(f"<{n}h", *(int(amp * math.sin(2 * math.pi * freq * i / rate)) for i in range(n)))


def write_alaw_wav(path: Path, pcm: bytes, rate: int = 8000) -> Path:
    """A mono A-law WAV as chand records them (format tag 6, 8 bits)."""
    data = audioop.lin2alaw(pcm, 2)
    fmt = struct.pack("<HHIIHHH", 6, 1, rate, rate, 1, 8, 0)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def add_leg(app, *, caller: str, dialled: str, application: str | None, disposition: str = "answered",
            started: datetime | None = None, talk_s: int = 30, ring_s: int = 5, span: str = "pstn", channel: int = 1,
            direction: str = "inbound", recording: str | None = None, events: list[tuple[str, dict]] = ()) -> int:
    started = started or datetime.now(timezone.utc) - timedelta(minutes=10)
    with db.writing(app) as conn:
        leg_id = queries.insert_leg(conn, queries.leg_values(LegOpen(
            call_id=f"c-{caller}-{started.timestamp():.0f}", direction=direction, span=span, channel=channel,
            caller=caller, dialled=dialled, node="test", application=application, started_at=started)))
        for i, (kind, data) in enumerate(events):
            queries.insert_event(conn, leg_id, kind, started + timedelta(seconds=i), queries.event_json(data))
        answered = started + timedelta(seconds=ring_s) if disposition == "answered" else None
        ended = (answered or started + timedelta(seconds=ring_s)) + timedelta(seconds=talk_s if answered else 0)
        values = {"disposition": disposition, "ended_at": ended, "state": "ended", "recording_path": recording}
        if answered:
            values["answered_at"] = answered
        queries.close_leg(conn, leg_id, values)
    return leg_id


class Served:
    """The console on a free port, served as `telephonist webadmin` serves it (server.py: uvicorn,
    the live board's event streams on its event loop, pages on worker threads)."""

    def __init__(self, app) -> None:
        from telephonist.webadmin.server import ConsoleServer
        self.server = ConsoleServer(app, "127.0.0.1", 0).start_in_thread()
        self.url = self.server.url
        self.port = self.server.port

    def close(self) -> None:
        self.server.stop()


def http_login(port: int, user: str, timeout: float = 10.0) -> tuple[int, str]:
    """Log in over a real socket as a browser does (the form, its CSRF token, the cookie):
    (the answer's status, the session cookie)."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", "/login")
        r = c.getresponse()
        page = r.read().decode()
        cookie = re.search(r"telephonist=([^;]+)", r.getheader("Set-Cookie")).group(1)
        c.request("POST", "/login", body=f"username={user}&password={password(user)}&csrf_token={csrf_from(page)}",
                  headers={"Cookie": f"telephonist={cookie}", "Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        r.read()
        cookie = re.search(r"telephonist=([^;]+)", r.getheader("Set-Cookie") or f"telephonist={cookie}").group(1)
        return r.status, cookie
    finally:
        c.close()
