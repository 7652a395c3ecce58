"""Preview mode, appointments and call scripts in the database, on SQLite and PostgreSQL: records assigned in
batch, one by one, reassigned and taken back; an agent's list (appointments due first); the agent's dial claims
an attempt with its agent and the script it starts on; outcome codes end it by the strategy; a script read from a
table (.txt, .xlsx, .docx) with every problem by line, walked with branches, going back, pause; answers in the
export; edits raise the version while an attempt keeps its own."""
import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from telephonist.dialer import appointments, preview, script_progress, scripts
from telephonist.dialer import schema as T
from telephonist.dialer.lists import import_rows, read_table
from telephonist.dialer.preview import PreviewError
from telephonist.dialer.results import export_rows
from telephonist.dialer.store import DialerStore
from telephonist.storage import migrate
from tests.dialer.word import word_file
from tests.support.database import schema_drift

STRATEGY = {"windows": {"default": {"time_zone": "Asia/Shanghai", "hours": {"mon-sun": "08:00-20:00"}}},
            "max_attempts": 2, "min_interval_s": 60, "max_interval_s": 600, "retry": {"busy": 120, "no_answer": 300}}
LIST = "name,phone,plan\n" + "".join(f"客户{i},1380000000{i},gold\n" for i in range(1, 7))
NOON = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)          # 12:00 in Shanghai
SCRIPT = """id | question | field | answer | next | result
q1 | Are you happy with our service? | happy | yes | q3
   |                                  |       | no  | q2
q2 | What should we do better? | better
q3 | May we offer you the new plan? | offer | yes | end | sold
   |                                |       | no  | end | refused
"""


@pytest.fixture
def store(db_url):
    migrate(db_url)
    s = DialerStore(db_url)
    yield s
    s.close()


def campaign(store, name="renewals"):
    cid = store.create_campaign(name, "sales", "preview", "sales", "out", STRATEGY, caller_id="95500")
    header, rows = read_table("list.csv", LIST.encode())
    assert import_rows(store.engine, cid, header, rows, {"name": "name", "phones": "phone"}).added == 6
    store.set_state(cid, "running")
    with store.engine.connect() as conn:
        ids = conn.execute(sa.select(T.records.c.id).where(T.records.c.campaign_id == cid)
                           .order_by(T.records.c.id)).scalars().all()
    return cid, ids


def test_the_migration_makes_the_tables_the_dialer_uses(tmp_path):
    assert [d for d in schema_drift(tmp_path, T.metadata) if "dl_" in str(d)] == []


def test_assign_list_dial_and_outcome(store):
    cid, ids = campaign(store)
    assert preview.assign_batch(store.engine, cid, ["1001", "1002"], 2, NOON) == {"1001": 2, "1002": 2}
    assert preview.assign(store.engine, cid, [ids[4]], "1001", NOON) == 1          # one by one
    assert preview.assign(store.engine, cid, [ids[1]], "1001", NOON) == 1          # reassigned from 1002
    assert preview.assign(store.engine, cid, [ids[2]], None, NOON) == 1            # taken back
    mine = preview.agent_list(store.engine, "1001", NOON)
    assert [a.record_id for a in mine] == [ids[0], ids[1], ids[4]]
    assert [a.record_id for a in preview.agent_list(store.engine, "1002", NOON)] == [ids[3]]
    with pytest.raises(PreviewError, match="not on agent 1002"):
        preview.record_view(store.engine, ids[0], "1002")
    other = store.create_campaign("notices", "notice", "agentless", "flow", "out", STRATEGY)
    with pytest.raises(PreviewError, match="not a preview campaign"):
        preview.assign_batch(store.engine, other, ["1001"], 1, NOON)

    claim, camp = preview.claim(store.engine, ids[0], "1001", NOON)
    assert (claim.number, claim.call_id, camp.trunk_group, camp.caller_id) == ("13800000001", f"dl-{claim.attempt_id}",
                                                                               "out", "95500")
    with pytest.raises(PreviewError, match="dialing"):
        preview.claim(store.engine, ids[0], "1001", NOON)                      # one attempt out at a time
    assert preview.agent_list(store.engine, "1001", NOON)[0].open_attempt == claim.attempt_id
    store.dialing(claim.attempt_id, "sim/1")
    assert appointments.finish_by_agent(store, claim.attempt_id, "1001", "busy", NOON) == "pending"
    view = preview.record_view(store.engine, ids[0], "1001")
    assert [(h["outcome"], h["agent"]) for h in view["history"]] == [("busy", "1001")]
    assert view["fields"] == {"plan": "gold"}
    with pytest.raises(PreviewError, match="outcome already"):
        appointments.finish_by_agent(store, claim.attempt_id, "1001", "sold", NOON)

    later = NOON + timedelta(minutes=3)
    second, _ = preview.claim(store.engine, ids[0], "1001", later)
    store.dialing(second.attempt_id, "sim/2")
    with pytest.raises(PreviewError, match="not agent 1002's"):
        appointments.finish_by_agent(store, second.attempt_id, "1002", "sold", later)
    assert appointments.finish_by_agent(store, second.attempt_id, "1001", "sold", later) == "done"
    with store.engine.connect() as conn:
        rec = conn.execute(sa.select(T.records).where(T.records.c.id == ids[0])).one()
    assert (rec.state, rec.outcome, rec.result, rec.attempts) == ("done", "answered", "sold", 2)

    night = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)                            # 22:00 in Shanghai
    with pytest.raises(PreviewError, match="calling window"):
        preview.claim(store.engine, ids[1], "1001", night)
    store.dnc_add("phone", "13800000005")
    with pytest.raises(PreviewError, match="do-not-call"):
        preview.claim(store.engine, ids[4], "1001", NOON)
    with store.engine.connect() as conn:                                       # its only number: the record ends dnc
        assert conn.execute(sa.select(T.records.c.state).where(T.records.c.id == ids[4])).scalar() == "dnc"


def test_an_appointment_goes_first_to_the_same_agent(store):
    cid, ids = campaign(store)
    preview.assign(store.engine, cid, ids[:3], "1001", NOON)
    claim, _ = preview.claim(store.engine, ids[2], "1001", NOON)
    at = NOON + timedelta(hours=2)
    assert appointments.finish_by_agent(store, claim.attempt_id, "1001", "call_back", NOON, callback_at=at) == "pending"
    before = preview.agent_list(store.engine, "1001", NOON + timedelta(hours=1))
    assert [a.record_id for a in before] == [ids[0], ids[1], ids[2]] and not before[2].due
    due = preview.agent_list(store.engine, "1001", at)
    assert [a.record_id for a in due] == [ids[2], ids[0], ids[1]] and due[0].due
    with pytest.raises(PreviewError, match="still to come"):
        appointments.finish_by_agent(store, claim.attempt_id, "1001", "x", NOON, callback_at=NOON)
    # progressive/agentless: the dialer claims the appointment ahead of records never dialled
    prog = store.create_campaign("prog", "sales", "agentless", "flow", "out", STRATEGY)
    header, rows = read_table("l.csv", LIST.encode())
    import_rows(store.engine, prog, header, rows, {"phones": "phone"})
    with store.engine.connect() as conn:
        last = conn.execute(sa.select(sa.func.max(T.records.c.id)).where(T.records.c.campaign_id == prog)).scalar()
    appointments.set_appointment(store, last, NOON + timedelta(minutes=5), None, NOON)
    camp = next(c for c in store.campaigns() if c.id == prog)
    got = store.claim(camp, NOON + timedelta(minutes=6), 2, lambda t: True)
    assert got[0].record_id == last
    assert appointments.parse_time("2026-12-08T15:00", "Asia/Shanghai") == datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
    # an agentless flow's callback_at (the campaign's local time): the record is called again then
    other = next(c for c in store.campaigns() if c.id == prog)
    flowed = store.claim(other, NOON + timedelta(minutes=7), 1, lambda t: True)[0]
    store.answered(flowed.attempt_id, NOON)
    store.result(flowed.attempt_id, "call_back", NOON)
    appointments.from_flow(store, flowed.attempt_id, "2026-12-08T15:00", NOON)
    with store.engine.connect() as conn:
        rec = conn.execute(sa.select(T.records).where(T.records.c.id == flowed.record_id)).one()
    assert (rec.state, rec.next_at, rec.callback_at, rec.result) == (
        "pending", datetime(2026, 12, 8, 7, 0, tzinfo=UTC), datetime(2026, 12, 8, 7, 0, tzinfo=UTC), "call_back")
    with pytest.raises(PreviewError, match="not a time"):
        appointments.parse_time("tomorrow")


def test_scripts_from_txt_xlsx_docx_walked_and_exported(store):
    body = scripts.from_table(*scripts.read_text(SCRIPT))
    assert [q["id"] for q in body["questions"]] == ["q1", "q2", "q3"]
    assert scripts.from_table(*scripts.read_text(scripts.to_table(body))) == body      # the editor's text round-trips
    table = [["编号", "问题", "字段", "答案", "下一题", "结果"], ["q1", "满意吗?", "happy", "是", "end", "ok"],
             ["", "", "", "否", "end", "refused"]]
    zh = scripts.from_table(*scripts.read_file("s.docx", word_file(table)))
    book = openpyxl.Workbook()
    for row in table:
        book.active.append(row)
    xlsx = io.BytesIO()
    book.save(xlsx)
    assert scripts.from_table(*scripts.read_file("s.xlsx", xlsx.getvalue())) == zh
    assert zh["questions"][0]["choices"][1] == {"value": "否", "next": "end", "result": "refused"}
    with pytest.raises(scripts.ScriptError) as bad:
        scripts.from_table(*scripts.read_text("id|question|answer|next\nq1|Hi?|yes|q9\nq1|Again|\n|\n"), "s.txt")
    assert bad.value.problems == ["s.txt:3: question q1 is there already (line 2)",
                                  "s.txt:2: goes to question 'q9', which is not in the script"]
    with pytest.raises(scripts.ScriptError, match="no table"):
        scripts.read_file("s.docx", word_file(None, "no table"))

    sid = scripts.save(store.engine, "renewal", body, "lead", "the renewal call")
    assert [s["name"] for s in scripts.search(store.engine, "better")] == ["renewal"]      # a question's text
    assert scripts.search(store.engine, "nothing like it") == []
    cid, ids = campaign(store)
    scripts.use_in_campaign(store.engine, cid, sid)
    preview.assign(store.engine, cid, ids[:2], "1001", NOON)
    state = script_progress.start(scripts.get(store.engine, sid))
    claim, _ = preview.claim(store.engine, ids[0], "1001", NOON, script=state)
    state = script_progress.answer(state, "q1", "no")
    assert state["at"] == "q2"
    state = script_progress.answer(state, "q2", "call me less")
    assert state["at"] == "q3"                                                   # no branch: the next question
    state = script_progress.answer(state, "q1", "yes")                           # back to q1: q2's answer goes
    assert (state["at"], state["answers"]) == ("q3", {"q1": "yes"})
    with pytest.raises(scripts.ScriptError, match="one of: yes, no"):
        script_progress.answer(state, "q3", "maybe")
    paused = {**state, "paused": True}
    with pytest.raises(scripts.ScriptError, match="paused"):
        script_progress.answer(paused, "q3", "yes")
    state = script_progress.answer(state, "q3", "yes")
    assert state["at"] is None and script_progress.proposed_result(state) == "sold"
    script_progress.save(store.engine, claim.attempt_id, state)

    # an edit: a new version for the next record; the attempt keeps what it started with
    scripts.save(store.engine, "renewal", {"questions": [{"id": "q1", "text": "New?", "field": "new", "choices": [],
                                                          "next": None}]}, "lead", script_id=sid)
    assert scripts.get(store.engine, sid)["version"] == 2
    assert script_progress.load(store.engine, claim.attempt_id)["version"] == 1
    appointments.finish_by_agent(store, claim.attempt_id, "1001", "sold", NOON)
    with store.engine.connect() as conn:
        rows = list(export_rows(conn, cid, "all"))
    assert rows[0][-2:] == ["happy", "offer"] and rows[1][-2:] == ["yes", "yes"]


