"""A predictive campaign in the daemon (lockstep clock, sim spans, the real ACD): it dials ahead of its ready
agents once it has measured a low answer rate, and an answered customer no agent takes within the wait limit
hears the campaign's message, is hung up on and counts as abandoned."""
from datetime import datetime
from zoneinfo import ZoneInfo

from telephonist.dialer.lists import import_rows, read_table
from telephonist.dialer.service import DialerService
from telephonist.dialer.store import DialerStore
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.acd.harness import running_acd
from tests.support import signals as S
from tests.support.chand_harness import TrunkGroupSpec

QUEUES = """
[[queues]]
name = "sales"
wrapup_s = 1
"""
AGENTS = """
[[agents]]
number = "1001"
extension = "8001"
queues = ["sales"]
"""
STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "batch": 6,
            "abandon_prompt": "zh/dialer/abandon.wav", "retry": {"busy": None}}
START = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def published(kind, **match):
    return lambda e: e.get("event") == "published" and e["body"].get("kind") == kind and all(
        e["body"].get(k) == v for k, v in match.items())


def write_message(tmp_path) -> None:
    """The campaign's abandoned-call message: a DTMF 9 the customer's far end hears, then a little silence."""
    path = tmp_path / "prompts" / "zh" / "dialer" / "abandon.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    S.write_wav(path, S.concat(S.dtmf("9", 120), S.silence(300)))


async def campaign(acd, tmp_path, rows: str) -> tuple[DialerStore, int, DialerService]:
    store = DialerStore(f"sqlite:///{tmp_path / 'telephonist.db'}")
    cid = store.create_campaign("sales", "sales", "predictive", "sales", "out", STRATEGY)
    header, data = read_table("list.csv", ("name,phone\n" + rows).encode())
    import_rows(store.engine, cid, header, data, {"name": "name", "phones": "phone"})
    store.set_state(cid, "running")
    dialer = DialerService(await acd.chand.client("dialer"), store, starts_at=START)
    return store, cid, dialer


async def test_an_answered_customer_no_agent_takes_hears_the_message_and_counts_as_abandoned(tmp_path):
    write_message(tmp_path)
    async with running_acd(tmp_path, QUEUES, AGENTS, trunk_groups=[TrunkGroupSpec("out", ["callers/*"])],
                           numbers=[NumberBehaviour("138*", "answer", after_rings=3)]) as acd:
        t = acd.tester
        for i in range(8):
            await t.call("sim.take", far=f"callers/{i + 1}~far")
        store, cid, dialer = await campaign(acd, tmp_path, "甲,13800000001\n")
        await acd.desk.call("subscribe", lines=False, topics=["queue", "dialer"])
        await dialer.start()
        m = t.mark()
        await acd.login("1001", "8001")                      # ready: one call for the one agent
        dialled = await t.wait_for("far", what="dialled", since=m)
        customer = dialled["far"]
        await acd.ask("not_ready", agent="1001", reason="break")   # gone before the customer answers
        answered = await t.wait_for("far", far=customer, what="answered", since=m)
        heard = await t.wait_for(lambda e: e.get("event") == "far" and e["far"] == customer
                                 and e.get("what") == "dtmf", since=m)
        assert heard["digit"] == "9"                          # the campaign's message ...
        assert heard["time_ms"] - answered["time_ms"] <= 2000 + 200   # ... within 2 s (+ the tone's detection)
        await t.wait_for("far", far=customer, what="released", since=m)      # then the dialer hangs up
        await acd.desk.wait_for(published("outcome", outcome="abandoned"), since=0)
        assert acd.rows("SELECT outcome, state FROM dl_attempts") == [{"outcome": "abandoned", "state": "done"}]
        assert acd.rows("SELECT state, outcome FROM dl_records") == [{"state": "pending", "outcome": "abandoned"}]
        assert acd.rows("SELECT outcome FROM acd_calls") == [{"outcome": "timeout"}]
        assert dialer.measures[cid].abandon_rate(dialer._today(store.campaigns()[0])) == 1.0
        store.close()


async def until(desk, enough) -> None:
    """Waits until enough(events so far) holds; each look is marked before, so no event slips between."""
    while True:
        m = desk.mark()
        if enough(list(desk.events.since(0))):
            return
        await desk.wait_for(lambda e: e.get("event") == "published", since=m, timeout=120)


async def test_a_low_measured_answer_rate_makes_it_dial_ahead_of_the_ready_agent(tmp_path):
    write_message(tmp_path)
    busy = "".join(f"b{i},1370000{i:04d}\n" for i in range(40))        # measured first: nobody answers
    people = "".join(f"p{i},1380000{i:04d}\n" for i in range(5))
    async with running_acd(tmp_path, QUEUES, AGENTS, trunk_groups=[TrunkGroupSpec("out", ["callers/*"])],
                           numbers=[NumberBehaviour("137*", "busy"),
                                    NumberBehaviour("138*", "answer", after_rings=2)]) as acd:
        await acd.tester.call("sim.take", far=acd.phone("8001"), auto_answer_rings=1)   # the agent takes one call
        store, cid, dialer = await campaign(acd, tmp_path, busy + people)
        await acd.desk.call("subscribe", lines=False, topics=["queue", "dialer"])
        await dialer.start()
        await acd.login("1001", "8001")

        def settled(events) -> bool:
            bodies = [e["body"] for e in events if e.get("event") == "published"]
            failed = sum(1 for b in bodies if b.get("kind") == "outcome" and b.get("outcome") == "busy")
            people = sum(1 for b in bodies if (b.get("kind") == "outcome" and b.get("outcome") == "abandoned")
                         or (b.get("kind") == "call_answered" and str(b.get("call_id")).startswith("dl-")))
            return failed == 40 and people == 5
        await until(acd.desk, settled)
        attempts = acd.rows("SELECT number, outcome, claimed_at FROM dl_attempts ORDER BY id")
        passes: dict = {}
        for a in attempts:
            passes.setdefault(a["claimed_at"], []).append(a)
        sizes = [len(group) for group in passes.values()]
        assert max(sizes[:30]) == 1                  # no measure yet: one call for the one ready agent
        assert max(sizes) > 1                        # a low answer rate measured: dialled ahead of the agent
        outcomes = [a["outcome"] for a in attempts if a["number"].startswith("138")]
        assert outcomes.count("answered") >= 1 and set(outcomes) <= {"answered", "abandoned"}
        store.close()


async def test_an_agent_whose_phone_rings_unanswered_leaves_the_customer_to_the_message(tmp_path):
    """The wait limit passes while the agent's phone rings; nobody lifts it: once the ACD takes the customer
    back in line, the limit is over, and the customer hears the message all the same."""
    write_message(tmp_path)
    queues = QUEUES + "ring_timeout_s = 5\n"
    async with running_acd(tmp_path, queues, AGENTS, trunk_groups=[TrunkGroupSpec("out", ["callers/*"])],
                           numbers=[NumberBehaviour("138*", "answer", after_rings=1)]) as acd:
        t = acd.tester
        for i in range(8):
            await t.call("sim.take", far=f"callers/{i + 1}~far")
        store, cid, dialer = await campaign(acd, tmp_path, "甲,13800000001\n")
        await acd.desk.call("subscribe", lines=False, topics=["queue", "dialer"])
        await dialer.start()
        m = t.mark()
        await acd.login("1001", "8001")
        await t.wait_for("far", far=acd.phone("8001"), what="ringing", since=m)      # the agent's phone rings ...
        heard = await t.wait_for(lambda e: e.get("event") == "far" and e["far"].startswith("callers/")
                                 and e.get("what") == "dtmf", since=m)                # ... and is never lifted
        assert heard["digit"] == "9"
        await acd.desk.wait_for(published("outcome", outcome="abandoned"), since=0)
        assert acd.rows("SELECT outcome FROM dl_attempts") == [{"outcome": "abandoned"}]
        assert acd.rows("SELECT outcome FROM acd_calls") == [{"outcome": "timeout"}]
        store.close()
