"""Order types from workorders.toml (checked with file:line), deadlines by type and priority, the one
move table with who may make each move, the history, and the sweep's reminders and escalations driven
by a clock the test moves."""
from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from telephonist.config.loader import ConfigError
from telephonist.storage.database import WRITE
from telephonist.workorders import store, workflow
from telephonist.workorders.config import ConfigFile
from telephonist.workorders.schema import metadata
from telephonist.workorders.store import NewOrder, OrderError, Search
from telephonist.workorders.sweep import reminders_for, sweep
from tests.workorders.support import GAS, T0, write_config


def _w(engine):
    return engine.connect().execution_options(**WRITE)


def test_the_tables_match_migration_wo01(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert [d for d in diff if getattr(d[1], "table", d[1]).name.startswith("wo_")] == []


def test_bad_configuration_is_refused_with_file_and_line(tmp_path):
    text = GAS.replace('department = "east"', 'department = "west"').replace(
        "high = 4,", "high = -1,").replace('kind = "crew"', 'kind = "squad"')
    with pytest.raises(ConfigError) as err:
        write_config(tmp_path, text)
    lines = text.split("\n")
    path = tmp_path / "workorders.toml"
    got = [str(p) for p in err.value.problems]
    squad, west = lines.index('kind = "squad"') + 1, lines.index('department = "west"') + 1
    deadline = next(i for i, line in enumerate(lines) if "high = -1" in line) + 1
    assert f"{path}:{squad}: kind: one of department, branch, crew" in got
    assert any(p.startswith(f"{path}:{west}: department 'west' is no unit") for p in got)
    assert any(p.startswith(f"{path}:{deadline}: deadline_h.high: hours") for p in got)


def test_a_bad_edit_keeps_the_last_good_configuration(tmp_path):
    write_config(tmp_path)
    f = ConfigFile(str(tmp_path / "workorders.toml"))
    assert set(f.get().types) == {"repair", "reading", "complaint"}
    (tmp_path / "workorders.toml").write_text(GAS + "\n[[types]]\nid = 'x'\n", encoding="utf-8")
    assert set(f.get().types) == {"repair", "reading", "complaint"} and f.problems
    (tmp_path / "workorders.toml").write_text(GAS.replace('id = "complaint"', 'id = "card-loss"'), encoding="utf-8")
    assert set(f.get().types) == {"repair", "reading", "card-loss"} and not f.problems


def test_an_order_goes_through_the_workflow_and_every_move_is_recorded(engine, tmp_path):
    cfg = write_config(tmp_path)
    office = store.viewer(cfg, "super2", sees_all=True, office=True)
    crew = store.viewer(cfg, "crew1", sees_all=False, office=False)
    stranger = store.viewer(cfg, "agent1", sees_all=False, office=False)
    with _w(engine) as conn, conn.begin():
        oid = store.create(conn, cfg, NewOrder("repair", "high", fields={"address": "东区幸福路1号", "fault": "漏气"},
                                               caller_number="139 0000 1111", source="desk"), "agent1", T0)
        order = store.get(conn, oid)
        assert (order["state"], order["unit"], order["due_at"], order["caller_number"]) == (
            "accepted", "repair", T0 + timedelta(hours=4), "13900001111")
        with pytest.raises(OrderError, match="start: not from accepted"):
            store.move(conn, cfg, oid, "start", office, "", T0)
        with pytest.raises(OrderError, match="only the office"):
            store.move(conn, cfg, oid, "dispatch", store.viewer(cfg, "agent2", False, False), "", T0, unit="east-crew")
        with pytest.raises(OrderError, match="agent2 is no member"):
            store.move(conn, cfg, oid, "dispatch", office, "", T0, unit="east-crew", assignee="agent2")
        store.move(conn, cfg, oid, "dispatch", office, "", T0 + timedelta(minutes=5), unit="east-crew")
        with pytest.raises(OrderError, match="start: only the unit.s members or the office"):   # the creator sees it
            store.move(conn, cfg, oid, "start", stranger, "", T0)
        store.move(conn, cfg, oid, "start", crew, "", T0 + timedelta(minutes=30))
        with pytest.raises(OrderError, match="a note is needed"):
            store.move(conn, cfg, oid, "finish", crew, " ", T0 + timedelta(hours=1))
        store.move(conn, cfg, oid, "finish", crew, "换了阀门", T0 + timedelta(hours=1))
        with pytest.raises(OrderError, match="only the office"):
            store.move(conn, cfg, oid, "close", crew, "", T0 + timedelta(hours=2))
        store.comment(conn, oid, office, "回访客户满意", T0 + timedelta(hours=2))
        store.move(conn, cfg, oid, "close", office, "", T0 + timedelta(hours=2))
        order = store.get(conn, oid)
        hist = [(h["actor"], h["action"], h["from_state"], h["to_state"]) for h in store.history_of(conn, oid)]
    assert (order["state"], order["assignee"], order["closed_at"]) == ("closed", "crew1", T0 + timedelta(hours=2))
    with engine.connect() as conn:          # who finds it: its creator (in no unit), the crew, not a stranger
        assert store.search(conn, stranger, Search(text="1111"), T0)[0] == 1
        assert store.search(conn, crew, Search(state="closed"), T0)[0] == 1
        assert store.search(conn, store.viewer(cfg, "nobody", False, False), Search(), T0) == (0, [])
    assert hist == [("agent1", "create", None, "accepted"), ("super2", "dispatch", "accepted", "dispatched"),
                    ("crew1", "start", "dispatched", "in_progress"), ("crew1", "finish", "in_progress", "done"),
                    ("super2", "comment", None, None), ("super2", "close", "done", "closed"),
                    ("system", "sms", None, None)]


def test_bad_orders_are_refused_and_nothing_is_written(engine, tmp_path):
    cfg = write_config(tmp_path)
    with _w(engine) as conn, conn.begin():
        for new, message in ((NewOrder("nope"), "no order type 'nope'"),
                             (NewOrder("repair", "asap"), "priority: one of"),
                             (NewOrder("repair"), "地址: required"),
                             (NewOrder("repair", fields={"address": "x", "fault": "火"}), "故障: one of"),
                             (NewOrder("reading", fields={"month": "3", "reading": "12a"}), "reading: a number"),
                             (NewOrder("repair", fields={"address": "x", "colour": "red"}), "unknown field"),
                             (NewOrder("repair", fields={"address": "x"}, caller_number="12ab"), "caller_number")):
            with pytest.raises(OrderError, match=message):
                store.create(conn, cfg, new, "agent1", T0)
        all_ = store.viewer(cfg, "admin", True, True)
        assert store.search(conn, all_, Search(), T0) == (0, [])


@pytest.mark.long
def test_the_sweep_reminds_then_escalates_once_per_deadline(engine, tmp_path):
    cfg = write_config(tmp_path)
    office = store.viewer(cfg, "admin", True, True)
    with _w(engine) as conn, conn.begin():
        late = store.create(conn, cfg, NewOrder("repair", "urgent", fields={"address": "x"}), "agent1", T0)
        fine = store.create(conn, cfg, NewOrder("repair", "low", fields={"address": "y"}), "agent1", T0)
    clock = T0 + timedelta(minutes=59)
    with _w(engine) as conn, conn.begin():
        assert sweep(conn, cfg, clock).reminded == []
    clock = T0 + timedelta(hours=1)                                  # the urgent one's deadline
    with _w(engine) as conn, conn.begin():
        r = sweep(conn, cfg, clock)
        assert (r.reminded, r.escalated) == ([late], [])
        assert store.search(conn, office, Search(overdue=True), clock)[0] == 1
    with _w(engine) as conn, conn.begin():
        assert sweep(conn, cfg, clock + timedelta(minutes=59)).reminded == []     # once
        r = sweep(conn, cfg, clock + timedelta(minutes=60))
        assert (r.reminded, r.escalated) == ([], [late])
        assert sweep(conn, cfg, clock + timedelta(hours=5)).escalated == []
        notes = [(h["action"], h["note"]) for h in store.history_of(conn, late) if h["actor"] == "system"]
        assert notes == [("remind", "overdue since 2026-03-02 10:00 UTC: reminder to agent2, super"),
                         ("escalate", "overdue since 2026-03-02 10:00 UTC: escalated to super")]
        assert store.get(conn, fine)["escalation"] == 0
        # who was addressed: the repair department's member (nobody is assigned yet), then its head
        assert reminders_for(conn, cfg, "agent2") == {"reminded": [late], "escalated": []}
        assert reminders_for(conn, cfg, "super") == {"reminded": [late], "escalated": [late]}
        assert reminders_for(conn, cfg, "crew1") == {"reminded": [], "escalated": []}
        # reopened: a fresh deadline from now, the escalation starts again, dispatch is possible again
        store.move(conn, cfg, late, "dispatch", office, "", clock)
        store.move(conn, cfg, late, "start", office, "", clock)
        store.move(conn, cfg, late, "finish", office, "done", clock)
        store.move(conn, cfg, late, "close", office, "", clock)
        with pytest.raises(OrderError, match="reopen: say why"):
            store.move(conn, cfg, late, "reopen", office, "", clock + timedelta(hours=3))
        store.move(conn, cfg, late, "reopen", office, "客户反映仍漏气", clock + timedelta(hours=3))
        again = store.get(conn, late)
        assert (again["state"], again["escalation"], again["closed_at"], again["due_at"]) == (
            "reopened", 0, None, clock + timedelta(hours=4))
        assert [m.name for m in workflow.allowed(workflow.State.REOPENED, office.roles(again))] == ["dispatch", "reject"]
        # rejected orders are not chased; the reopened one is, against its new deadline
        store.move(conn, cfg, fine, "reject", office, "重复报修", clock)
        assert sweep(conn, cfg, T0 + timedelta(days=10)).reminded == [late]


@pytest.mark.long
def test_an_order_of_a_customer_is_on_their_timeline_and_an_unknown_customer_is_refused(engine, tmp_path):
    from telephonist.crm import timeline
    from telephonist.crm.store import CustomerInput, open_customer
    cfg = write_config(tmp_path)
    office = store.viewer(cfg, "super2", sees_all=True, office=True)
    with _w(engine) as conn, conn.begin():
        customer = open_customer(conn, CustomerInput(name="王先生", phones=["13900001111"]), T0)
        with pytest.raises(OrderError, match="no customer 999999"):
            store.create(conn, cfg, NewOrder("repair", fields={"address": "x"}, customer_id=999999), "agent1", T0)
        oid = store.create(conn, cfg, NewOrder("repair", fields={"address": "东区1号"}, customer_id=customer["id"]),
                           "agent1", T0)
        store.move(conn, cfg, oid, "reject", office, "重复报修", T0 + timedelta(minutes=5))
        rows = [(e["kind"], e["ref"], e["link"]) for e in timeline.entries(conn, customer["id"])]
    assert rows == [("work_order", str(oid), f"/workorders/{oid}")] * 2
