"""The agent state table: every path an agent takes, and what it refuses."""
import pytest

from telephonist.acd.agent_state import TRANSITIONS, AgentMachine, AgentSignal as G, AgentState as S, AgentStateError


def machine(state=S.LOGGED_OUT):
    seen = []
    m = AgentMachine("1001", lambda m, prev, sig, reason: seen.append((prev, sig, m.state, reason)), state)
    return m, seen


def test_a_day_of_work():
    m, seen = machine()
    for sig, reason in [(G.LOGIN, ""), (G.READY, ""), (G.RESERVE, ""), (G.RING, ""), (G.ANSWER, ""), (G.HOLD, ""),
                        (G.UNHOLD, ""), (G.HANGUP, ""), (G.WRAP_END, ""), (G.NOT_READY, "meal"), (G.READY, ""),
                        (G.RESERVE, ""), (G.RING, ""), (G.NO_ANSWER, "missed"), (G.READY, ""), (G.DIAL, ""),
                        (G.ANSWER, ""), (G.HANGUP, ""), (G.LOGOUT, "")]:
        m.signal(sig, 0.0, reason)
    assert [s[2] for s in seen] == [S.NOT_READY, S.READY, S.RESERVED, S.RINGING, S.ON_CALL, S.ON_HOLD, S.ON_CALL,
                                    S.WRAP_UP, S.READY, S.NOT_READY, S.READY, S.RESERVED, S.RINGING, S.NOT_READY,
                                    S.READY, S.OUTBOUND, S.OUTBOUND, S.WRAP_UP, S.LOGGED_OUT]
    assert seen[13][3] == "missed"


@pytest.mark.parametrize("state", [S.RESERVED, S.RINGING])
def test_a_caller_gone_before_the_answer_leaves_the_agent_ready(state):
    m, _ = machine(state)
    assert m.signal(G.CANCEL, 1.0) == S.READY


@pytest.mark.parametrize("state,sig", [(S.ON_CALL, G.RESERVE), (S.RINGING, G.RESERVE), (S.RESERVED, G.RESERVE),
                                       (S.ON_CALL, G.LOGOUT), (S.LOGGED_OUT, G.READY), (S.WRAP_UP, G.RING),
                                       (S.ON_HOLD, G.DIAL)])
def test_what_would_put_an_agent_in_two_calls_is_refused(state, sig):
    m, seen = machine(state)
    with pytest.raises(AgentStateError):
        m.signal(sig, 0.0)
    assert m.state == state and seen == []


def test_every_state_has_a_way_out():
    """No state an agent can reach is a dead end (stuck Reserved, stuck wrap-up)."""
    reachable, frontier = {S.LOGGED_OUT}, [S.LOGGED_OUT]
    while frontier:
        st = frontier.pop()
        for (a, _), b in TRANSITIONS.items():
            if a == st and b not in reachable:
                reachable.add(b)
                frontier.append(b)
    assert reachable == set(S)
    for st in reachable:
        # from every state the agent can get back to ready (and so to logged out)
        seen, frontier = {st}, [st]
        while frontier:
            cur = frontier.pop()
            for (a, _), b in TRANSITIONS.items():
                if a == cur and b not in seen:
                    seen.add(b)
                    frontier.append(b)
        assert S.READY in seen and S.LOGGED_OUT in seen, st
