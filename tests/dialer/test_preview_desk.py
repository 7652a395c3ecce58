"""Preview mode end to end on a real chand, ACD and console (sim spans): agent 1001 lists the record it was given,
opens it (fields, history), presses Dial: its phone rings, then the customer is dialled through the campaign's
trunk group (the ACD has no outbound trunk group of its own here) with chand call id dl-<attempt>; on the call the
agent walks the campaign's script (pause refuses an answer until resume, a flag reaches the audit log), hangs up
and sets the outcome with an appointment: the attempt, its answers and the appointment land in the database, and
the record is back on top of the agent's list when the appointment falls due. Agent 1002 can do none of it."""
from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from telephonist.dialer import preview, scripts
from telephonist.dialer.lists import import_rows, read_table
from telephonist.dialer.store import DialerStore
from telephonist.webadmin import db
from tests.support.chand_harness import TrunkGroupSpec
from tests.webadmin.desk_support import desk_site
from tests.webadmin.live_support import EventStream, session_cookie
from tests.webadmin.support import csrf_from
from tests.webadmin.test_desk import act, logged_in, next_of, page

STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "max_attempts": 2}
SCRIPT = "id | question | field | answer | next | result\nq1 | Happy with us? | happy | yes | q2\n | | | no | end | refused\n" \
         "q2 | Renew for a year? | renew | yes | end | sold\n | | | no | end | refused\n"


async def post(client, path: str, **form):
    token = csrf_from((await page(client, "/agent/")).get_data(as_text=True))
    return await asyncio.to_thread(client.post, path, data={**form, "csrf_token": token})


def setup_campaign(app) -> tuple[int, int]:
    store = DialerStore(engine=db.engine(app))
    cid = store.create_campaign("renewals", "sales", "preview", "sales", "campaign", STRATEGY, caller_id="95500")
    header, rows = read_table("l.csv", "name,phone,plan\n王先生,13800001111,gold\n".encode())
    import_rows(store.engine, cid, header, rows, {"name": "name", "phones": "phone"})
    sid = scripts.save(store.engine, "renewal", scripts.from_table(*scripts.read_text(SCRIPT)), "lead")
    scripts.use_in_campaign(store.engine, cid, sid)
    store.set_state(cid, "running")
    with store.engine.connect() as conn:
        rid = conn.execute(sa.text("SELECT id FROM dl_records WHERE campaign_id = :c"), {"c": cid}).scalar_one()
    preview.assign(store.engine, cid, [rid], "1001", datetime.now(UTC))
    return cid, rid


async def test_an_agent_previews_dials_walks_the_script_and_books_a_call_back(tmp_path):
    async with desk_site(tmp_path, trunk_groups=[TrunkGroupSpec("campaign", ["callers/*"])]) as site:
        acd, t = site.acd, site.acd.tester
        for i in range(1, 9):
            await t.call("sim.take", far=f"callers/{i}~far")
        _, rid = await asyncio.to_thread(setup_campaign, site.app)
        agent1, agent2 = await logged_in(site.app, "agent1"), await logged_in(site.app, "agent2")
        stream = await EventStream.open(site.served.port, session_cookie(site.app, "agent1"), "/agent/events")
        stream.agent = "1001"
        try:
            assert (await act(agent1, "login", extension="8001")).status_code == 200
            assert (await act(agent1, "ready")).status_code == 200
            listed = (await page(agent1, "/agent/preview")).get_json()["records"]
            assert [r["record"] for r in listed] == [rid]
            shown = (await page(agent1, f"/agent/preview/{rid}")).get_json()
            assert (shown["name"], shown["fields"], shown["history"]) == ("王先生", {"plan": "gold"}, [])
            assert shown["script"]["questions"][0]["text"] == "Happy with us?"
            assert (await page(agent2, f"/agent/preview/{rid}")).status_code == 404
            assert (await post(agent2, f"/agent/preview/{rid}/dial")).status_code == 404

            rung = t.mark()
            r = await post(agent1, f"/agent/preview/{rid}/dial")
            assert r.status_code == 200, r.get_data(as_text=True)
            aid = r.get_json()["attempt"]
            await site.lift("8001", rung)
            dialled = await t.wait_for(lambda e: e.get("what") == "dialled" and e.get("number") == "13800001111",
                                       since=rung)
            await next_of(stream, "outbound_answered")
            again = await post(agent1, f"/agent/preview/{rid}/dial")
            assert again.status_code == 409                           # one attempt out at a time

            step = lambda action, **f: post(agent1, f"/agent/script/{aid}/{action}", **f)
            assert (await page(agent2, f"/agent/script/{aid}")).status_code == 404
            got = (await page(agent1, f"/agent/script/{aid}")).get_json()["script"]
            assert got["question"]["id"] == "q1" and got["version"] == 1
            assert (await step("answer", question="q1", value="yes")).get_json()["script"]["question"]["id"] == "q2"
            assert (await step("pause")).status_code == 200
            assert (await step("answer", question="q2", value="yes")).status_code == 400     # paused
            assert (await step("resume")).status_code == 200
            assert (await step("flag", question="q2", note="asks about a discount")).status_code == 200
            done = (await step("answer", question="q2", value="yes")).get_json()["script"]
            assert done["ended"] and done["proposed_result"] == "sold"
            assert (await step("answer", question="q2", value="maybe")).status_code == 400

            await t.call("sim.hangup", far=dialled["far"])
            await next_of(stream, "agent_state", state="wrap_up")
            at = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
            r = await post(agent1, f"/agent/preview/attempt/{aid}/outcome", code="call_back",
                           callback_at=at.isoformat())
            assert r.status_code == 200 and r.get_json()["record_state"] == "pending", r.get_data(as_text=True)
            assert (await post(agent1, f"/agent/preview/attempt/{aid}/outcome", code="sold")).status_code == 400
        finally:
            await stream.close()
            await t.call("sim.hangup", far=acd.phone("8001"))

        att = acd.rows("SELECT * FROM dl_attempts WHERE id = :a", a=aid)[0]
        assert (att["agent"], att["state"], att["outcome"], att["result"], att["number"]) == (
            "1001", "done", "answered", "call_back", "13800001111")
        assert json.loads(att["script"])["answers"] == {"q1": "yes", "q2": "yes"}
        rec = acd.rows("SELECT * FROM dl_records WHERE id = :r", r=rid)[0]
        assert (rec["state"], rec["agent"]) == ("pending", "1001")
        await acd.chand.board.recorder.drain()                # chand writes its call records behind
        legs = acd.rows("SELECT dialled, disposition FROM call_legs WHERE call_id = :c", c=f"dl-{aid}")
        assert legs and legs[0]["dialled"] == "13800001111"                     # the customer's leg: dl-<attempt>
        due = preview.agent_list(db.engine(site.app), "1001", at + timedelta(seconds=1))
        assert due[0].record_id == rid and due[0].due
        audited = [r["action"] for r in acd.rows("SELECT action FROM wa_audit_log ORDER BY id")]
        assert [a for a in audited if a.startswith(("desk_preview", "script_flag"))] == [
            "desk_preview_dial", "script_flag", "desk_preview_outcome"]


async def test_the_script_travels_with_a_transfer_of_a_progressive_call(tmp_path):
    """A progressive campaign's call reaches agent 1001 (call id dl-<attempt>); 1001 answers the first question and
    transfers the customer to 1002, whose desk shows the script at the second question with the answer so far."""
    from telephonist.dialer.service import DialerService
    from telephonist.drivers.sim.far_end import NumberBehaviour
    async with desk_site(tmp_path, trunk_groups=[TrunkGroupSpec("campaign", ["callers/*"])],
                         numbers=[NumberBehaviour("138*", "answer", after_rings=1)]) as site:
        acd, t = site.acd, site.acd.tester
        store = DialerStore(engine=db.engine(site.app))

        def campaign() -> int:
            cid = store.create_campaign("renewals", "sales", "progressive", "sales", "campaign", STRATEGY)
            header, rows = read_table("l.csv", "name,phone\n王先生,13800001111\n".encode())
            import_rows(store.engine, cid, header, rows, {"name": "name", "phones": "phone"})
            sid = scripts.save(store.engine, "renewal", scripts.from_table(*scripts.read_text(SCRIPT)), "lead")
            scripts.use_in_campaign(store.engine, cid, sid)
            store.set_state(cid, "running")
            return cid
        cid = await asyncio.to_thread(campaign)
        dialer = DialerService(await acd.chand.client("dialer"), store)
        await dialer.start()
        agent1, agent2 = await logged_in(site.app, "agent1"), await logged_in(site.app, "agent2")
        s1 = await EventStream.open(site.served.port, session_cookie(site.app, "agent1"), "/agent/events")
        s1.agent = "1001"
        s2 = await EventStream.open(site.served.port, session_cookie(site.app, "agent2"), "/agent/events")
        s2.agent = "1002"
        try:
            rung = t.mark()
            assert (await act(agent1, "login", extension="8001")).status_code == 200
            assert (await act(agent1, "ready")).status_code == 200          # ready: the dialer calls a customer
            await site.lift("8001", rung)
            on_call = await next_of(s1, "agent_state", state="on_call")
            call_id = on_call["call_id"]
            assert call_id.startswith("dl-")
            aid = int(call_id[3:])
            got = (await page(agent1, f"/agent/script/{aid}")).get_json()["script"]
            assert got["question"]["id"] == "q1"
            r = await post(agent1, f"/agent/script/{aid}/answer", question="q1", value="yes")
            assert r.status_code == 200 and r.get_json()["script"]["question"]["id"] == "q2"
            assert (await page(agent2, f"/agent/script/{aid}")).status_code == 404      # not 1002's call (yet)

            assert (await act(agent2, "login", extension="8002")).status_code == 200
            assert (await act(agent2, "ready")).status_code == 200
            await next_of(s2, "agent_state", state="ready")
            rung = t.mark()
            r = await act(agent1, "transfer", to="agent:1002")
            assert r.status_code == 200, r.get_data(as_text=True)
            await site.lift("8002", rung)
            taken = await next_of(s2, "agent_state", state="on_call")
            assert taken["call_id"] == call_id
            there = (await page(agent2, f"/agent/script/{aid}")).get_json()["script"]
            assert there["question"]["id"] == "q2"
            assert [(a["id"], a["value"]) for a in there["answers"]] == [("q1", "yes")]
            r = await post(agent2, f"/agent/script/{aid}/answer", question="q2", value="yes")
            assert r.get_json()["script"]["ended"]
        finally:
            for s in (s1, s2):
                await s.close()
            for ext in ("8001", "8002"):
                await t.call("sim.hangup", far=acd.phone(ext))
        from telephonist.dialer.results import export_rows
        with db.reading(site.app) as conn:
            rows = list(export_rows(conn, cid, "all"))
        assert rows[0][-2:] == ["happy", "renew"] and rows[1][-2:] == ["yes", "yes"]
