"""SIGHUP to the ACD: a configuration with a problem is refused (file:line in the log) and the running
queues stay; a good one brings in new queues and agents while every waiting caller keeps its place; a
reload that would take away a queue with callers in it is refused."""
import signal
import textwrap

import pytest

from telephonist.chand.routing import Route
from telephonist.client import ApiCallError
from telephonist.chand.switchboard import Fallback
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand
from tests.support.config_text import agent_phones
from tests.support.daemon_process import Daemon

pytestmark = pytest.mark.slow        # an ACD daemon, reloaded: `make test` runs it, `make test-fast` does not


def config(tmp_path, queues: str, agents: str) -> str:
    return textwrap.dedent(f"""
        [system]
        prompts_dir = "{tmp_path / 'prompts'}"
        state_dir = "{tmp_path}"
        [database]
        url = "sqlite:///{tmp_path / 'telephonist.db'}"
        [control]
        socket = "{tmp_path / 'chand.sock'}"
        """) + agent_phones(["8001", "8002"]) + '[acd]\nagents_trunk_group = "desks"\n' + textwrap.dedent(queues) \
        + textwrap.dedent(agents)


SALES = '[[queues]]\nname = "sales"\nwrapup_s = 1\n'
SUPPORT = '[[queues]]\nname = "support"\nwrapup_s = 1\n'
AGENT = '[[agents]]\nnumber = "{n}"\nextension = "{ext}"\nqueues = {queues}\n'


async def test_reload_refuses_bad_files_keeps_places_and_brings_new_queues(tmp_path):
    conf = tmp_path / "telephonist.toml"
    conf.write_text(config(tmp_path, SALES, AGENT.format(n="1001", ext="8001", queues='["sales"]')))
    spans = [SpanSpec("callers", "e1", 4), SpanSpec("phones", "fxs", 2, extensions=["8001", "8002"])]
    routes = [Route("queue:sales", dialled="4008*"), Route("queue:support", dialled="4009*")]
    async with running_chand(tmp_path, spans, routes=routes, db_url=f"sqlite:///{tmp_path / 'telephonist.db'}",
                             trunk_groups=[TrunkGroupSpec("desks", ["phones/*"])],
                             fallback=Fallback(then="hangup", return_for=("queue",))) as chand:
        acd = Daemon("acd", str(conf))
        try:
            await acd.notified("READY=1")
            t = await chand.client("tester")
            desk = await chand.client("desk")
            await desk.call("subscribe", lines=False, topics=["queue"])
            for i in (1, 2):
                await t.call("sim.take", far=f"phones/{i}~far", auto_answer_rings=1)
            await desk.request("queue", {"action": "login", "agent": "1001"})      # logged in, not ready
            far_a = (await t.call("sim.call", span="callers", caller="1380000", dialled="4008"))["far"]
            joined = await desk.wait_for(lambda e: e.get("event") == "published" and e["body"]["kind"] ==
                                         "caller_joined", since=0, timeout=60)
            call_a = joined["body"]["call_id"]

            conf.write_text(config(tmp_path, SALES.replace("wrapup_s = 1", 'strategy = "fastest"'), ""))
            acd.proc.send_signal(signal.SIGHUP)
            await acd.notified("refused")
            status = await desk.request("queue", {"action": "status"})
            assert [(q["queue"], [c["call_id"] for c in q["callers"]]) for q in status["queues"]] == \
                [("sales", [call_a])]

            conf.write_text(config(tmp_path, SALES + SUPPORT,
                                   AGENT.format(n="1001", ext="8001", queues='["sales"]')
                                   + AGENT.format(n="1002", ext="8002", queues='["support"]')))
            acd.proc.send_signal(signal.SIGHUP)
            await acd.notified("2 queues, 2 agents")
            status = await desk.request("queue", {"action": "status"})
            assert {q["queue"]: [c["call_id"] for c in q["callers"]] for q in status["queues"]} == \
                {"sales": [call_a], "support": []}
            assert {a["agent"]: a["state"] for a in status["agents"]} == {"1001": "not_ready", "1002": "logged_out"}
            line = next(ln for ln in (await t.call("status"))["lines"] if ln["chan"] == far_a.split("~")[0])
            assert line["state"] == "up" and line["call_id"] == call_a           # held for the ACD, not hung up

            conf.write_text(config(tmp_path, SUPPORT, AGENT.format(n="1002", ext="8002", queues='["support"]')))
            acd.proc.send_signal(signal.SIGHUP)
            await acd.notified("refused")                                        # sales still has a caller

            # the same through chand, as the web admin's queues page asks: an administrator's request only
            with pytest.raises(ApiCallError, match="admin"):
                await desk.request("queue", {"action": "reload"})
            admin = await chand.client("webadmin-admin", role="admin")
            refused = await admin.request("queue", {"action": "reload"})
            assert refused["applied"] is False and "queue 'sales' has callers" in refused["errors"][0]
            conf.write_text(config(tmp_path, SALES + SUPPORT, AGENT.format(n="1001", ext="8001", queues='["sales"]')
                                   + AGENT.format(n="1002", ext="8002", queues='["support"]')
                                   + '[[agents]]\nnumber = "1003"\n'))
            assert await admin.request("queue", {"action": "reload"}) == {"applied": True, "queues": 2, "agents": 3}
            await acd.notified("2 queues, 3 agents")

            m = desk.mark()
            await desk.request("queue", {"action": "login", "agent": "1002"})
            await desk.request("queue", {"action": "ready", "agent": "1002"})
            await t.call("sim.call", span="callers", caller="1390000", dialled="4009")
            got = await desk.wait_for(lambda e: e.get("event") == "published" and e["body"]["kind"] ==
                                      "call_answered", since=m, timeout=60)
            assert (got["body"]["queue"], got["body"]["agent"]) == ("support", "1002")
            m = desk.mark()
            await desk.request("queue", {"action": "ready", "agent": "1001"})
            got = await desk.wait_for(lambda e: e.get("event") == "published" and e["body"]["kind"] ==
                                      "call_answered", since=m, timeout=60)
            assert (got["body"]["call_id"], got["body"]["agent"]) == (call_a, "1001")
        finally:
            out = acd.stop()
        assert "acd_config_refused" in out and "telephonist.toml:" in out and "fastest" in out
