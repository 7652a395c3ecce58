"""Appointments in a progressive campaign (lockstep clock): a record called back at its time goes ahead of the
others and is offered to its agent first, even with another agent ready (the ACD holds it for that agent); when
that agent does not come ready within the strategy's appointment_wait_s, any ready agent of the queue takes it."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telephonist.dialer import appointments
from telephonist.dialer.lists import import_rows, read_table
from telephonist.dialer.service import DialerService
from telephonist.dialer.store import DialerStore
from telephonist.drivers.sim.far_end import NumberBehaviour
from tests.acd.harness import running_acd
from tests.support.chand_harness import TrunkGroupSpec

QUEUES = """
[[queues]]
name = "renewals"
strategy = "linear"
wrapup_s = 300
"""
AGENTS = """
[[agents]]
number = "1001"
extension = "8001"
queues = ["renewals"]

[[agents]]
number = "1002"
extension = "8002"
queues = ["renewals"]
"""
STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "batch": 1, "appointment_wait_s": 20}
LIST = "name,phone\n甲,13800000001\n乙,13800000002\n丙,13800000003\n"
START = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


async def test_an_appointment_goes_to_its_agent_first_then_to_the_queue(tmp_path):
    async with running_acd(tmp_path, QUEUES, AGENTS, trunk_groups=[TrunkGroupSpec("out", ["callers/*"])],
                           numbers=[NumberBehaviour("138*", "answer", after_rings=1)]) as acd:
        store = DialerStore(f"sqlite:///{tmp_path / 'telephonist.db'}")
        cid = store.create_campaign("renewals", "sales", "progressive", "renewals", "out", STRATEGY)
        header, rows = read_table("list.csv", LIST.encode())
        import_rows(store.engine, cid, header, rows, {"name": "name", "phones": "phone"})
        ids = {r["name"]: r["id"] for r in acd.rows("SELECT id, name FROM dl_records")}
        # 丙 (the last of the list) asked agent 1002 to call back at 10:00; 乙 asked 1002 too, for 10:00 as well
        for name in ("丙", "乙"):
            appointments.set_appointment(store, ids[name], START.astimezone(ZoneInfo("UTC")), "1002",
                                         START - timedelta(days=1))
        store.set_state(cid, "running")
        dialer = DialerService(await acd.chand.client("dialer"), store, starts_at=START + timedelta(minutes=1))
        await dialer.start()
        m = acd.tester.mark()
        await acd.login("1002", "8002", ready=False)
        await acd.login("1001", "8001")                       # 1001 ready, first in the linear order
        await acd.ask("ready", agent="1002")
        await acd.tester.wait_for("far", far=acd.phone("8002"), what="ringing", since=m)
        ringing = await acd.wait_agent("1002", "ringing")
        assert ringing["data"]["prefer_agent"] == "1002" and ringing["data"]["record"] == str(ids["乙"])
        await acd.chand.board.recorder.drain()                # chand writes its call records behind
        customers = "SELECT dialled FROM call_legs WHERE trunk_group = 'out' ORDER BY id"
        assert [leg["dialled"] for leg in acd.rows(customers)][:1] == ["13800000002"]  # the appointment first
        await acd.tester.call("sim.answer", far=acd.phone("8002"))
        await acd.wait_agent("1002", "on_call")
        rec = acd.rows("SELECT state, callback_at FROM dl_records WHERE id = :r", r=ids["乙"])[0]
        assert rec == {"state": "done", "callback_at": None}

        # 1002 is on its call: 丙's appointment waits for it appointment_wait_s, then 1001 (ready) takes it
        ringing = await acd.wait_agent("1001", "ringing")
        assert ringing["data"]["record"] == str(ids["丙"]) and ringing["data"]["prefer_agent"] == "1002"
        await acd.chand.board.recorder.drain()
        assert [leg["dialled"] for leg in acd.rows(customers)][:2] == ["13800000002", "13800000003"]
        store.close()
