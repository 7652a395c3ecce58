"""Simulated callers for the demo: the far ends of the sim spans call in, choose, speak and hang up.

With a directory of flow test scripts ([sim.traffic] scripts), each caller
is one of their calls, picked at random: it dials that number and presses
what the script says whenever the flow waits for input, like a customer
who knows the menus. Without scripts, a caller presses a random key after
the greeting and sometimes speaks. Rates come from [sim.traffic].

With the configuration's agents (--config), the agents whose extensions are
sim phones sit at them (sim_agents.py): once the ACD serves, they log in, become
ready, answer after two rings, key their agent number, talk 20-90 s and hang up,
so callers who ask for a person in the demo's hotlines reach one.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import random

from telephonist.client import ApiCallError, Client
from telephonist.demo.sim_agents import ACD_APP, AgentHabits, SimAgents

log = logging.getLogger("telephonist.demo.traffic")


class Traffic:
    def __init__(self, client: Client, spans: list[str], dialled: list[str], calls_per_minute: float,
                 max_concurrent: int, seed: int | None = None, scripted: list | None = None,
                 caller=None) -> None:
        self.c = client
        self.scripted = scripted or []          # ScriptedCall objects of the flow test scripts
        self.caller = caller                    # a ScriptedCaller, when there are scripts
        self.spans = spans
        self.dialled = dialled
        self.interval = 60.0 / max(0.1, calls_per_minute)
        self.max_concurrent = max_concurrent
        self.rng = random.Random(seed)
        self.active: set[str] = set()
        self.placed = 0
        self.refused = 0

    async def run(self) -> None:
        while not self.c.closed.is_set():
            if len(self.active) < self.max_concurrent:
                asyncio.get_running_loop().create_task(self.one_call())
            await asyncio.sleep(self.rng.expovariate(1.0 / self.interval))

    async def one_call(self) -> None:
        if self.scripted and self.caller is not None:
            await self.scripted_call()
            return
        span = self.rng.choice(self.spans)
        caller = "13" + "".join(self.rng.choice("0123456789") for _ in range(9))
        try:
            r = await self.c.call("sim.call", span=span, caller=caller, dialled=self.rng.choice(self.dialled))
        except ApiCallError as exc:
            self.refused += 1
            log.debug("event=call_not_placed span=%s error=%s", span, exc)
            return
        far = r["far"]
        self.active.add(far)
        self.placed += 1
        try:
            await self.c.wait_for("far", far=far, what="connected", timeout=60)
            await asyncio.sleep(self.rng.uniform(2.0, 8.0))        # listening to the greeting
            choice = self.rng.choice("1122239")
            await self.c.call("sim.dtmf", far=far, digits=choice)
            if choice == "2":
                await asyncio.sleep(6.0)
                await self.c.call("sim.play", far=far, items=["en/hello.wav"])
                await asyncio.sleep(4.0)
                await self.c.call("sim.dtmf", far=far, digits="#")
            await asyncio.sleep(self.rng.uniform(3.0, 10.0))
        except (asyncio.TimeoutError, ApiCallError) as exc:
            log.debug("event=caller_script_ended far=%s why=%s", far, exc)
        finally:
            try:
                await self.c.call("sim.hangup", far=far)
            except (ApiCallError, ConnectionError):
                pass
            self.active.discard(far)


    async def scripted_call(self) -> None:
        sc = self.rng.choice(self.scripted)
        span = self.rng.choice(self.spans)
        self.placed += 1
        marker = object()
        self.active.add(marker)
        try:
            out = await self.caller.call(sc.actions, dialled=sc.dialled, caller=sc.caller, span=span, timeout_s=600)
            log.info("event=demo_call script=%r span=%s prompts=%d inputs=%d", sc.name, span, len(out.heard),
                     out.inputs)
        except (asyncio.TimeoutError, ApiCallError) as exc:
            self.refused += 1
            log.debug("event=call_not_placed span=%s error=%s", span, exc)
        finally:
            self.active.discard(marker)


def load_scripted_calls(directory: str) -> list:
    import glob
    import os

    from telephonist.ivrd.flow_test.script import ScriptError, load_script
    calls = []
    for path in sorted(glob.glob(os.path.join(directory, "*.toml"))):
        try:
            calls.extend(load_script(path).calls)
        except ScriptError as exc:
            log.warning("event=demo_script_skipped path=%s error=%s", path, exc)
    return calls


async def until_serving(client: Client, app: str, limit_s: float = 300.0) -> None:
    """Callers who follow ivrd's scripts wait for ivrd (it renders the demo prompts first, which takes a
    while on a first run) instead of getting the fallback."""
    for _ in range(int(limit_s / 0.5)):
        status = await client.call("status")
        if any(name.split("#")[0] == app for name in status.get("applications", [])):
            return
        await asyncio.sleep(0.5)
    log.warning("event=demo_traffic_without_app app=%s waited_s=%s", app, limit_s)


DEMO_AGENTS = AgentHabits(answer_after_rings=2, talk_s=(20.0, 90.0))


async def connected(socket: str, app: str) -> Client:
    """A session with chand, once it listens (the demo starts everything at once)."""
    while True:
        try:
            client = await Client.connect_unix(socket, app=app)
        except (ConnectionError, FileNotFoundError):
            await asyncio.sleep(0.5)
            continue
        client.keep_events = False
        return client


async def seat_agents(socket: str, config: str) -> None:
    """The configured agents at their sim phones, for as long as chand runs (again after it restarts)."""
    from telephonist.config import load_config
    cfg = load_config(config)
    if not cfg.queues or not cfg.agents:
        return
    while True:
        client = await connected(socket, "demo-agents")
        await until_serving(client, ACD_APP)
        try:
            await SimAgents(client, DEMO_AGENTS).start(cfg.agents)
        except ApiCallError as exc:
            log.warning("event=demo_agents_not_seated error=%s", exc)
        await client.closed.wait()
        await asyncio.sleep(0.5)


async def run(socket: str, spans: list[str], dialled: list[str], cpm: float, max_concurrent: int,
              scripts: str = "", prompts_dir: str = "", config: str = "") -> None:
    scripted = load_scripted_calls(scripts) if scripts else []
    if config:
        agents = asyncio.get_running_loop().create_task(seat_agents(socket, config))
        agents.add_done_callback(lambda t: t.cancelled() or t.exception() is None or
                                 log.error("event=demo_agents_failed error=%r", t.exception()))
    while True:
        client = await connected(socket, "demo-traffic")
        if scripted:
            await until_serving(client, "ivr")
        caller = None
        if scripted:
            from telephonist.ivrd.flow_test.caller import ScriptedCaller
            ear = await Client.connect_unix(socket, app="demo-traffic-ear", role="monitor")
            ear.keep_events = False
            caller = await ScriptedCaller.attach(client, ear, prompts_dir)
        t = Traffic(client, spans, dialled, cpm, max_concurrent, scripted=scripted, caller=caller)
        log.info("event=traffic_started spans=%s calls_per_minute=%s", ",".join(spans), cpm)
        await t.run()
        await asyncio.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description="Telephonist demo: simulated callers")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--span", action="append", required=True)
    parser.add_argument("--dialled", action="append", default=[])
    parser.add_argument("--calls-per-minute", type=float, default=12)
    parser.add_argument("--max-concurrent", type=int, default=6)
    parser.add_argument("--scripts", default="", help="a directory of flow test scripts the callers follow")
    parser.add_argument("--prompts-dir", default="")
    parser.add_argument("--config", default="", help="seat the configuration's agents at their sim phones")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(run(args.socket, args.span, args.dialled or ["4008001234"], args.calls_per_minute,
                    args.max_concurrent, args.scripts, args.prompts_dir, args.config))


if __name__ == "__main__":
    main()
