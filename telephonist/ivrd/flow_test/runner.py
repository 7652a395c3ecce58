"""Run a flow's test script: an in-process chand on simulated spans, ivrd, and scripted callers.

Nothing of the live system is touched: the spans of the configuration are
rebuilt as sim spans (same names, sizes, extensions and trunk groups, so that
transfers behave as they will), the calls come in on a span of their own,
ivrd's tables live in a temporary SQLite file seeded from the script's
[setup]. Queues are served by a real ACD ([[queues]], [[agents]]) whose
agents sit at their sim phones (telephonist/demo/sim_agents.py): they answer,
key their agent number (what the caller hears of them) and hang up. Other
applications a flow hands calls to (faxd, CRMs) are stood in for by a session
that takes the call and notes it. Customer systems
the flow's lookups read ([[ivrd.sources]]) are the run's own copies or the
script's seeds, never the live ones unless the script says so (sources.py);
voicemail is kept in the run's folder and nobody is told of it by e-mail or
SMS. The engine clock is lockstep, so a script takes the same course on every
machine and a long call runs in a fraction of a second.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from telephonist.config.model import Config, SmsModemConfig
from telephonist.ivrd.call import Call
from telephonist.ivrd.flow_loader import LoadOptions, load_flows
from telephonist.ivrd.flow_model import FlowSet
from telephonist.ivrd.flow_test.caller import CallOutcome, ScriptedCaller
from telephonist.ivrd.flow_test.script import Script, ScriptedCall
from telephonist.ivrd.flow_test.sources import RunSources, prepare_sources
from telephonist.ivrd.nodes.lookup import LOOKUP_SOURCES

log = logging.getLogger("telephonist.flowtest")
CALLER_SPAN = "flowtest"


@dataclass
class CallReport:
    name: str
    line: int
    passed: bool
    failures: list[str] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)
    steps: list[tuple[str, str | None, str]] = field(default_factory=list)
    ends: str = ""
    language: str = ""
    handed_to: dict[str, Any] | None = None
    agent: str = ""                 # the queue's agent who answered
    heard_from_agent: str = ""      # the keys the caller heard from the other end

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def load_flow_set(cfg: Config, flow_file: str | None) -> FlowSet:
    """The configured flows, with `flow_file` (a path outside flows_dir, or an edited copy) among them."""
    opts = LoadOptions(prompts_dir=cfg.system.prompts_dir, languages=cfg.ivrd.languages,
                       lookup_sources=frozenset(s.name for s in cfg.ivrd.sources))
    overrides = {}
    if flow_file:
        with open(flow_file, encoding="utf-8") as f:
            overrides[os.path.abspath(flow_file)] = f.read()
    return load_flows(cfg.ivrd.flows_dir, opts, overrides)


def seed_database(db_url: str, setup: dict[str, list[dict[str, Any]]]) -> None:
    from telephonist.ivrd.seed import seed
    engine = sa.create_engine(db_url)
    try:
        seed(engine, setup)
    finally:
        engine.dispose()


class _StandIn:
    """Takes calls handed to an application that is not part of the test (a queue, faxd ...)."""

    def __init__(self, client, name: str, taken: dict[str, dict[str, Any]]) -> None:
        self.client = client
        self.name = name
        client.on("offer", self._offer)
        self.taken = taken

    async def _offer(self, ev: dict[str, Any]) -> None:
        self.taken[ev["chan"]] = {"app": f"{self.name}:{ev.get('target') or ''}", "data": ev.get("data") or {}}
        try:
            await self.client.call("hangup", chan=ev["chan"])
        except Exception:
            pass


async def _start_acd(cfg: Config, db_url: str, client, answered: dict[str, str], monitor):
    """The ACD on the run's chand and database; answered[call id] = the agent who took the call."""
    import random

    from telephonist.acd.requests import RequestHandler
    from telephonist.acd.service import TOPIC, AcdService
    from telephonist.acd.store import AcdStore
    store = AcdStore(db_url)
    service = AcdService(client, cfg, store, rng=random.Random(1))
    client.serve_requests(RequestHandler(service))
    await service.start()

    def published(ev: dict[str, Any]) -> None:
        body = ev.get("body") or {}
        if body.get("kind") == "call_answered":
            answered[body["call_id"]] = body["agent"]
    monitor.on("published", published)
    await monitor.call("subscribe", lines=False, topics=[TOPIC])
    return service, store


def _stand_in_apps(flows: FlowSet) -> set[str]:
    apps = {"queue", "fax"}
    for flow in flows.flows.values():
        for node in flow.nodes.values():
            to = str(node.params.get("to") or node.params.get("app") or "")
            if ":" in to:
                kind, _, rest = to.partition(":")
                if kind == "app":
                    apps.add(rest)
                elif kind not in ("ext", "number", "flow"):
                    apps.add(kind)
    apps.discard("ivr")
    return apps


async def run_script(cfg: Config, script: Script, flows: FlowSet, flow_name: str) -> list[CallReport]:
    from telephonist.chand.assembly import SpanSpec, TrunkGroupSpec, assemble
    from telephonist.chand.core import ChandCore, CoreSettings
    from telephonist.chand.from_config import numbers_of, play_dirs_of, span_specs
    from telephonist.chand.routing import Route
    from telephonist.client import Client
    from telephonist.engine import Clock
    from telephonist.ivrd.service import IvrService
    from telephonist.ivrd.services import IvrServices
    from telephonist.storage import migrate

    if flow_name not in flows.flows:
        raise ValueError(f"no flow named {flow_name!r}; flows: {', '.join(sorted(flows.flows))}")
    with tempfile.TemporaryDirectory(prefix="telephonist-flowtest-") as tmp:
        db_url = f"sqlite:///{os.path.join(tmp, 'flowtest.db')}"
        await asyncio.to_thread(migrate, db_url)
        await asyncio.to_thread(seed_database, db_url, script.setup)
        spans = [dataclasses.replace(s, driver="sim", kind="fxs" if s.driver == "local" else s.kind)
                 for s in span_specs(cfg)]
        spans.append(SpanSpec(CALLER_SPAN, "e1", 4))

        def make_board(engine, recorder):
            return assemble(engine, spans, node="flowtest",
                            trunk_groups=[TrunkGroupSpec(g.name, list(g.lines), g.hunting, g.caller_id, g.max_calls)
                                          for g in cfg.trunk_groups],
                            routes=[Route(f"ivr:{flow_name}", lines=(f"{CALLER_SPAN}/*",))], numbers=numbers_of(cfg),
                            recordings_dir=os.path.join(tmp, "recordings"), prompts_dir=cfg.system.prompts_dir,
                            play_dirs=(tmp, *play_dirs_of(cfg)), fax_dirs=(tmp, cfg.faxd.spool_dir))
        sock = os.path.join(tmp, "chand.sock")
        core = await ChandCore.start(CoreSettings(socket=sock, clock=Clock.LOCKSTEP, node="flowtest"), make_board)
        clients: list[Client] = []
        acd = None
        run_sources = await asyncio.to_thread(prepare_sources, cfg.ivrd.sources, script.sources,
                                              os.path.join(tmp, "sources"))
        # messages stay in the run's folder; no owner is told of them (no modem, nothing new enough to mail)
        voicemail = dataclasses.replace(cfg.ivrd.voicemail, dir=os.path.join(tmp, "voicemail"), sms=SmsModemConfig(),
                                        notify_give_up_s=0)
        settings = dataclasses.replace(cfg.ivrd, voicemail=voicemail, sources=tuple(
            r.source for r in run_sources if r.source is not None),
            tts_cache_dir=cfg.ivrd.tts_cache_dir or os.path.join(tmp, "tts"))
        services = IvrServices(settings=settings, database_url=db_url, prompts_dir=cfg.system.prompts_dir,
                               recordings_dir=os.path.join(tmp, "recordings"), state_dir=tmp,
                               time_zone=cfg.system.time_zone)
        services.shared(LOOKUP_SOURCES, lambda: RunSources(run_sources), RunSources.close)
        try:
            async def connect(app: str, role: str = "app") -> Client:
                c = await Client.connect_unix(sock, app=app, role=role)
                clients.append(c)
                return c

            service = IvrService(await connect("ivr"), services, flows)
            done: dict[str, Call] = {}
            service.on_call_done = lambda call: done.__setitem__(call.chan, call)
            taken: dict[str, dict[str, Any]] = {}
            answered: dict[str, str] = {}
            stand_ins = _stand_in_apps(flows)
            if cfg.queues:
                from telephonist.demo.sim_agents import AgentHabits, SimAgents
                acd = await _start_acd(cfg, db_url, await connect("queue"), answered,
                                       await connect("flowtest-queue", "monitor"))
                stand_ins.discard("queue")
                await SimAgents(await connect("flowtest-agents"), AgentHabits()).start(cfg.agents, only=script.agents)
            for app in sorted(stand_ins):
                _StandIn(await connect(app), app, taken)
            caller = await ScriptedCaller.attach(await connect("flowtest"), await connect("flowtest-ear", "monitor"),
                                                 cfg.system.prompts_dir, tmp)
            reports = []
            for sc in script.calls:
                service.clock_for_next_call = sc.time
                out = await caller.call(sc.actions, dialled=sc.dialled, caller=sc.caller, span=CALLER_SPAN)
                for _ in range(500):                       # ivrd writes the session row as the call ends
                    if out.chan in done:
                        break
                    await asyncio.sleep(0.01)
                call = done.pop(out.chan, None)
                report = check(sc, out, call, taken.pop(out.chan, None), services.engine,
                               answered.get(out.call_id, ""))
                reports.append(report)
            return reports
        finally:
            if acd is not None:
                await acd[0].roster.drain()
            for c in clients:
                await c.close()
            await core.stop()
            await services.close()
            if acd is not None:
                await acd[1].close()


def _subsequence(expected: list[str], seen: list[str]) -> str | None:
    """None when `expected` appears in `seen` in order; else the first item missing."""
    it = iter(seen)
    for item in expected:
        if not any(s == item for s in it):
            return item
    return None


def _contiguous(part: list[str], seen: list[str]) -> bool:
    n = len(part)
    return any(seen[i:i + n] == part for i in range(len(seen) - n + 1)) if n else True


def check(sc: ScriptedCall, out: CallOutcome, call: Call | None, handed: dict[str, Any] | None,
          db: sa.Engine, agent: str = "") -> CallReport:
    rep = CallReport(name=sc.name, line=sc.line, passed=True, heard=out.prompts, agent=agent,
                     heard_from_agent=out.heard_digits)
    if call is None:
        rep.failures.append("ivrd never took the call (no route to the flow?)")
        rep.passed = False
        return rep
    with db.connect() as conn:
        rep.steps = [tuple(r) for r in conn.execute(sa.text(
            "SELECT node, digits, result FROM ivr_steps WHERE call_id = :c ORDER BY id"), {"c": call.call_id})]
    rep.language = call.lang
    rep.ends = call.outcome or ""
    if call.outcome_detail and call.outcome in ("queue", "application", "extension", "external", "voicemail",
                                                "fax"):
        rep.ends = f"{call.outcome}:{call.outcome_detail}" if call.outcome not in ("queue", "application") \
            else call.outcome_detail
    rep.handed_to = handed
    e = sc.expect
    missing = _subsequence(e.heard, out.prompts)
    if missing is not None:
        rep.failures.append(f"expected to hear {missing} (in order after the ones before it)")
    for p in e.not_heard:
        if p in out.prompts:
            rep.failures.append(f"heard {p}, which it must not")
    for r in e.reads:
        lang = r.get("language") or call.lang
        options = {k: (v.lower() == "true" if isinstance(v, str) and v.lower() in ("true", "false") else v)
                   for k, v in r.items() if k not in ("what", "value", "language")}
        try:
            from telephonist.ivrd.say import fragments
            want = fragments(str(r["what"]), str(r["value"]), lang, **options)
        except Exception as exc:                    # an unreadable value in the script itself
            rep.failures.append(f"cannot work out how {r} is read: {exc}")
            continue
        if not _contiguous(want, out.prompts):
            rep.failures.append(f"expected {r['what']} {r['value']} read out as {' '.join(want)}")
    for k, v in e.vars.items():
        got = call.vars.get(k)
        if str(got) != str(v):
            rep.failures.append(f"variable {k} = {got!r}, expected {v!r}")
    if e.ends is not None and not _ends_match(e.ends, rep.ends, call):
        rep.failures.append(f"the call ended {rep.ends or 'nowhere'}, expected {e.ends}")
    missing = _subsequence(e.steps, [s[0] for s in rep.steps])
    if missing is not None:
        rep.failures.append(f"expected to pass node {missing} (in order)")
    if e.language and call.lang != e.language:
        rep.failures.append(f"language {call.lang}, expected {e.language}")
    if e.agent is not None:
        if agent != e.agent:
            rep.failures.append(f"answered by {'agent ' + agent if agent else 'no agent'}, expected agent {e.agent}")
        elif e.agent not in out.heard_digits:
            rep.failures.append(f"agent {e.agent} answered, but the caller did not hear the agent")
    rep.passed = not rep.failures
    return rep


def _ends_match(expected: str, got: str, call: Call) -> bool:
    if expected == got:
        return True
    kind = expected.split(":", 1)[0]
    return ":" not in expected and (call.outcome == kind or got.split(":", 1)[0] == kind)
