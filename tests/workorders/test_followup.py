"""Closing an order makes a follow-up call: its type's `follow_up = { campaign = "..." }` puts the customer into
that dialer campaign (one record, through the list import, with the order's fields), written in the order's
history and on the customer's timeline; the campaign's outcome and its flow's result come back onto the timeline
once the call is over. A campaign that is gone is a warning and a history entry, never a crash; `workorders
check` names the file and line of a follow_up without its campaign."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from telephonist.cli import main
from telephonist.config.loader import ConfigError
from telephonist.crm import timeline
from telephonist.crm.store import CustomerInput, open_customer
from telephonist.dialer.store import DialerStore
from telephonist.storage.database import WRITE
from telephonist.workorders import followup, store
from telephonist.workorders.config import campaign_problems
from telephonist.workorders.store import NewOrder
from tests.workorders.support import GAS, T0, write_config

STRATEGY = {"windows": {"default": {"hours": {"mon-sun": "00:00-24:00"}}}, "max_attempts": 2}
FOLLOWED = GAS.replace('sms_on_close = "您的报修单{number}已处理完毕，谢谢。"',
                       'sms_on_close = "您的报修单{number}已处理完毕，谢谢。"\nfollow_up = { campaign = "回访" }') \
    + '\n[[types]]\nid = "card"\nname = "挂失"\ndepartment = "repair"\nfollow_up = { campaign = "gone" }\n' \
      'deadline_h = { low = 72, normal = 24, high = 4, urgent = 1 }\n'


def _closed(engine, cfg, type_: str, customer_id: int | None, number: str, at) -> int:
    office = store.viewer(cfg, "super2", sees_all=True, office=True)
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        oid = store.create(conn, cfg, NewOrder(type_, fields={"address": "东区1号"} if type_ == "repair" else {},
                                               customer_id=customer_id, caller_number=number), "agent1", at)
        for i, move in enumerate(("dispatch", "start", "finish", "close")):
            store.move(conn, cfg, oid, move, office, "好了" if move == "finish" else "",
                       at + timedelta(minutes=i + 1), unit="east-crew" if move == "dispatch" else "")
    return oid


def _history(engine, oid: int) -> list[str]:
    with engine.connect() as conn:
        return [h["note"] for h in store.history_of(conn, oid) if h["action"] == "follow_up"]


def test_a_closed_order_is_called_back_and_the_answer_lands_on_the_timeline(engine, tmp_path):
    cfg = write_config(tmp_path, FOLLOWED)
    dialer = DialerStore(engine=engine)
    cid = dialer.create_campaign("回访", "survey", "agentless", "survey", "out", STRATEGY)
    dialer.set_state(cid, "running")
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        customer = open_customer(conn, CustomerInput(name="王先生", phones=["13900001111"]), T0)
    oid = _closed(engine, cfg, "repair", customer["id"], "13900001111", T0)
    now = T0 + timedelta(minutes=10)

    assert followup.run(engine, cfg, now).queued == [oid]
    with engine.connect() as conn:
        [rec] = conn.execute(sa.text("SELECT name, phones, fields, state FROM dl_records")).all()
        entries = [(e["kind"], e["summary"]) for e in timeline.entries(conn, customer["id"], kind="campaign")]
    assert (rec.name, json.loads(rec.phones), rec.state) == ("王先生", ["13900001111"], "pending")
    assert json.loads(rec.fields) == {"order_id": str(oid), "order_type": "repair", "order_type_name": "报修",
                                      "title": "报修", "customer_id": str(customer["id"]),
                                      "customer_number": customer["number"], "field_address": "东区1号"}
    assert entries == [("campaign", f"回访: follow-up of order {oid} queued")]
    assert _history(engine, oid) == ["follow-up call to 13900001111: campaign 回访"]
    assert followup.run(engine, cfg, now + timedelta(minutes=1)).queued == []        # once

    # the dialer calls: answered, the survey flow still running (nothing reported yet), then its result
    [claim] = dialer.claim(dialer.campaigns(["running"])[0], now, 5, lambda _type: True)
    dialer.dialing(claim.attempt_id, "pstn/1")
    dialer.answered(claim.attempt_id, now + timedelta(minutes=2))
    assert claim.fields["order_id"] == str(oid)
    assert followup.run(engine, cfg, now + timedelta(minutes=3)).reported == []
    dialer.result(claim.attempt_id, "score 5", now + timedelta(minutes=4))
    assert followup.run(engine, cfg, now + timedelta(minutes=5)).reported == [oid]
    assert followup.run(engine, cfg, now + timedelta(minutes=6)).reported == []        # once
    with engine.connect() as conn:
        entries = [e["summary"] for e in timeline.entries(conn, customer["id"], kind="campaign")]
        [f] = followup.of_order(conn, oid)
    assert entries[0] == "回访: answered · score 5"
    assert (f["state"], f["outcome"], f["result"]) == ("reported", "answered", "score 5")
    assert _history(engine, oid)[-1] == "follow-up call: 回访: answered · score 5"


def test_a_campaign_that_is_gone_is_a_warning_and_a_history_entry(engine, tmp_path, caplog):
    cfg = write_config(tmp_path, FOLLOWED)
    oid = _closed(engine, cfg, "card", None, "13900002222", T0)
    line = FOLLOWED.split("\n").index('follow_up = { campaign = "gone" }') + 1
    r = followup.run(engine, cfg, T0 + timedelta(minutes=10))
    assert (r.queued, r.refused) == ([], [oid])
    assert _history(engine, oid) == [f"no follow-up call: campaign 'gone' does not exist ({cfg.path}:{line})"]
    assert "event=workorder_follow_up_refused" in caplog.text
    assert followup.run(engine, cfg, T0 + timedelta(minutes=11)).refused == []        # said once
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM dl_records")).scalar() == 0


def test_a_follow_up_without_its_campaign_is_a_config_error_with_file_and_line(tmp_path, capsys):
    cfg = write_config(tmp_path, FOLLOWED)
    line = FOLLOWED.split("\n").index('follow_up = { campaign = "gone" }') + 1
    assert [(p.line, p.message) for p in campaign_problems(cfg, {"回访"})] == [
        (line, "types card: follow_up campaign 'gone' is no dialer campaign (campaigns: 回访)")]
    bad = FOLLOWED.replace('follow_up = { campaign = "gone" }', 'follow_up = "gone"')
    with pytest.raises(ConfigError) as exc:
        write_config(tmp_path, bad)
    assert [(p.line, p.message) for p in exc.value.problems] == [(line, "follow_up must be a table")]

    url = f"sqlite:///{tmp_path / 't.db'}"
    (tmp_path / "telephonist.toml").write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    write_config(tmp_path, FOLLOWED)
    from telephonist.storage import migrate
    migrate(url)
    assert main(["workorders", "--config", str(tmp_path / "telephonist.toml"), "check"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'workorders.toml'}:{line}: types card: follow_up campaign 'gone' is no dialer campaign" in err
