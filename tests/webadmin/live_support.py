"""A real chand core (tests/support/chand_harness.py) with the web admin connected to it."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import replace

from telephonist.drivers.sim.far_end import NumberBehaviour
from telephonist.webadmin import create_app, db
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand
from tests.webadmin.support import make_users


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
