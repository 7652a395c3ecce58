"""A call center for the agent desktop tests: a real chand (real-time clock: people in a browser take real
seconds), the ACD and ivrd on it (a small hotline whose "0" and policy number lead to queue "sales", or the demo's
insurance hotline), and the console served as `telephonist webadmin` serves it, with the test users (agent1 is agent 1001, agent2 1002)."""
from __future__ import annotations

import asyncio
import dataclasses
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, AsyncIterator, Callable

from telephonist.chand.routing import Route
from telephonist.config.model import IvrdConfig
from telephonist.engine import Clock
from telephonist.ivrd.flow_loader import LoadOptions, load_flows
from telephonist.ivrd.service import IvrService
from telephonist.ivrd.services import IvrServices
from telephonist.webadmin import create_app, db
from telephonist.webadmin.config import WebConfig
from tests.acd.harness import AcdUnderTest, running_acd
from tests.acd.test_acd_calls import AGENTS          # 1001 Li Wei at 8001 and 1002 Wang Fang at 8002, in sales
from tests.support.ivrd_harness import make_prompt
from tests.webadmin.support import FAST_HASH, Served, make_users

QUEUES = """
[[queues]]
name = "sales"
strategy = "linear"
wrapup_s = 60
ring_timeout_s = 60
dispositions = ["sold", "no interest", "call back"]
crm_url = "https://crm.example.com/customer?tel={number}&policy={account}"
"""
HOTLINE = """
[flow]
description = "the desk tests' hotline: 2 for a policy, 0 for a person"
numbers = ["4009001234"]
start = "menu"

[nodes.menu]
type = "menu"
prompts = "{lang}/menu.wav"
choices = { "2" = "policy", "0" = "operator" }

[nodes.policy]
type = "collect"
prompts = "{lang}/policy.wav"
var = "policy_no"
min_digits = 8
max_digits = 8
next = "gold"
on_fail = "menu"

[nodes.gold]
type = "set"
vars = { vip_name = "'gold'" }
next = "menu"

[nodes.operator]
type = "transfer"
to = "queue:sales"
"""
HOTLINE_NUMBER = "4009001234"
# an agent's IVR step (the desk's "IVR step" button, ivr:verify): the caller keys a 4-digit ID and goes back
VERIFY = """
[flow]
description = "the desk tests' IVR step: a 4-digit ID"
start = "id"

[nodes.id]
type = "collect"
prompts = "{lang}/policy.wav"
var = "id_number"
min_digits = 4
max_digits = 4
"""


@dataclass(frozen=True)
class Hotline:
    """The IVR in front of the queues: ivrd's settings (flows, lookup sources), its prompts, the number it
    answers (routed to ivrd) and the keys that take a caller with a policy number to a queue."""
    ivrd: IvrdConfig
    prompts_dir: str
    number: str
    keys: Callable[[str], list[str]]


def desk_hotline(tmp_path) -> Hotline:
    """The desk tests' small hotline: 2, the policy number (no password), then 0 for queue "sales"."""
    prompts = tmp_path / "prompts"
    for lang in ("zh", "en"):
        for name in ("menu", "policy", "try-later"):
            make_prompt(str(prompts / lang / f"{name}.wav"))
    flows_dir = tmp_path / "flows"
    flows_dir.mkdir()
    (flows_dir / "hotline.toml").write_text(HOTLINE)
    (flows_dir / "verify.toml").write_text(VERIFY)
    return Hotline(IvrdConfig(flows_dir=str(flows_dir), languages=("zh", "en")), str(prompts), HOTLINE_NUMBER,
                   lambda policy: ["2", policy, "0"])


def insurance_hotline(tmp_path) -> Hotline:
    """The demo's insurance hotline (etc/telephonist/flows/insurance.toml and the demo's other flows, its sample
    policy data and self-service accounts, short stand-in prompts): 2, the policy number, the holder's password
    and #, then 0 for queue "service". DeskSite.caller_to_queue puts each call at 10:30 on a Monday (the hotline's
    office hours), whatever the time of the test."""
    from telephonist.demo.sample_data import seed_telephonist
    from tests.ivrd.test_demo_flows import demo_config, stand_in_prompts
    cfg = demo_config(tmp_path)
    cfg = dataclasses.replace(cfg, database=dataclasses.replace(
        cfg.database, url=f"sqlite:///{tmp_path / 'telephonist.db'}"))
    seed_telephonist(cfg)                   # the policy holders' passwords (demo-data/setup.toml)
    stand_in_prompts(cfg, ms=100)
    return Hotline(cfg.ivrd, cfg.system.prompts_dir, INSURANCE_NUMBER,
                   lambda policy: ["2", policy, POLICY_PASSWORDS[policy] + "#", "0"])


INSURANCE_NUMBER = "4008001111"
POLICY_PASSWORDS = {"88001234": "123456", "88005678": "654321"}      # etc/telephonist/demo-data/setup.toml
OFFICE_HOURS = datetime(2026, 11, 23, 10, 30)                          # a Monday, Asia/Shanghai


class DeskSite:
    def __init__(self, acd: AcdUnderTest, app, served: Served, monitor, hotline: Hotline, ivr: IvrService) -> None:
        self.acd = acd
        self.app = app
        self.served = served
        self.monitor = monitor          # follows calls (call_event): when the IVR waits for keys
        self.hotline = hotline
        self.ivr = ivr

    async def lift(self, extension: str, since: int) -> None:
        """The agent lifts the phone at ``extension`` once it rings (rung after tester position ``since``)."""
        far = self.acd.phone(extension)
        await self.acd.tester.wait_for("far", far=far, what="ringing", since=since)
        await self.acd.tester.call("sim.answer", far=far)

    async def caller_to_queue(self, caller: str, policy: str) -> str:
        """A caller rings the hotline and keys its way with the policy number to the queue (the hotline's
        keys): it waits there with the IVR's data. Returns its far end."""
        t, m = self.acd.tester, self.monitor.mark()
        self.ivr.clock_for_next_call = OFFICE_HOURS
        r = await t.call("sim.call", span="callers", caller=caller, dialled=self.hotline.number)
        for keys in self.hotline.keys(policy):
            await self.monitor.wait_for(lambda e: e.get("event") == "call_event" and e.get("what") == "collect_start"
                                        and e.get("chan") == r["chan"], since=m, timeout=30)
            m = self.monitor.mark()
            await t.call("sim.dtmf", far=r["far"], digits=keys)
        await self.acd.queued(caller)
        return r["far"]


@asynccontextmanager
async def desk_site(tmp_path, queues: str = QUEUES, agents: str = AGENTS,
                    hotline: Callable[[Any], Hotline] = desk_hotline, record: bool | None = None,
                    **acd_kw: Any) -> AsyncIterator[DeskSite]:
    """queues, agents: the ACD's TOML; hotline: makes the IVR in front (desk_hotline, insurance_hotline);
    record: chand records the hotline's calls whole (for a reviewer to listen to); acd_kw: more of
    running_acd's arguments (an [acd] text, trunk groups, sim numbers ...)."""
    line = hotline(tmp_path)
    (tmp_path / "recordings").mkdir(exist_ok=True)
    async with running_acd(tmp_path, queues, agents, clock=Clock.REALTIME,
                           routes=[Route("ivr:", dialled=line.number, record=record)], **acd_kw) as acd:
        db_url = f"sqlite:///{tmp_path / 'telephonist.db'}"
        services = IvrServices(settings=line.ivrd, database_url=db_url, prompts_dir=line.prompts_dir,
                               recordings_dir=str(tmp_path / "recordings"), state_dir=str(tmp_path))
        flowset = load_flows(line.ivrd.flows_dir, LoadOptions(
            prompts_dir=line.prompts_dir, languages=line.ivrd.languages,
            lookup_sources=frozenset(src.name for src in line.ivrd.sources)))
        ivr = IvrService(await acd.chand.client("ivr"), services, flowset)
        monitor = await acd.chand.client("watcher", "monitor")
        await monitor.call("subscribe", lines=False, calls=True)
        app = await asyncio.to_thread(create_app, WebConfig(
            database_url=db_url, control_socket=acd.chand.socket, recordings_dir=str(tmp_path / "recordings"),
            config_path=str(tmp_path / "telephonist.toml"), live_feed=True, testing=True, password_method=FAST_HASH))
        make_users(app)
        feed = app.extensions["chand_feed"]
        served = None
        try:
            assert await asyncio.to_thread(feed.wait_connected, 15), "the console did not reach chand"
            served = await asyncio.to_thread(Served, app)
            yield DeskSite(acd, app, served, monitor, line, ivr)
        finally:
            if served is not None:
                await asyncio.to_thread(served.close)
            await asyncio.to_thread(feed.stop)
            db.engine(app).dispose()
            await services.close()


def acd_calls(site: DeskSite, caller: str) -> list[dict[str, Any]]:
    return site.acd.rows("SELECT * FROM acd_calls WHERE caller = :c ORDER BY id", c=caller)

