"""An ACD on a chand in the test's event loop: callers on an E1 span routed to queues, agents at sim
phones (FXS ports 8001.. in trunk group "desks") that a test lifts, speaks into and hangs up."""
from __future__ import annotations

import asyncio
import textwrap
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import sqlalchemy as sa

from telephonist.acd.requests import RequestHandler
from telephonist.acd.service import AcdService
from telephonist.acd.store import AcdStore
from telephonist.chand.routing import Route
from telephonist.chand.switchboard import Fallback
from telephonist.config import load_config
from telephonist.engine import Clock
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand

PHONES = 9


class AcdUnderTest:
    def __init__(self, chand, service: AcdService, tester, desk, db_url: str) -> None:
        self.chand = chand
        self.service = service
        self.tester = tester            # drives the far ends: callers and the agents' phones
        self.desk = desk                # asks the ACD as an agent desktop would
        self.db = sa.create_engine(db_url)
        self.phones = PHONES

    async def ask(self, action: str, **body: Any) -> dict[str, Any]:
        return await self.desk.request("queue", {"action": action, **body})

    async def login(self, agent: str, extension: str, ready: bool = True) -> None:
        await self.ask("login", agent=agent, extension=extension)
        if ready:
            await self.ask("ready", agent=agent)

    async def login_on_line(self, agent: str, extension: str, ready: bool = True) -> str:
        """The agent logs in on a persistent line: the phone rings, the agent lifts it and the line is open.
        Returns the channel of the line."""
        m, mark = self.desk.mark(), self.tester.mark()
        await self.ask("login", agent=agent, extension=extension, persistent_line=True)
        await self.tester.wait_for("far", far=self.phone(extension), what="ringing", since=mark)
        await self.tester.call("sim.answer", far=self.phone(extension))
        ev = await self.desk.wait_for(lambda e: e.get("event") == "published" and e["body"].get("kind") == "agent_line"
                                      and e["body"]["agent"] == agent and e["body"]["line"] == "open", since=m)
        if ready:
            await self.ask("ready", agent=agent)
        return ev["body"]["chan"]

    async def restart(self) -> None:
        """The ACD goes away (its connection to chand ends) and a new one starts on the same database."""
        await self.service.roster.drain()
        await self.service.c.close()
        client = await self.chand.client("queue")
        self.service = AcdService(client, self.service.cfg, self.service.store)
        client.serve_requests(RequestHandler(self.service))
        await self.service.start()

    async def call(self, queue: int = 0, caller: str = "13900001111") -> str:
        """A caller rings in for the queue-th queue of the configuration; returns its far end."""
        r = await self.tester.call("sim.call", span="callers", caller=caller, dialled=f"400800{queue}1234")
        return r["far"]

    async def talking(self, agent: str, extension: str, caller: str = "13900001111") -> str:
        """The agent logs in at the extension, a caller rings in, the agent's phone rings and is lifted: the two
        talk. Returns the caller's far end."""
        await self.login(agent, extension)
        m = self.tester.mark()
        far = await self.call(caller=caller)
        await self.tester.wait_for("far", far=self.phone(extension), what="ringing", since=m)
        await self.tester.call("sim.answer", far=self.phone(extension))
        await self.wait_agent(agent, "on_call")
        return far

    async def queued(self, caller: str = "13900001111", since: int = 0) -> dict:
        """The ACD's word that this caller joined a queue (its position then)."""
        ev = await self.desk.wait_for(lambda e: e.get("event") == "published" and e["body"]["kind"] == "caller_joined"
                                      and e["body"]["caller"] == caller, since=since)
        return ev["body"]

    def phone(self, extension: str) -> str:
        return f"phones/{int(extension) - 8000}~far"

    async def agent_state(self, agent: str) -> str:
        return next(a for a in (await self.ask("status"))["agents"] if a["agent"] == agent)["state"]

    async def wait_agent(self, agent: str, state: str, since: int = 0, timeout: float = 60) -> dict[str, Any]:
        ev = await self.desk.wait_for(lambda e: e.get("event") == "published" and e["body"].get("kind") == "agent_state"
                                      and e["body"]["agent"] == agent and e["body"]["state"] == state,
                                      since=since, timeout=timeout)
        return ev["body"]

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with self.db.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


@asynccontextmanager
async def running_acd(tmp_path, queues: str, agents: str, acd: str = "", seed: int = 1,
                      records: bool = True, routes: list[Route] = (),
                      trunk_groups: list[TrunkGroupSpec] = (), caller_lines: int = 8,
                      phones: int = PHONES, clock: Clock = Clock.LOCKSTEP, numbers=None,
                      conferences: tuple = ()) -> AsyncIterator[AcdUnderTest]:
    """queues, agents: TOML; acd: more [acd] keys; routes: before the queues' own (4008000* for the first
    queue, 4008001* for the second ...); trunk_groups: besides "desks" (the agents' phones, extensions
    8001 ...); caller_lines: the callers' E1-like span's channels; clock: the engine's (realtime for a browser
    test, whose people take real seconds); conferences: chand's rooms (ConferenceConfig)."""
    db_url = f"sqlite:///{tmp_path / 'telephonist.db'}"
    conf = tmp_path / "telephonist.toml"
    conf.write_text(textwrap.dedent(f"""
        [system]
        prompts_dir = "{tmp_path / 'prompts'}"
        state_dir = "{tmp_path}"
        [database]
        url = "{db_url}"
        [[spans]]
        name = "callers"
        driver = "sim"
        type = "e1"
        channels = {caller_lines}
        [[spans]]
        name = "phones"
        driver = "sim"
        type = "fxs"
        channels = {phones}
        extensions = {[str(8001 + i) for i in range(phones)]}
        [[trunk_groups]]
        name = "desks"
        lines = ["phones/*"]
        """) + "".join(f'[[trunk_groups]]\nname = "{g.name}"\nlines = {list(g.lines)}\n' for g in trunk_groups)
        + '[acd]\nagents_trunk_group = "desks"\n' + textwrap.dedent(acd) + textwrap.dedent(queues)
        + textwrap.dedent(agents))
    cfg = load_config(str(conf))
    spans = [SpanSpec("callers", "e1", caller_lines),
             SpanSpec("phones", "fxs", phones, extensions=[str(8001 + i) for i in range(phones)])]
    routes = list(routes) + [Route(f"queue:{q.name}", dialled=f"400800{i}*") for i, q in enumerate(cfg.queues)]
    async with running_chand(tmp_path, spans, clock=clock, routes=routes, db_url=db_url if records else None,
                             trunk_groups=[TrunkGroupSpec("desks", ["phones/*"]), *trunk_groups],
                             fallback=Fallback(return_for=("queue",)), conferences=tuple(conferences),
                             **({"numbers": numbers} if numbers else {})) as chand:     # as [control.fallback] says
        import random
        from telephonist.storage import migrate
        await asyncio.to_thread(migrate, db_url)
        store = AcdStore(db_url)
        client = await chand.client("queue")
        service = AcdService(client, cfg, store, rng=random.Random(seed))
        client.serve_requests(RequestHandler(service))
        await service.start()
        tester = await chand.client("tester")
        await tester.call("subscribe", lines=True)
        desk = await chand.client("desk")
        await desk.call("subscribe", lines=False, topics=["queue"])
        for i in range(phones):
            await tester.call("sim.take", far=f"phones/{i + 1}~far")
        t = AcdUnderTest(chand, service, tester, desk, db_url)
        t.phones = phones
        try:
            yield t
        finally:
            await t.service.roster.drain()
            t.db.dispose()
            await store.close()
