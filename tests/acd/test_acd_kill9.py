"""kill -9 of the ACD with 20 callers waiting and 10 talking: the talking calls go on (chand holds their
bridges) and their records end right; the waiting callers hear chand's fallback (music) and the restarted ACD
takes them back at their places; no agent is left in a state its line does not bear out."""
import textwrap

import pytest

from telephonist.chand.routing import Route
from telephonist.chand.switchboard import Fallback
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand
from tests.support.daemon_process import Daemon

pytestmark = pytest.mark.slow        # ACD daemons killed and restarted: `make test` runs it, `make test-fast` does not
AGENTS = 10


async def test_kill9_with_callers_waiting_and_talking(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'telephonist.db'}"
    sock = tmp_path / "chand.sock"
    conf = tmp_path / "telephonist.toml"
    conf.write_text(textwrap.dedent(f"""
        [system]
        prompts_dir = "{tmp_path / 'prompts'}"
        state_dir = "{tmp_path}"
        [database]
        url = "{db_url}"
        [control]
        socket = "{sock}"
        [[spans]]
        name = "phones"
        driver = "sim"
        type = "fxs"
        channels = {AGENTS}
        extensions = {[str(8001 + i) for i in range(AGENTS)]}
        [[trunk_groups]]
        name = "desks"
        lines = ["phones/*"]
        [acd]
        agents_trunk_group = "desks"
        [[queues]]
        name = "sales"
        wrapup_s = 1
        """) + "".join(f'[[agents]]\nnumber = "{1001 + i}"\nextension = "{8001 + i}"\nqueues = ["sales"]\n'
                       for i in range(AGENTS)))
    spans = [SpanSpec("callers", "e1", 30),
             SpanSpec("phones", "fxs", AGENTS, extensions=[str(8001 + i) for i in range(AGENTS)])]
    async with running_chand(tmp_path, spans, routes=[Route("queue:sales", dialled="4008*")], db_url=db_url,
                             trunk_groups=[TrunkGroupSpec("desks", ["phones/*"])],
                             fallback=Fallback(then="return", return_s=600)) as chand:
        daemon = Daemon("acd", str(conf))
        try:
            await daemon.ready()
            t = await chand.client("tester")
            desk = await chand.client("desk")
            await t.call("subscribe", lines=True)
            await desk.call("subscribe", lines=False, topics=["queue"])
            for i in range(AGENTS):
                await t.call("sim.take", far=f"phones/{i + 1}~far", auto_answer_rings=1)
                await desk.request("queue", {"action": "login", "agent": str(1001 + i)})
                await desk.request("queue", {"action": "ready", "agent": str(1001 + i)})
            fars = {}
            for i in range(AGENTS):                   # ten callers reach the ten agents
                number = f"1390000{i:04d}"
                fars[number] = (await t.call("sim.call", span="callers", caller=number, dialled="4008"))["far"]
            for i in range(AGENTS):
                await desk.wait_for(lambda e, n=i: e.get("event") == "published" and e["body"]["kind"] ==
                                    "call_answered" and e["body"]["agent"] == str(1001 + n), since=0, timeout=60)
            for i in range(AGENTS, AGENTS + 20):      # twenty more wait
                number = f"1390000{i:04d}"
                fars[number] = (await t.call("sim.call", span="callers", caller=number, dialled="4008"))["far"]
                await desk.wait_for(lambda e, n=number: e.get("event") == "published" and e["body"]["kind"] ==
                                    "caller_joined" and e["body"]["caller"] == n, since=0, timeout=60)
            before = (await desk.request("queue", {"action": "status"}))["queues"][0]
            order = [c["caller"] for c in before["callers"]]
            assert order == [f"1390000{i:04d}" for i in range(AGENTS, AGENTS + 20)]

            daemon.kill()
            # the talking pairs talk on; the waiting callers are held (music), not hung up
            talking = {ln["chan"]: ln for ln in (await t.call("status"))["lines"] if ln.get("agent")}
            first_caller = fars["13900000000"]
            mark = t.mark()
            await t.call("sim.dtmf", far=first_caller, digits="7")
            agent_line = next(c for c, ln in talking.items() if c.startswith("phones/")
                              and ln.get("call_id") == talking[first_caller.split("~")[0]]["call_id"])
            await t.wait_for("far", far=f"{agent_line}~far", what="dtmf", digit="7", since=mark)
            lines = {ln["chan"]: ln for ln in (await t.call("status"))["lines"]}
            assert sum(1 for ln in lines.values() if ln["state"] == "up") == 2 * AGENTS + 20

            daemon = Daemon("acd", str(conf))
            await daemon.ready()
            after = (await desk.request("queue", {"action": "status"}))
            assert [c["caller"] for c in after["queues"][0]["callers"]] == order      # the same places
            states = {a["agent"]: a["state"] for a in after["agents"]}
            assert set(states.values()) == {"on_call"}                                 # as their lines are
            lines = {ln["chan"]: ln for ln in (await t.call("status"))["lines"]}
            assert {ln["agent"] for ln in lines.values() if ln.get("agent") and ln["chan"].startswith("phones/")} \
                == set(states)

            # the first talking caller hangs up: its agent wraps up and takes the first waiting caller
            m, mark = desk.mark(), t.mark()
            await t.call("sim.hangup", far=first_caller)
            await t.wait_for("line_state", chan=agent_line, state="clearing", since=mark)
            await t.call("sim.hangup", far=f"{agent_line}~far")           # the agent puts the phone down
            nxt = await desk.wait_for(lambda e: e.get("event") == "published" and e["body"]["kind"] ==
                                      "call_answered", since=m, timeout=60)
            assert nxt["body"]["call_id"] == lines[fars[order[0]].split("~")[0]]["call_id"]
            await chand.board.recorder.drain()
            [leg] = [leg for leg in await chand.store.recent(100)
                     if leg.call_id == lines[agent_line]["call_id"] and leg.span == "callers"]
            assert leg.disposition == "answered" and leg.ended_at is not None and leg.agent
        finally:
            daemon.stop()
