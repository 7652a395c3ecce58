"""A real chand core (tests/support/chand_harness.py) with the web admin connected to it."""
from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from dataclasses import replace

from telephonist.drivers.sim.far_end import NumberBehaviour
from telephonist.webadmin import create_app, db
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand
from tests.webadmin.support import Served, make_users


@asynccontextmanager
async def chand_and_webadmin(tmp_path, web_config):
    spans = [SpanSpec("e1a", "e1", 4), SpanSpec("e1b", "e1", 2)]
    async with running_chand(tmp_path, spans, default_route="app:desk", records=True,
                             db_url=web_config.database_url, recordings_dir=web_config.recordings_dir,
                             trunk_groups=[TrunkGroupSpec("out", ["e1b/*"])],
                             numbers=[NumberBehaviour("138*", "answer", after_rings=1)]) as chand:
        desk = await chand.client("desk")
        desk.recordings = {}                        # chan -> future of the recording id

        def recording(chan: str) -> asyncio.Future:
            return desk.recordings.setdefault(chan, asyncio.get_running_loop().create_future())
        desk.recording = recording

        async def on_offer(ev):
            if ev.get("reason") == "inbound":
                await desk.call("answer", chan=ev["chan"])

        async def on_answered(ev):
            r = await desk.call("record", chan=ev["chan"], mode="mix")
            recording(ev["chan"]).set_result(r["recording"])

        desk.on("offer", on_offer)
        desk.on("answered", on_answered)
        tester = await chand.client("tester")
        app = await asyncio.to_thread(create_app, replace(web_config, control_socket=chand.socket, live_feed=True))
        make_users(app)
        feed = app.extensions["chand_feed"]
        try:
            assert await asyncio.to_thread(feed.wait_connected, 15), "the web admin did not reach chand"
            yield chand, app, desk, tester
        finally:
            await asyncio.to_thread(feed.stop)
            db.engine(app).dispose()


async def next_line(q, pred, timeout: float = 20.0) -> dict:
    """The next line update (or line in a snapshot) from a feed queue that satisfies ``pred``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        left = deadline - loop.time()
        assert left > 0, "no such line update"
        msg = await asyncio.to_thread(q.get, True, left)
        lines = msg.get("lines", []) if msg["type"] == "snapshot" else [msg.get("line")] if msg["type"] == "line" else []
        for ln in lines:
            if ln and pred(ln):
                return ln


class EventStream:
    """A browser's ``/live/events`` on the console server, over a real socket (HTTP/1.1, chunked)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, status: int,
                 headers: dict[str, str]) -> None:
        self.reader, self.writer, self.status, self.headers = reader, writer, status, headers
        self._text = ""

    @classmethod
    async def open(cls, port: int, cookie: str, path: str = "/live/events") -> "EventStream":
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
                     f"Cookie: telephonist={cookie}\r\n\r\n".encode())
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
        return cls(reader, writer, int(head[0].split()[1]), {k.lower(): v for k, v in headers.items()})

    async def next(self, timeout: float = 20.0) -> tuple[str, dict]:
        """The next event (name, data); comments (keep-alives) and the retry line are skipped."""
        async def read() -> tuple[str, dict]:
            while True:
                while "\n\n" in self._text:
                    block, self._text = self._text.split("\n\n", 1)
                    fields = dict(line.split(": ", 1) for line in block.splitlines()
                                  if ": " in line and not line.startswith(":"))
                    if "event" in fields:
                        return fields["event"], json.loads(fields["data"])
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)       # one chunk
                assert size, "the stream ended"
                self._text += (await self.reader.readexactly(size + 2))[:-2].decode()
        return await asyncio.wait_for(read(), timeout)

    async def next_line(self, pred, timeout: float = 20.0) -> dict:
        """The next line (in a line event or a snapshot) that satisfies ``pred``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            kind, data = await self.next(max(0.1, deadline - loop.time()))
            for ln in data.get("lines", []) if kind == "snapshot" else [data.get("line")] if kind == "line" else []:
                if ln and pred(ln):
                    return ln

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except OSError:
            pass


def session_cookie(app, username: str) -> str:
    """A logged-in session of ``username``, as the cookie a browser would send."""
    from tests.webadmin.support import login
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client.get_cookie("telephonist").value


@asynccontextmanager
async def served(app):
    """The console on a free port, served as `telephonist webadmin` serves it (server.py)."""
    server = await asyncio.to_thread(Served, app)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.close)
