"""Each strategy on its own: which ready agent a caller rings."""
import random

import pytest

from telephonist.acd.agent_state import AgentMachine, AgentState
from telephonist.acd.dispatcher import Dispatcher
from telephonist.acd.model import Agent, Caller
from telephonist.acd.strategies import STRATEGIES
from telephonist.config.acd import STRATEGIES as CONFIG_STRATEGIES, QueueConfig


def agent(number, order, ready_since=0, calls=0, talk=0, skills=None, weight=1, queues=("q",)):
    m = AgentMachine(number, lambda *a: None, AgentState.READY)
    return Agent(number, number, dict(skills or {"sales": 5}), queues, order, weight, -1, m,
                 ready_since_ms=ready_since, calls=calls, talk_ms=talk)


def caller(seq=1, priority=0, entered=0, sticky=None, queue="q"):
    return Caller(f"e1/{seq}", f"c{seq}", "1380000", queue, priority, seq, entered, sticky_agent=sticky)


def picks(strategy, agents, callers, now=0, rng=None, **queue):
    d = Dispatcher([QueueConfig("q", strategy=strategy, **queue)], rng=rng or random.Random(7))
    for a in agents:
        d.add_agent(a)
    for c in callers:
        d.enqueue(c, now)
    return [(c.call_id, [a.number for a in agents]) for c, agents in d.match(now)]


def test_every_configured_strategy_exists():
    assert set(STRATEGIES) == set(CONFIG_STRATEGIES)


def test_longest_idle_least_calls_least_talk_linear_skills():
    a = agent("a", 0, ready_since=300, calls=1, talk=900, skills={"sales": 3})
    b = agent("b", 1, ready_since=100, calls=5, talk=100, skills={"sales": 9})
    c = agent("c", 2, ready_since=200, calls=1, talk=50, skills={"sales": 6})
    assert picks("longest_idle", [a, b, c], [caller()]) == [("c1", ["b"])]
    assert picks("least_calls", [agent("a", 0, 300, 1), agent("b", 1, 100, 5), agent("c", 2, 200, 1)],
                 [caller()]) == [("c1", ["c"])]                       # 1 call each: then longest idle
    assert picks("least_talk", [a, b, c], [caller()]) == [("c1", ["c"])]
    assert picks("linear", [c, b, a], [caller()]) == [("c1", ["a"])]
    assert picks("skills", [a, b, c], [caller()], skills={"sales": 2}) == [("c1", ["b"])]


def test_ring_all_and_progressive():
    agents = [agent(str(i), i, ready_since=10 * (5 - i)) for i in range(4)]
    assert picks("ring_all", agents, [caller()]) == [("c1", ["3", "2", "1", "0"])]
    # the caller has waited two steps already: three agents ring, longest idle first
    agents = [agent(str(i), i, ready_since=10 * (5 - i)) for i in range(4)]
    assert picks("ring_progressive", agents, [caller(entered=0)], now=25_000,
                 progressive_step_s=10) == [("c1", ["3", "2", "1"])]


def test_round_robin_remembers_who_was_last():
    d = Dispatcher([QueueConfig("q", strategy="round_robin")])
    agents = [agent(str(i), i) for i in range(3)]
    for a in agents:
        d.add_agent(a)
    got = []
    for seq in range(1, 6):
        d.enqueue(caller(seq), 0)
        [(c, [a])] = d.match(0)
        got.append(a.number)
        d.agent_ready(a)             # back, ready again
    assert got == ["0", "1", "2", "0", "1"]


def test_random_and_weighted_random_spread_by_weight():
    counts = {"a": 0, "b": 0}
    rng = random.Random(3)
    for seq in range(2000):
        [(c, [a])] = picks("weighted_random", [agent("a", 0, weight=1), agent("b", 1, weight=3)],
                           [caller(seq + 1)], rng=rng)
        counts[a] += 1
    assert 0.7 < counts["b"] / 2000 < 0.8               # 3 in 4
    seen = {picks("random", [agent(x, i) for i, x in enumerate("abc")], [caller()], rng=rng)[0][1][0]
            for _ in range(200)}
    assert seen == {"a", "b", "c"}


def test_sticky_prefers_the_last_agent_and_waits_for_it():
    d = Dispatcher([QueueConfig("q", strategy="sticky", sticky_days=7, sticky_wait_s=10)])
    a, b = agent("a", 0, ready_since=0), agent("b", 1, ready_since=500)
    b.machine.state = AgentState.ON_CALL
    d.add_agent(a)
    d.add_agent(b)
    c = caller(sticky="b")
    d.enqueue(c, 0)
    assert d.match(0) == []                             # a is ready, but the caller waits for b
    b.machine.state = AgentState.READY
    d.agent_ready(b)
    [(got, [who])] = d.match(1000)
    assert (got, who.number) == (c, "b")
    # a sticky agent not ready past the wait: anyone
    c2 = caller(2, sticky="b", entered=0)
    d.enqueue(c2, 0)
    assert d.match(0) == []
    d.release_sticky(c2, 10_000)
    [(got, [who])] = d.match(10_000)
    assert (got, who.number) == (c2, "a")


def test_priority_jumps_ahead_and_positions_follow():
    d = Dispatcher([QueueConfig("q")])
    plain = [caller(seq) for seq in range(1, 4)]
    vip = caller(9, priority=10)
    for c in plain + [vip]:
        d.enqueue(c, 0)
    assert [d.position(c) for c in plain + [vip]] == [2, 3, 4, 1]
    d.add_agent(agent("a", 0))
    [(first, _)] = d.match(0)
    assert first is vip and [d.position(c) for c in plain] == [1, 2, 3]


def test_an_agent_serves_only_queues_it_qualifies_for():
    d = Dispatcher([QueueConfig("claims", skills={"claims": 5}), QueueConfig("sales")])
    junior = agent("j", 0, skills={"claims": 3, "sales": 2}, queues=("claims", "sales"))
    d.add_agent(junior)
    d.enqueue(caller(1, queue="claims"), 0)
    assert d.match(0) == []
    d.enqueue(caller(2, queue="sales"), 0)
    [(c, [a])] = d.match(0)
    assert (c.queue, a.number) == ("sales", "j")


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_no_agent_is_offered_twice_and_no_caller_twice(strategy):
    d = Dispatcher([QueueConfig("q", strategy=strategy)], rng=random.Random(1))
    agents = [agent(str(i), i, ready_since=i) for i in range(5)]
    for a in agents:
        d.add_agent(a)
    for seq in range(1, 9):
        d.enqueue(caller(seq), 0)
    offers = d.match(100_000)
    rung = [a.number for _, agents in offers for a in agents]
    assert len(rung) == len(set(rung)) and len({c.seq for c, _ in offers}) == len(offers)
    assert d.match(100_000) == []                       # nothing more until someone is ready again
