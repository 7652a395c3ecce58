"""A progressive campaign through the ACD: one call per ready agent of the campaign's queue; the answered
customer goes to the queue, the agent's phone rings with the record's fields in the desktop's pop."""
from datetime import datetime
from zoneinfo import ZoneInfo

from telephonist.dialer.lists import import_rows, read_table
from telephonist.dialer.service import DialerService
from telephonist.dialer.store import DialerStore
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.acd.harness import running_acd
from tests.support.chand_harness import TrunkGroupSpec

QUEUES = """
[[queues]]
name = "renewals"
wrapup_s = 2
"""
AGENTS = """
[[agents]]
number = "1001"
extension = "8001"
queues = ["renewals"]
"""
STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "batch": 5}
LIST = "name,phone,policy\n甲,13800000001,P-1\n乙,13800000002,P-2\n丙,13800000003,P-3\n"


def published(kind, **match):
    return lambda e: e.get("event") == "published" and e["body"].get("kind") == kind and all(
        e["body"].get(k) == v for k, v in match.items())


async def test_one_call_per_ready_agent_and_the_record_on_the_pop(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS, trunk_groups=[TrunkGroupSpec("out", ["callers/*"])],
                           numbers=[NumberBehaviour("138*", "answer", after_rings=1)]) as acd:
        store = DialerStore(f"sqlite:///{tmp_path / 'telephonist.db'}")
        cid = store.create_campaign("renewals", "sales", "progressive", "renewals", "out", STRATEGY)
        header, rows = read_table("list.csv", LIST.encode())
        import_rows(store.engine, cid, header, rows, {"name": "name", "phones": "phone"})
        store.set_state(cid, "running")
        await acd.desk.call("subscribe", lines=False, topics=["queue", "dialer"])
        dialer = DialerService(await acd.chand.client("dialer"), store,
                               starts_at=datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
        await dialer.start()
        assert not store.in_flight(cid)                      # nobody ready: nothing dialled
        m = acd.tester.mark()
        await acd.login("1001", "8001")                      # ready: one customer is called for the agent
        await acd.tester.wait_for("far", far=acd.phone("8001"), what="ringing", since=m)
        ringing = await acd.wait_agent("1001", "ringing")
        assert ringing["data"]["campaign"] == "renewals" and ringing["data"]["policy"] == "P-1"
        customers = "SELECT dialled FROM call_legs WHERE trunk_group = 'out' ORDER BY id"
        await acd.chand.board.recorder.drain()                # chand writes its call records behind
        assert [leg["dialled"] for leg in acd.rows(customers)] == ["13800000001"]   # one call for one ready agent
        await acd.tester.call("sim.answer", far=acd.phone("8001"))
        await acd.wait_agent("1001", "on_call")
        assert acd.rows("SELECT state, result FROM dl_records WHERE name = '甲'") == [{"state": "done", "result": "agent"}]
        await acd.chand.board.recorder.drain()                # chand writes its call records behind
        assert [leg["dialled"] for leg in acd.rows(customers)] == ["13800000001"]   # the agent is busy: no more
        m = acd.desk.mark()
        await acd.tester.call("sim.hangup", far=acd.phone("8001"))     # the agent ends the call, wraps up, is ready
        nxt = await acd.wait_agent("1001", "ringing", since=m)
        assert nxt["data"]["policy"] == "P-2"
        await acd.chand.board.recorder.drain()                # chand writes its call records behind
        assert [leg["dialled"] for leg in acd.rows(customers)] == ["13800000001", "13800000002"]
        store.close()
