"""A call center for the agent desktop tests: a real chand (real-time clock: people in a browser take real
seconds), the ACD and ivrd on it (a small hotline whose "0" and policy number lead to queue "sales"), and the
console served as `telephonist webadmin` serves it, with the test users (agent1 is agent 1001, agent2 1002)."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

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


class DeskSite:
    def __init__(self, acd: AcdUnderTest, app, served: Served, monitor) -> None:
        self.acd = acd
        self.app = app
        self.served = served
        self.monitor = monitor          # follows calls (call_event): when the IVR waits for keys

    async def lift(self, extension: str, since: int) -> None:
        """The agent lifts the phone at ``extension`` once it rings (rung after tester position ``since``)."""
        far = self.acd.phone(extension)
        await self.acd.tester.wait_for("far", far=far, what="ringing", since=since)
        await self.acd.tester.call("sim.answer", far=far)

    async def caller_to_queue(self, caller: str, policy: str) -> str:
        """A caller rings the hotline, keys 2, the policy number, then 0: it waits in "sales" with the IVR's
        data. Returns its far end."""
        t, m = self.acd.tester, self.monitor.mark()
        r = await t.call("sim.call", span="callers", caller=caller, dialled=HOTLINE_NUMBER)
        for keys in ("2", policy, "0"):
            await self.monitor.wait_for(lambda e: e.get("event") == "call_event" and e.get("what") == "collect_start"
                                        and e.get("chan") == r["chan"], since=m, timeout=30)
            m = self.monitor.mark()
            await t.call("sim.dtmf", far=r["far"], digits=keys)
        await self.acd.queued(caller)
        return r["far"]


@asynccontextmanager
async def desk_site(tmp_path, **acd_kw: Any) -> AsyncIterator[DeskSite]:
    """acd_kw: more of running_acd's arguments (an [acd] text, trunk groups ...)."""
    prompts = tmp_path / "prompts"
    for lang in ("zh", "en"):
        for name in ("menu", "policy", "try-later"):
            make_prompt(str(prompts / lang / f"{name}.wav"))
    flows_dir = tmp_path / "flows"
    flows_dir.mkdir()
    (flows_dir / "hotline.toml").write_text(HOTLINE)
    (tmp_path / "recordings").mkdir(exist_ok=True)
    async with running_acd(tmp_path, QUEUES, AGENTS, clock=Clock.REALTIME,
                           routes=[Route("ivr:", dialled="4009*")], **acd_kw) as acd:
        db_url = f"sqlite:///{tmp_path / 'telephonist.db'}"
        settings = IvrdConfig(flows_dir=str(flows_dir), languages=("zh", "en"))
        services = IvrServices(settings=settings, database_url=db_url, prompts_dir=str(prompts),
                               recordings_dir=str(tmp_path / "recordings"), state_dir=str(tmp_path))
        flowset = load_flows(str(flows_dir), LoadOptions(prompts_dir=str(prompts), languages=("zh", "en")))
        IvrService(await acd.chand.client("ivr"), services, flowset)
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
            yield DeskSite(acd, app, served, monitor)
        finally:
            if served is not None:
                await asyncio.to_thread(served.close)
            await asyncio.to_thread(feed.stop)
            db.engine(app).dispose()
            await services.close()


def acd_calls(site: DeskSite, caller: str) -> list[dict[str, Any]]:
    return site.acd.rows("SELECT * FROM acd_calls WHERE caller = :c ORDER BY id", c=caller)

