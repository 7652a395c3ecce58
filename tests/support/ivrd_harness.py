"""ivrd under test: a real chand core (lockstep clock, sim spans), ivrd's service on its control API,
a real SQLite file, and a scripted caller that hears the prompts and presses keys.

    async with running_ivrd(tmp_path, {"main.toml": FLOW}, prompts=["zh/welcome.wav"]) as ivr:
        out = await ivr.call([{"press": "1"}], dialled="4008001234")
        assert out.prompts == ["zh/welcome.wav", ...]
        assert ivr.steps(out.call_id) == [...]
"""
from __future__ import annotations

import dataclasses
import math
import os
import struct
import wave
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Iterable

import sqlalchemy as sa

from telephonist.chand.routing import Route
from telephonist.config.model import IvrdConfig
from telephonist.ivrd.call import Call
from telephonist.ivrd.flow_loader import LoadOptions, load_flows
from telephonist.ivrd.flow_test.caller import CallOutcome, ScriptedCaller
from telephonist.ivrd.service import IvrService
from telephonist.ivrd.services import IvrServices
from telephonist.storage import migrate
from tests.support.chand_harness import SpanSpec, running_chand


def make_prompt(path: str, ms: int = 200, freq: float = 440.0) -> None:
    """A short tone as a stand-in prompt (8 kHz mono 16-bit WAV); tests identify prompts by name."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(2000 * math.sin(2 * math.pi * freq * i / 8000)))
                               for i in range(8 * ms)))


class IvrdUnderTest:
    def __init__(self, chand, service: IvrService, caller: ScriptedCaller, db_url: str, prompts_dir: str,
                 flows_dir: str, span: str) -> None:
        self.chand = chand
        self.service = service
        self.caller = caller
        self.db_url = db_url
        self.prompts_dir = prompts_dir
        self.flows_dir = flows_dir
        self.span = span
        self.done_calls: dict[str, Call] = {}
        self.db = sa.create_engine(db_url)

    async def call(self, actions: list[dict[str, Any]], dialled: str = "4008001234", caller: str = "13912345678",
                   **kw: Any) -> CallOutcome:
        kw.setdefault("span", self.span)
        out = await self.caller.call(actions, dialled=dialled, caller=caller, **kw)
        await self.service_idle()
        return out

    async def service_idle(self) -> None:
        """Let ivrd finish writing what the call left (session row, last steps)."""
        import asyncio
        for _ in range(200):
            if not self.service.tasks:
                return
            await asyncio.sleep(0.01)

    def vars(self, call_id: str) -> dict[str, Any]:
        return self.done_calls[call_id].vars

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with self.db.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]

    def steps(self, call_id: str) -> list[tuple[str, str | None, str]]:
        """(node, digits, result) of each step of a call."""
        return [(r["node"], r["digits"], r["result"]) for r in
                self.rows("SELECT node, digits, result FROM ivr_steps WHERE call_id = :c ORDER BY id", c=call_id)]

    def session(self, call_id: str) -> dict[str, Any]:
        rows = self.rows("SELECT * FROM ivr_sessions WHERE call_id = :c", c=call_id)
        assert len(rows) == 1, rows
        return rows[0]


@asynccontextmanager
async def running_ivrd(tmp_path, flows: dict[str, str], prompts: Iterable[str] = (), *,
                       spans: list[SpanSpec] | None = None, routes: list[Route] | None = None,
                       ivrd: dict[str, Any] | None = None, languages: tuple[str, ...] = ("zh", "en"),
                       speed: float = 0.0, db_url: str | None = None, **chand_kw: Any) -> AsyncIterator[IvrdUnderTest]:
    """flows: file name -> TOML text, written to a flows directory; prompts: names created as short
    tones under the prompts directory ("{lang}/x.wav" makes one per language). `ivrd` overrides
    IvrdConfig fields. Calls come in on E1 span "e1a" (it carries the dialled number) and go to ivrd. chand's
call records, ivrd's and anyone else's tables share one database: SQLite under tmp_path, or `db_url`."""
    prompts_dir = str(tmp_path / "prompts")
    flows_dir = str(tmp_path / "flows")
    os.makedirs(flows_dir, exist_ok=True)
    for name, text in flows.items():
        with open(os.path.join(flows_dir, name), "w", encoding="utf-8") as f:
            f.write(text)
    for i, name in enumerate(prompts):
        for lang in (languages if "{lang}" in name else ("",)):
            make_prompt(os.path.join(prompts_dir, name.replace("{lang}", lang)), freq=300 + 37 * (i % 40))
    make_prompt(os.path.join(prompts_dir, "zh", "try-later.wav"), freq=1000)
    make_prompt(os.path.join(prompts_dir, "en", "try-later.wav"), freq=1000)
    db_url = db_url or f"sqlite:///{tmp_path / 'telephonist.db'}"     # or a PostgreSQL database of the test's
    migrate(db_url)
    settings = dataclasses.replace(IvrdConfig(flows_dir=flows_dir, languages=languages), **(ivrd or {}))
    flowset = load_flows(flows_dir, LoadOptions(prompts_dir=prompts_dir, languages=languages,
                                                lookup_sources=frozenset(s.name for s in settings.sources)))
    spans = spans or [SpanSpec("e1a", "e1", 8)]
    routes = routes or [Route("ivr:", dialled="*")]
    async with running_chand(tmp_path, spans, routes=routes, prompts_dir=prompts_dir, db_url=db_url,
                             speed=speed, **chand_kw) as chand:
        services = IvrServices(settings=settings, database_url=db_url, prompts_dir=prompts_dir,
                               recordings_dir=str(tmp_path / "recordings"), state_dir=str(tmp_path))
        service = IvrService(await chand.client("ivr"), services, flowset)
        caller = await ScriptedCaller.attach(await chand.client("tester"), await chand.client("monitor", "monitor"),
                                             prompts_dir)
        ivr = IvrdUnderTest(chand, service, caller, db_url, prompts_dir, flows_dir, spans[0].name)
        service.on_call_done = lambda call: ivr.done_calls.__setitem__(call.call_id, call)
        try:
            yield ivr
        finally:
            await services.close()
            ivr.db.dispose()
