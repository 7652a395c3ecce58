"""`telephonist bench acd`: how long the ACD takes to decide who takes which caller, at call-center scale.

1,024 agents logged in, each with 4 of 50 skills (levels 1-10) and the queues of those skills; 50 queues
(one per skill, strategies in turn: longest idle, skills, least calls, least talk, linear, round robin);
5,000 callers waiting, spread over the queues. The run is a steady state of the two decisions a
contact center makes all day, timed one by one on the ACD's own dispatcher (acd/dispatcher.py):

    agent_ready    an agent comes free: which waiting caller of its queues does it take?
    caller_joins   a caller arrives: which ready agent of the queue rings?

Each decision ends with the pairing made (the caller out of its waiting list, the agent out of every
ready index). The number of callers waiting and of agents busy is kept where it started. What makes a
decision cheap: each queue keeps its ready agents in a sorted index by its strategy's key and its callers
in a sorted list by priority and arrival, and the heads of the queues an event touched go through a heap,
so a decision costs a few logarithmic steps, never a scan of every agent per caller. The reference in
the same run is that scan: the best qualified ready agent found by looking at all of them for a caller who
joins (`reference_scan_agents_p99_ms`), the best caller of all those waiting in an agent's queues for an
agent who comes free (`reference_scan_callers_p99_ms`).
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import time
from typing import Any

AGENTS = 1024
SKILLS = 50
CALLERS = 5000
SKILLS_PER_AGENT = 4
QUEUE_STRATEGIES = ("longest_idle", "skills", "least_calls", "least_talk", "linear", "round_robin")


def build(rng: random.Random):
    from telephonist.acd.agent_state import AgentMachine, AgentState
    from telephonist.acd.dispatcher import Dispatcher
    from telephonist.acd.model import Agent, Caller
    from telephonist.config.acd import AgentConfig, QueueConfig

    queues = [QueueConfig(name=f"q{k}", strategy=QUEUE_STRATEGIES[k % len(QUEUE_STRATEGIES)],
                          skills={f"s{k}": 1 + k % 3}) for k in range(SKILLS)]
    dispatcher = Dispatcher(queues, rng=rng)
    agents = []
    for n in range(AGENTS):
        skills = {f"s{k}": rng.randint(3, 10) for k in rng.sample(range(SKILLS), SKILLS_PER_AGENT)}
        cfg = AgentConfig(number=str(10000 + n), skills=skills, queues=tuple(f"q{k[1:]}" for k in skills))
        agent = Agent.from_config(cfg, n, AgentMachine(cfg.number, lambda *a: None, AgentState.ON_CALL))
        agent.calls, agent.talk_ms = rng.randint(0, 40), rng.randint(0, 3_600_000)
        dispatcher.add_agent(agent)
        agents.append(agent)
    seq = iter(range(1, 10 ** 9))

    def caller(now_ms: int) -> Caller:
        q = queues[rng.randrange(SKILLS)]
        return Caller(chan=None, call_id=f"c{next(seq)}", number="", queue=q.name,
                      priority=5 if rng.random() < 0.05 else 0, seq=next(seq), entered_ms=now_ms)
    return dispatcher, agents, queues, caller


def scan_agents(agents, queue):
    """The reference for a caller who joins: every agent looked at (the best by the skills key)."""
    best, best_key = None, None
    for a in agents:
        if a.state.value == "ready" and a.qualifies(queue):
            key = (-a.skill_score(queue), a.ready_since_ms, a.ready_seq)
            if best_key is None or key < best_key:
                best, best_key = a, key
    return best


def scan_callers(dispatcher, agent):
    """The reference for an agent who comes free: every waiting caller of its queues looked at."""
    best = None
    for name in agent.queues:
        for c in dispatcher.queues[name].callers.values():
            if best is None or (-c.priority, c.seq) < (-best.priority, best.seq):
                best = c
    return best


def measure(decisions: int, seconds: float, seed: int = 1) -> dict[str, Any]:
    from telephonist.acd.agent_state import AgentState

    rng = random.Random(seed)
    dispatcher, agents, queues, new_caller = build(rng)
    now = 0
    for _ in range(CALLERS):
        dispatcher.enqueue(new_caller(now), now)
    dispatcher.match(now)
    by_queue = {q.name: q for q in queues}
    busy = list(agents)                         # on a call: they come free one by one
    ready_seq = iter(range(1, 10 ** 9))
    times = {"agent_ready": [], "caller_joins": []}
    scans: dict[str, list[int]] = {"agents": [], "callers": []}
    gc.collect()
    deadline = time.monotonic() + seconds
    done = 0
    while done < decisions and time.monotonic() < deadline:
        now += 50
        if busy and rng.random() < 0.5:
            agent = busy.pop(rng.randrange(len(busy)))
            t0 = time.perf_counter_ns()
            agent.machine.state = AgentState.READY
            agent.ready_since_ms, agent.ready_seq = now, next(ready_seq)
            dispatcher.agent_ready(agent)
            offers = dispatcher.match(now)
            times["agent_ready"].append(time.perf_counter_ns() - t0)
            if len(scans["callers"]) < 2000:
                t1 = time.perf_counter_ns()
                scan_callers(dispatcher, agent)
                scans["callers"].append(time.perf_counter_ns() - t1)
        else:
            caller = new_caller(now)
            t0 = time.perf_counter_ns()
            dispatcher.enqueue(caller, now)
            offers = dispatcher.match(now)
            times["caller_joins"].append(time.perf_counter_ns() - t0)
            if len(scans["agents"]) < 2000:
                t1 = time.perf_counter_ns()
                scan_agents(agents, by_queue[caller.queue])
                scans["agents"].append(time.perf_counter_ns() - t1)
        for caller, picked in offers:           # the call is made: the agent busy, a new caller in its place
            for a in picked:
                a.machine.state = AgentState.ON_CALL
                busy.append(a)
            dispatcher.enqueue(new_caller(now), now)
        while sum(len(q.waiting) for q in dispatcher.queues.values()) > CALLERS:
            _abandon(dispatcher, rng)           # as many callers hang up as arrive unanswered
        done += 1
    every = sorted(times["agent_ready"] + times["caller_joins"])
    waiting = sum(len(q.waiting) for q in dispatcher.queues.values())
    ready = sum(1 for a in agents if a.state == AgentState.READY)
    return {"decision_p99_ms": _ms(_pct(every, 0.99)), "decision_p50_ms": _ms(_pct(every, 0.50)),
            "decision_max_ms": _ms(every[-1]), "decisions_per_s": round(len(every) / (sum(every) / 1e9)),
            "decisions": len(every),
            "agent_ready_p99_ms": _ms(_pct(sorted(times["agent_ready"]), 0.99)),
            "caller_joins_p99_ms": _ms(_pct(sorted(times["caller_joins"]), 0.99)),
            "reference_scan_agents_p99_ms": _ms(_pct(sorted(scans["agents"]), 0.99)),
            "reference_scan_callers_p99_ms": _ms(_pct(sorted(scans["callers"]), 0.99)),
            "agents": AGENTS, "skills": SKILLS, "queues": SKILLS, "callers_waiting": waiting,
            "agents_ready_at_end": ready, "goal_p99_ms": 1.0,
            "data_structure": "per-queue sorted index of ready agents by strategy key + per-queue sorted "
                              "waiting list + heap of queue heads"}


def _abandon(dispatcher, rng: random.Random) -> None:
    queues = [q for q in dispatcher.queues.values() if q.waiting]
    q = rng.choice(queues)
    _, seq = q.waiting[rng.randrange(len(q.waiting))]
    dispatcher.dequeue(q.callers[seq])


def _pct(values: list[int], p: float) -> int:
    return values[min(len(values) - 1, int(p * len(values)))] if values else 0


def _ms(ns: int) -> float:
    return round(ns / 1e6, 4)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--decisions", type=int, default=100_000, help="decisions to time")
    p.add_argument("--seconds", type=float, default=60.0, help="time budget")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    result = measure(args.decisions, args.seconds, args.seed)
    print(json.dumps(result) if args.json else
          f"routing decision p99 {result['decision_p99_ms']} ms, {result['decisions_per_s']:,} decisions/s "
          f"({result['agents']} agents, {result['skills']} skills, {result['callers_waiting']} callers waiting; "
          f"scanning instead: p99 {result['reference_scan_agents_p99_ms']} ms over agents, "
          f"{result['reference_scan_callers_p99_ms']} ms over callers)")
    return 0
