"""A queue's rules: the longest wait and where the caller goes then, announcements of place and wait,
VIPs ahead, a call back that keeps the caller's place (across a restart of the ACD), nobody logged in."""
import random

from telephonist.acd.requests import RequestHandler
from telephonist.acd.service import AcdService
from telephonist.chand.routing import Route
from tests.acd.harness import running_acd
from tests.support.chand_harness import TrunkGroupSpec
from tests.support.ivrd_harness import make_prompt

AGENTS = """
[[agents]]
number = "1001"
extension = "8001"
queues = ["sales"]
"""


CALLBACK_QUEUE = """
[[queues]]
name = "sales"
callback = { after_s = 20, key = "1", trunk_group = "out" }
"""

async def test_the_longest_wait_sends_the_caller_on(tmp_path):
    queues = """
    [[queues]]
    name = "sales"
    max_wait_s = 120
    on_timeout = "queue:overflow"

    [[queues]]
    name = "overflow"
    max_wait_s = 60
    on_timeout = "hangup"
    """
    async with running_acd(tmp_path, queues, AGENTS) as acd:
        m = acd.desk.mark()
        far = await acd.call()
        joined = await acd.queued(since=m)
        moved = await acd.desk.wait_for(lambda e: e.get("event") == "published" and e["body"]["kind"] == "caller_left",
                                        since=m)
        assert moved["body"]["outcome"] == "timeout" and moved["body"]["to"] == "queue:overflow"
        assert 120_000 <= moved["body"]["time_ms"] - joined["time_ms"] < 121_000
        again = await acd.desk.wait_for(lambda e: e.get("event") == "published" and e["body"]["kind"] == "caller_joined"
                                        and e["body"]["queue"] == "overflow", since=m)
        assert again
        await acd.tester.wait_for("far", far=far, what="released", since=0)       # 60 s later: hung up
        rows = acd.rows("SELECT queue, outcome FROM acd_calls ORDER BY id")
        assert rows == [{"queue": "sales", "outcome": "timeout"}, {"queue": "overflow", "outcome": "timeout"}]


async def test_announcements_of_place_and_wait(tmp_path):
    prompts = tmp_path / "prompts"
    for name in ("zh/acd/you-are-number", "zh/acd/in-the-queue", "zh/acd/expected-wait", "zh/acd/minutes",
                 "zh/say/1", "zh/say/2", "zh/say/3", "zh/say/9"):
        make_prompt(str(prompts / f"{name}.wav"), ms=100)
    queues = """
    [[queues]]
    name = "sales"
    announce_every_s = 30
    """
    async with running_acd(tmp_path, queues, AGENTS) as acd:
        await acd.tester.call("subscribe", lines=True, calls=True)
        for i in range(3):
            await acd.call(caller=f"1390000000{i}")
        ev = await acd.tester.wait_for(lambda e: e.get("event") == "call_event" and e["what"] == "play"
                                       and e["chan"] == "callers/3" and any("you-are-number" in str(i)
                                                                           for i in e["items"]), since=0)
        items = [str(i).rsplit("/", 2)[-2] + "/" + str(i).rsplit("/", 1)[-1] for i in ev["items"]]
        # third in line; the wait with nobody to serve: three callers' average handling (3 minutes each)
        assert items == ["acd/you-are-number.wav", "say/3.wav", "acd/in-the-queue.wav",
                         "acd/expected-wait.wav", "say/9.wav", "acd/minutes.wav"], items


async def test_vips_go_first(tmp_path):
    queues = """
    [[queues]]
    name = "sales"
    priorities = { "vip=gold" = 10, "verified" = 1 }
    """
    async with running_acd(tmp_path, queues, AGENTS, routes=[Route("app:ivr", dialled="5*")]) as acd:
        ivr = await acd.chand.client("ivr")                      # a stand-in IVR hands callers on with data
        # the VIP class as ivrd hands it on: among the flow's variables
        datas = {"13900000001": {}, "13900000002": {"verified": True},
                 "13900000003": {"ivr": {"flow": "main", "vars": {"vip": "gold", "verified": ""}}}}
        ivr.on("offer", lambda ev: ivr.call("handoff", chan=ev["chan"], app="queue:sales",
                                            data=datas[ev["caller"]]))
        m = acd.desk.mark()
        for number in datas:
            await acd.tester.call("sim.call", span="callers", caller=number, dialled="5000")
            await acd.queued(number, since=m)
        status = (await acd.ask("status"))["queues"][0]
        assert [(c["caller"], c["priority"]) for c in status["callers"]] == [
            ("13900000003", 10), ("13900000002", 1), ("13900000001", 0)]


async def test_a_call_back_keeps_the_callers_place_even_across_a_restart(tmp_path):
    queues = """
    [[queues]]
    name = "sales"
    callback = { after_s = 30, key = "1" }
    """
    async with running_acd(tmp_path, queues, AGENTS, acd='outbound_trunk_group = "out"\n',
                           trunk_groups=[TrunkGroupSpec("out", ["callers/*"])]) as acd:
        t = acd.tester
        await t.call("subscribe", lines=True, calls=True)
        m = acd.desk.mark()
        first = await acd.call(caller="13900000001")
        await acd.queued("13900000001", since=m)
        second = await acd.call(caller="13900000002")
        await acd.queued("13900000002", since=m)
        # 30 s in, the first caller hears the offer, presses 1, hears the confirmation and is hung up
        await t.wait_for(lambda e: e.get("event") == "call_event" and e["what"] == "play" and e["chan"] == "callers/1"
                         and any("callwaiting" in str(i) for i in e["items"]), since=0)
        await t.call("sim.dtmf", far=first, digits="1")
        taken = await acd.desk.wait_for(lambda e: e.get("event") == "published"
                                        and e["body"]["kind"] == "callback_taken", since=m)
        assert taken["body"]["number"] == "13900000001" and taken["body"]["position"] == 1
        await t.wait_for("far", far=first, what="released", since=0)
        [row] = acd.rows("SELECT state, callback_number, seq FROM acd_waiting WHERE caller = '13900000001'")
        assert (row["state"], row["callback_number"]) == ("callback", "13900000001")

        # the ACD restarts: a new one finds the call back, still first
        await acd.service.roster.drain()
        await acd.service.c.close()
        client = await acd.chand.client("queue")
        service = AcdService(client, acd.service.cfg, acd.service.store, rng=random.Random(2))
        client.serve_requests(RequestHandler(service))
        await service.start()
        status = (await acd.ask("status"))["queues"][0]
        assert [c["caller"] for c in status["callers"]][0] == "13900000001"
        # an agent is ready: its phone rings first, then the first caller's number is dialled and they talk
        for i in range(1, 9):
            await t.call("sim.take", far=f"callers/{i}~far")
        mark = t.mark()
        await acd.login("1001", "8001")
        await t.wait_for("far", far=acd.phone("8001"), what="ringing", since=mark)
        await t.call("sim.answer", far=acd.phone("8001"))
        dialled = await t.wait_for(lambda e: e.get("what") == "dialled" and e.get("number") == "13900000001",
                                   since=mark, timeout=60)
        assert dialled
        up = await acd.desk.wait_for(lambda e: e.get("event") == "published" and e["body"]["kind"] == "call_answered",
                                     since=m, timeout=60)
        assert up["body"]["agent"] == "1001"
        await t.call("sim.hangup", far=second)


async def test_a_queue_nobody_serves_sends_callers_on_at_once(tmp_path):
    queues = """
    [[queues]]
    name = "sales"
    when_empty = "leave"
    on_timeout = "hangup"
    """
    async with running_acd(tmp_path, queues, AGENTS) as acd:
        m = acd.desk.mark()
        far = await acd.call()
        left = await acd.desk.wait_for(lambda e: e.get("event") == "published" and e["body"]["kind"] == "caller_left",
                                       since=m)
        assert left["body"]["wait_ms"] == 0
        await acd.tester.wait_for("far", far=far, what="released", since=0)
        # with an agent logged in (even not ready), callers wait
        await acd.login("1001", "8001", ready=False)
        m = acd.desk.mark()
        await acd.call(caller="13900000009")
        assert (await acd.queued("13900000009", since=m))["position"] == 1


async def test_the_caller_confirms_or_types_the_number_to_be_called_back(tmp_path):
    from telephonist.acd.prompts import TEXTS, prompt
    from telephonist.ivrd.say import fragments
    for name in TEXTS:
        make_prompt(str(tmp_path / "prompts" / prompt(name, "zh")))
    for digit in "0123456789":
        for part in fragments("digits", digit, "zh"):
            make_prompt(str(tmp_path / "prompts" / part))
    async with running_acd(tmp_path, CALLBACK_QUEUE, AGENTS, trunk_groups=[TrunkGroupSpec("out", ["callers/*"])]) as acd:
        t = acd.tester
        await t.call("subscribe", lines=True, calls=True)
        m = acd.desk.mark()
        far = await acd.call(caller="13900000001")
        await acd.queued("13900000001", since=m)

        async def asked(step: str, since: int) -> dict:
            ev = await t.wait_for(lambda e: e.get("event") == "call_event" and e["what"] == "collect_start"
                                  and e["chan"] == "callers/1" and any(step in str(i) for i in e["prompt"]), since=since)
            return ev
        offer = await t.wait_for(lambda e: e.get("event") == "call_event" and e["what"] == "play"
                                 and e["chan"] == "callers/1" and "callback-offer" in str(e["items"]), since=0)
        # 1: the number it called from is read back; 2: another; typed; read back; 1: agreed
        mark = t.mark()
        await t.call("sim.dtmf", far=far, digits="1")
        confirm = await asked("callback-number-is", mark)
        said = [str(i) for i in confirm["prompt"]]
        assert sum("zh/say/" in p for p in said) >= 11                 # the 11 digits of 13900000001
        mark = t.mark()
        await t.call("sim.dtmf", far=far, digits="2")
        await asked("callback-enter-number", mark)
        mark = t.mark()
        await t.call("sim.dtmf", far=far, digits="13811112222#")
        await asked("callback-number-is", mark)
        m = acd.desk.mark()
        await t.call("sim.dtmf", far=far, digits="1")
        taken = await acd.desk.wait_for(lambda e: e.get("event") == "published"
                                        and e["body"]["kind"] == "callback_taken", since=m)
        assert taken["body"]["number"] == "13811112222"
        await t.wait_for(lambda e: e.get("event") == "call_event" and e["what"] == "play" and e["chan"] == "callers/1"
                         and "callback-confirm" in str(e["items"]), since=mark)
        await t.wait_for("far", far=far, what="released", since=mark)
        [row] = acd.rows("SELECT state, callback_number FROM acd_waiting WHERE caller = '13900000001'")
        assert (row["state"], row["callback_number"]) == ("callback", "13811112222")
        assert offer


async def test_an_agent_coming_free_cuts_the_call_back_question_short(tmp_path):
    from telephonist.acd.prompts import TEXTS, prompt
    for name in TEXTS:
        make_prompt(str(tmp_path / "prompts" / prompt(name, "zh")))
    async with running_acd(tmp_path, CALLBACK_QUEUE, AGENTS, trunk_groups=[TrunkGroupSpec("out", ["callers/*"])]) as acd:
        t = acd.tester
        await t.call("subscribe", lines=True, calls=True)
        m = acd.desk.mark()
        far = await acd.call(caller="")                        # no caller ID: the number must be typed
        await acd.queued("", since=m)
        await t.wait_for(lambda e: e.get("event") == "call_event" and e["what"] == "play"
                         and e["chan"] == "callers/1" and "callback-offer" in str(e["items"]), since=0)
        mark = t.mark()
        await t.call("sim.dtmf", far=far, digits="1")
        await t.wait_for(lambda e: e.get("event") == "call_event" and e["what"] == "collect_start"
                         and "callback-enter-number" in str(e["prompt"]), since=mark)
        mark, m = t.mark(), acd.desk.mark()
        await acd.login("1001", "8001")
        await t.wait_for("far", far=acd.phone("8001"), what="ringing", since=mark)
        await t.call("sim.answer", far=acd.phone("8001"))
        await acd.wait_agent("1001", "on_call", since=m)
        done = await t.wait_for(lambda e: e.get("event") == "call_event" and e["what"] == "collect"
                                and e["chan"] == "callers/1", since=mark)
        assert done["reason"] == "stopped"
        # they talk: the caller's keys reach the agent and no question is asked any more
        mark = t.mark()
        await t.call("sim.dtmf", far=far, digits="5")
        await t.wait_for(lambda e: e.get("what") == "dtmf" and e.get("far") == acd.phone("8001") and e["digit"] == "5",
                         since=mark)
        assert not acd.rows("SELECT * FROM acd_waiting")
