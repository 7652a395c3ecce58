"""`telephonist bench desktop`: 500 agent desktops open on the web console while the ACD works, and the
call log still answers.

The whole system runs as its daemons run it, each in its own process, on a temporary configuration: chand
(sim spans on the real-time clock: an E1 of callers, one FXS phone per agent), the ACD (`telephonist acd`,
10 queues of 50 agents by default) and the console (`telephonist webadmin`: uvicorn, pages on its worker
pool, event streams on its loop) on a free port. The console's database has one user per agent (role
``agent``, its agent number).

A client process (aiohttp, one asyncio loop) logs each user in as a browser does (the login form with its
CSRF token, the session cookie), loads ``/agent/`` and holds ``/agent/events`` open. Then this process drives
the ACD for ``--seconds``: ready / not ready requests for random agents, and sim callers ringing the queues
(the agents' phones lift after one ring, the callers hang up after a few seconds of talk, the agents wrap up
and come back). Meanwhile the client process fetches the call log (``/calls/``) at a steady rate.

Each ACD event is stamped (wall clock) when this process's monitor connection to chand receives it from the
bus, the moment the console's feed receives the same message; the figure is the time from that stamp to the
message in the desktop it concerns (deskfeed.concerns: the agent's own events, and the callers of its
queues). ``request_to_desk_p99_ms`` measures the ready / not ready changes from the moment the request was
sent instead (an upper bound that also counts the ACD's own work). Every desktop must get every event that
concerns it (``missing``). The client's own CPU and loop lag are reported: a client near a full core would
make the figures its own.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

QUEUE_AGENTS = 50                    # agents per queue by default (each agent serves one queue)
PASSWORD = "bench-desk-password"
PASSWORD_HASH = "pbkdf2:sha256:1000"  # the users' stored hash: 500 logins at set-up, not what is measured
GOAL = {"event_p99_ms": 250, "page_p99_ms": 500}
GRACE_S = 3.0                        # after the drive, before the streams close: the last events arrive


# ---- the system under test --------------------------------------------------------------------------------
def _config(tmp: str, clients: int, queue_agents: int) -> str:
    queues = _queues(clients, queue_agents)
    lines = [f"""
[system]
node = "bench"
state_dir = "{tmp}"
recordings_dir = "{tmp}/recordings"
prompts_dir = "{tmp}/prompts"
demo_prompts = false
log_level = "warning"

[database]
url = "sqlite:///{tmp}/telephonist.db"

[control]
socket = "{tmp}/chand.sock"
max_connections = 64

[engine]
clock = "realtime"

[[spans]]
name = "callers"
driver = "sim"
type = "e1"
channels = 30

[[spans]]
name = "phones"
driver = "sim"
type = "fxs"
channels = {clients}
extensions = {json.dumps([_extension(n) for n in range(clients)])}

[[trunk_groups]]
name = "desks"
lines = ["phones/*"]

[acd]
agents_trunk_group = "desks"
not_ready_reasons = ["break", "meal", "missed"]
"""]
    for q in range(queues):
        lines.append(f'[[routes]]\ndialled = "{_dialled(q)[:7]}*"\napplication = "queue:q{q}"\n\n'
                     f'[[queues]]\nname = "q{q}"\nstrategy = "longest_idle"\nwrapup_s = 2\n')
    for n in range(clients):
        lines.append(f'[[agents]]\nnumber = "{_agent(n)}"\nname = "Agent {n}"\nextension = "{_extension(n)}"\n'
                     f'queues = ["{_queue(n, queue_agents)}"]\n')
    path = os.path.join(tmp, "telephonist.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    os.makedirs(os.path.join(tmp, "prompts"), exist_ok=True)
    os.makedirs(os.path.join(tmp, "recordings"), exist_ok=True)
    return path


def _queues(clients: int, queue_agents: int) -> int:
    return (clients + queue_agents - 1) // queue_agents


def _queue(n: int, queue_agents: int) -> str:
    return f"q{n // queue_agents}"


def _agent(n: int) -> str:
    return str(10000 + n)


def _extension(n: int) -> str:
    return str(20000 + n)


def _user(n: int) -> str:
    return f"desk{n}"


def _dialled(q: int) -> str:
    return f"4008{q:03d}1234"


def _make_users(db_url: str, clients: int) -> None:
    from telephonist.storage import migrate
    from telephonist.storage.database import WRITE, make_engine
    from telephonist.webadmin import accounts
    migrate(db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            accounts.ensure_builtin_roles(conn)
            for n in range(clients):
                accounts.create_user(conn, _user(n), PASSWORD, "agent", agent_id=_agent(n), method=PASSWORD_HASH)
    finally:
        engine.dispose()


class Daemons:
    """chand, the ACD and the console, each started as `telephonist KIND --config` starts it."""

    def __init__(self, tmp: str, config: str, profile: str = "") -> None:
        self.tmp, self.config, self.profile = tmp, config, profile
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, kind: str, *extra: str) -> None:
        """``profile`` == kind: under cProfile (its main thread, the event loop), stats in ./KIND.pstats."""
        log = open(os.path.join(self.tmp, f"{kind}.log"), "wb")
        profiler = ["-m", "cProfile", "-o", os.path.abspath(f"{kind}.pstats")] if kind == self.profile else []
        self.procs[kind] = subprocess.Popen([sys.executable, *profiler, "-m", "telephonist.cli", kind,
                                             "--config", self.config, *extra], stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def check(self) -> None:
        for kind, p in self.procs.items():
            if p.poll() is not None:
                raise RuntimeError(f"telephonist {kind} ended ({p.returncode}): {self.log_tail(kind)}")

    def log_tail(self, kind: str) -> str:
        with open(os.path.join(self.tmp, f"{kind}.log"), encoding="utf-8", errors="replace") as f:
            return f.read()[-2000:]

    def cpu_s(self) -> dict[str, float]:
        return {kind: _process_cpu_s(p.pid) for kind, p in self.procs.items()}

    def stop(self) -> None:
        for kind, p in reversed(list(self.procs.items())):
            if p.poll() is None:          # SIGINT: a KeyboardInterrupt, on which cProfile still writes its stats
                p.send_signal(signal.SIGINT if kind == self.profile else signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def _process_cpu_s(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")      # utime + stime


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _until(what: str, probe, daemons: Daemons, timeout: float = 60.0):
    from telephonist.client import ApiCallError
    deadline = time.monotonic() + timeout
    while True:
        daemons.check()
        try:
            return await probe()
        except (OSError, RuntimeError, ApiCallError) as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: {exc}") from exc
            await asyncio.sleep(0.2)


async def _http_ok(port: int) -> None:
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    status = (await r.readline()).split()
    w.close()
    if len(status) < 2 or status[1] != b"200":
        raise RuntimeError(f"the console answered {status}")


# ---- the drive: what agents and callers do ----------------------------------------------------------------
class Drive:
    """Ready / not ready requests and sim callers through chand and the ACD; every ACD event stamped as the
    bus delivers it (``stamps``), ready / not ready events also with the time their request was sent."""

    def __init__(self, client, clients: int, queue_agents: int, rng: random.Random) -> None:
        self.c = client
        self.clients = clients
        self.queue_agents = queue_agents
        self.rng = rng
        self.state: dict[str, str] = {}
        self.stamps: dict[tuple, float] = {}
        self.events: list[tuple[tuple, dict[str, Any]]] = []
        self.sent: dict[tuple[str, str], float] = {}
        self.request_stamps: dict[tuple, float] = {}
        self.counts = {"state_requests": 0, "refused": 0, "calls": 0, "no_line": 0}
        self.recording = False
        self.tasks: set[asyncio.Task] = set()
        client.on("published", self._published)

    def _published(self, ev: dict[str, Any]) -> None:
        now = time.time()
        body = ev.get("body") or {}
        if body.get("kind") == "agent_state":
            self.state[body["agent"]] = body["state"]
            sent = self.sent.pop((body["agent"], body["state"]), None)
            if sent is not None and self.recording:
                self.request_stamps[event_key(body)] = sent
        if self.recording:
            key = event_key(body)
            if key not in self.stamps:
                self.stamps[key] = now
                self.events.append((key, body))

    def spawn(self, coro) -> None:
        t = asyncio.ensure_future(coro)
        self.tasks.add(t)
        t.add_done_callback(self.tasks.discard)

    async def ask(self, action: str, **body: Any) -> dict[str, Any]:
        return await self.c.request("queue", {"action": action, **body}, timeout_ms=10_000)

    async def log_in_everyone(self) -> None:
        sem = asyncio.Semaphore(16)

        async def one(n: int) -> None:
            async with sem:
                await self.c.call("sim.take", far=f"phones/{n + 1}~far", auto_answer_rings=1)
                await self.ask("login", agent=_agent(n), extension=_extension(n))
                if n % 2 == 0:
                    await self.ask("ready", agent=_agent(n))
        await asyncio.gather(*(one(n) for n in range(self.clients)))

    async def change_state(self) -> None:
        from telephonist.client import ApiCallError
        agents = [a for a, s in self.state.items() if s in ("ready", "not_ready")]
        if not agents:
            return
        agent = self.rng.choice(agents)
        to = "not_ready" if self.state[agent] == "ready" else "ready"
        self.state[agent] = "asked"
        self.sent[(agent, to)] = time.time()
        self.counts["state_requests"] += 1
        try:
            await self.ask(to, agent=agent, **({"reason": "break"} if to == "not_ready" else {}))
        except ApiCallError:
            self.counts["refused"] += 1          # the agent's state moved on (a call came): not an error

    async def call(self, queues: int) -> None:
        from telephonist.client import ApiCallError
        self.counts["calls"] += 1
        try:
            r = await self.c.call("sim.call", span="callers", caller=f"139{self.counts['calls']:08d}",
                                  dialled=_dialled(self.rng.randrange(queues)))
        except ApiCallError:
            self.counts["no_line"] += 1
            return
        await asyncio.sleep(self.rng.uniform(3.0, 8.0))          # ringing, talking (or waiting) then gone
        try:
            await self.c.call("sim.hangup", far=r["far"])
        except ApiCallError:
            pass

    async def run(self, seconds: float, changes_per_s: float, calls_per_s: float) -> None:
        queues = _queues(self.clients, self.queue_agents)
        loop = asyncio.get_running_loop()
        start = loop.time()
        due_change = due_call = start
        while loop.time() - start < seconds:
            now = loop.time()
            while due_change <= now:
                self.spawn(self.change_state())
                due_change += self.rng.expovariate(changes_per_s)
            while due_call <= now and calls_per_s > 0:
                self.spawn(self.call(queues))
                due_call += self.rng.expovariate(calls_per_s)
            await asyncio.sleep(0.005)


def event_key(body: dict[str, Any]) -> tuple:
    """What names one ACD event, both in the bus message and in the desktop's copy of it."""
    return (body.get("kind") or body.get("type"), body.get("agent"), body.get("call_id"), body.get("state"),
            body.get("queue"), body.get("time_ms"))


def concerns(agent: str, queue: str, body: dict[str, Any]) -> bool:
    """The events a desktop gets (deskfeed.DeskFeed.concerns, for an agent serving one queue)."""
    from telephonist.webadmin.deskfeed import AGENT_KINDS, CALLER_KINDS
    kind = body.get("kind")
    return (kind in AGENT_KINDS and body.get("agent") == agent) or (kind in CALLER_KINDS and body.get("queue") == queue)


# ---- the desktops: one client process ---------------------------------------------------------------------
async def _desktops(base: str, clients: int, pages_per_s: float, out: str) -> None:
    import aiohttp
    import re

    csrf = re.compile(r'name="csrf_token" value="([^"]+)"')
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
    sessions = [aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=timeout)
                for _ in range(clients)]
    receipts: list[list] = []                  # [desk, wall time, event key]
    snapshots = [0] * clients
    opened = [asyncio.get_running_loop().create_future() for _ in range(clients)]

    async def log_in(n: int, s: aiohttp.ClientSession) -> None:
        async with s.get("/login") as r:
            token = csrf.search(await r.text()).group(1)
        async with s.post("/login", data={"username": _user(n), "password": PASSWORD, "csrf_token": token},
                          allow_redirects=False) as r:
            if r.status != 302:
                raise RuntimeError(f"{_user(n)} could not log in: {r.status}")
        async with s.get("/agent/") as r:
            if r.status != 200:
                raise RuntimeError(f"{_user(n)}: /agent/ answered {r.status}")

    async def desk(n: int, s: aiohttp.ClientSession) -> None:
        async with s.get("/agent/events", headers={"Accept": "text/event-stream"}) as r:
            if r.status != 200 or not r.headers.get("content-type", "").startswith("text/event-stream"):
                raise RuntimeError(f"{_user(n)}: /agent/events answered {r.status}")
            kind = data = None
            async for raw in r.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    data = line[6:]
                elif not line and kind is not None:
                    now = time.time()
                    if kind == "snapshot":
                        snapshots[n] += 1
                        if not opened[n].done():
                            opened[n].set_result(None)
                    else:
                        receipts.append([n, now, event_key(json.loads(data))])
                    kind = data = None

    pages: list[list] = []                     # [latency ms, status]

    async def page(s: aiohttp.ClientSession) -> None:
        t0 = time.perf_counter()
        async with s.get("/calls/") as r:
            await r.read()
            pages.append([(time.perf_counter() - t0) * 1000, r.status])

    lags: list[float] = []

    async def ticker() -> None:                # how late this loop runs its work: is the client keeping up?
        loop = asyncio.get_running_loop()
        while True:
            t = loop.time()
            await asyncio.sleep(0.01)
            lags.append((loop.time() - t - 0.01) * 1000)

    sem = asyncio.Semaphore(8)

    async def logged_in(n: int) -> None:
        async with sem:
            await log_in(n, sessions[n])
    await asyncio.gather(*(logged_in(n) for n in range(clients)))
    streams = [asyncio.ensure_future(desk(n, s)) for n, s in enumerate(sessions)]
    done, _ = await asyncio.wait([asyncio.gather(*opened), *streams], return_when=asyncio.FIRST_COMPLETED)
    for f in done:
        f.result()                              # a stream that failed before its snapshot: say why
    cpu0, wall0 = _own_cpu_s(), time.monotonic()
    tick = asyncio.ensure_future(ticker())
    print("ready", flush=True)

    in_flight: set[asyncio.Task] = set()

    async def page_load() -> None:
        loop, n, tasks = asyncio.get_running_loop(), 0, in_flight
        due = loop.time()
        while True:
            due += 1.0 / pages_per_s
            await asyncio.sleep(max(0.0, due - loop.time()))
            t = asyncio.ensure_future(page(sessions[n % clients]))
            tasks.add(t)
            t.add_done_callback(tasks.discard)
            n += 1
    load = asyncio.ensure_future(page_load()) if pages_per_s > 0 else None
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)     # "stop"
    cpu, wall = _own_cpu_s() - cpu0, time.monotonic() - wall0
    if load is not None:
        load.cancel()
        await asyncio.gather(load, return_exceptions=True)
    await asyncio.gather(*in_flight, return_exceptions=True)      # the pages asked for before the stop
    for t in [tick, *streams]:
        t.cancel()
    await asyncio.gather(*streams, tick, return_exceptions=True)
    for s in sessions:
        await s.close()
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"receipts": receipts, "pages": pages, "snapshots": snapshots, "cpu_s": cpu, "wall_s": wall,
                   "loop_lag_ms": lags}, f)


def _host_cpu_s() -> float:
    """CPU seconds the whole machine has been busy (all CPUs: 2 CPUs busy for 1 s count 2 s)."""
    with open("/proc/stat", encoding="ascii") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)          # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")      # without guest time (counted in user)


def _own_cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


# ---- the run ----------------------------------------------------------------------------------------------
async def measure(clients: int, seconds: float, changes_per_s: float, calls_per_s: float, pages_per_s: float,
                  queue_agents: int = QUEUE_AGENTS, seed: int = 1, profile: str = "") -> dict[str, Any]:
    from telephonist.client import Client
    tmp = tempfile.mkdtemp(prefix="telephonist-bench-desktop-")
    config = _config(tmp, clients, queue_agents)
    db_url = f"sqlite:///{tmp}/telephonist.db"
    await asyncio.to_thread(_make_users, db_url, clients)
    daemons = Daemons(tmp, config, profile)
    client = desks = drive = None
    try:
        daemons.start("chand")
        client = await _until("chand", lambda: Client.connect_unix(f"{tmp}/chand.sock", app="bench"), daemons)
        await client.call("subscribe", lines=False, topics=["queue"])
        daemons.start("acd")
        drive = Drive(client, clients, queue_agents, random.Random(seed))
        await _until("the ACD", lambda: drive.ask("status"), daemons)
        port = _free_port()
        daemons.start("webadmin", "--port", str(port))
        await _until("the console", lambda: _http_ok(port), daemons)
        await drive.log_in_everyone()

        out = os.path.join(tmp, "desktops.json")
        desks = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "telephonist.bench.desktop_bench", "--desktops", f"http://127.0.0.1:{port}",
            str(clients), str(pages_per_s), out, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = await asyncio.wait_for(desks.stdout.readline(), 600)
        if line.strip() != b"ready":
            raise RuntimeError(f"the desktops did not open (exit {await desks.wait()})")
        cpu0, host0, own0 = daemons.cpu_s(), _host_cpu_s(), _own_cpu_s()
        load0, t0 = os.getloadavg(), time.monotonic()
        drive.recording = True
        await drive.run(seconds, changes_per_s, calls_per_s)
        drive.recording = False                 # what the drive set going goes on, unmeasured
        await asyncio.sleep(GRACE_S)
        cpu1, host1, own1 = daemons.cpu_s(), _host_cpu_s(), _own_cpu_s()
        wall, load1 = time.monotonic() - t0, os.getloadavg()
        desks.stdin.write(b"stop\n")
        await desks.stdin.drain()
        await desks.wait()
        with open(out, encoding="utf-8") as f:
            seen = json.load(f)
        daemons.check()
        result = _figures(drive, seen, clients, queue_agents)
        result.update({
            "seconds": seconds, "state_changes_per_s": changes_per_s, "calls_per_s": calls_per_s,
            "pages_per_s": pages_per_s, "queues": _queues(clients, queue_agents), "queue_agents": queue_agents,
            **drive.counts,
            "cpu_percent": {**{k: round(100 * (cpu1[k] - cpu0[k]) / wall, 1) for k in cpu0},
                            "desktops_client": round(100 * seen["cpu_s"] / seen["wall_s"], 1),
                            "bench_driver": round(100 * (own1 - own0) / wall, 1)},
            "host_busy_percent": round(100 * (host1 - host0) / wall, 1),
            "client_loop_lag_p99_ms": round(_pct(sorted(seen["loop_lag_ms"]), 0.99), 1),
            "machine": _machine(), "loadavg_before": [round(x, 2) for x in load0],
            "loadavg_after": [round(x, 2) for x in load1]})
        return result
    finally:
        if desks is not None and desks.returncode is None:
            desks.kill()
            await desks.wait()
        for t in list(drive.tasks) if drive is not None else ():
            t.cancel()
        if client is not None:
            await client.close()
        daemons.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _figures(drive: Drive, seen: dict[str, Any], clients: int, queue_agents: int) -> dict[str, Any]:
    got: dict[tuple[int, tuple], float] = {}
    for n, at, key in seen["receipts"]:
        got.setdefault((n, tuple(key)), at)
    latencies, from_request, missing, expected = [], [], 0, 0
    for key, body in drive.events:
        if body.get("kind") not in _desk_kinds():
            continue
        for n in range(clients):
            if not concerns(_agent(n), _queue(n, queue_agents), body):
                continue
            expected += 1
            at = got.get((n, key))
            if at is None:
                missing += 1
                continue
            latencies.append((at - drive.stamps[key]) * 1000)
            if key in drive.request_stamps:
                from_request.append((at - drive.request_stamps[key]) * 1000)
    latencies.sort()
    from_request.sort()
    pages = sorted(ms for ms, status in seen["pages"] if status == 200)
    return {"clients": clients,
            "event_p99_ms": _r(_pct(latencies, 0.99)), "event_p50_ms": _r(_pct(latencies, 0.50)),
            "event_max_ms": _r(latencies[-1] if latencies else 0.0),
            "events": len(drive.events), "events_by_kind": _by_kind(drive.events), "deliveries": len(latencies), "missing": missing,
            "expected_deliveries": expected,
            "request_to_desk_p99_ms": _r(_pct(from_request, 0.99)),
            "request_to_desk_p50_ms": _r(_pct(from_request, 0.50)),
            "page_p99_ms": _r(_pct(pages, 0.99)), "page_p50_ms": _r(_pct(pages, 0.50)),
            "page_max_ms": _r(pages[-1] if pages else 0.0), "pages": len(pages),
            "pages_failed": sum(1 for _, status in seen["pages"] if status != 200),
            "restarts": sum(max(0, s - 1) for s in seen["snapshots"]),
            "goal": dict(GOAL)}


def _by_kind(events: list[tuple[tuple, dict[str, Any]]]) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for _, body in events:
        kinds[str(body.get("kind"))] = kinds.get(str(body.get("kind")), 0) + 1
    return kinds


def _desk_kinds() -> set[str]:
    from telephonist.webadmin.deskfeed import AGENT_KINDS, CALLER_KINDS
    return set(AGENT_KINDS) | set(CALLER_KINDS)


def _machine() -> dict[str, Any]:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": model, "python": sys.version.split()[0]}


def _pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(p * len(values)))] if values else 0.0


def _r(ms: float) -> float:
    return round(ms, 1)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--clients", type=int, default=500, help="agent desktops logged in, each with its stream open")
    p.add_argument("--seconds", type=float, default=60.0, help="how long the ACD is driven")
    p.add_argument("--state-changes", type=float, default=20.0, help="ready / not ready requests per second")
    p.add_argument("--calls", type=float, default=2.0, help="sim callers ringing the queues per second")
    p.add_argument("--pages", type=float, default=5.0, help="call log pages fetched per second meanwhile")
    p.add_argument("--queue-agents", type=int, default=QUEUE_AGENTS,
                   help="agents per queue: a caller's comings and goings go to each of their desktops")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--profile", choices=("chand", "acd", "webadmin"), default="",
                   help="run that daemon under cProfile (slower); its stats go to ./DAEMON.pstats")
    p.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    result = asyncio.run(measure(args.clients, args.seconds, args.state_changes, args.calls, args.pages,
                                 args.queue_agents, args.seed, args.profile))
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['clients']} desktops: ACD event to desktop p99 {result['event_p99_ms']} ms "
              f"(p50 {result['event_p50_ms']} ms, {result['deliveries']} deliveries, {result['missing']} missing); "
              f"call log p99 {result['page_p99_ms']} ms (p50 {result['page_p50_ms']} ms, {result['pages']} pages); "
              f"client CPU {result['cpu_percent']['desktops_client']} %")
    return 0 if result["missing"] == 0 else 1


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--desktops":
        asyncio.run(_desktops(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]))
