"""The IVR's work_order node on a sim call: a meter reading given by phone becomes an order at the branch
of the type, with the caller's number, the account and the call; a reading the type refuses goes to
on_fail and writes nothing; a bad priority is refused when the flow is loaded, at its line."""
from __future__ import annotations

import pytest

from telephonist.ivrd.flow_loader import FlowError, LoadOptions, load_flows
from tests.support.ivrd_harness import running_ivrd
from tests.workorders.support import GAS

FLOW = """
[flow]
numbers = ["4008*"]

[nodes.account]
type = "collect"
prompts = "zh/account.wav"
var = "account"
min_digits = 6
max_digits = 6
next = "reading"

[nodes.reading]
type = "collect"
prompts = "zh/reading.wav"
var = "reading"
min_digits = 1
max_digits = 6
next = "month"
on_fail = "order"

[nodes.month]
type = "set"
vars = { reading_month = "'2026-03'" }
next = "order"

[nodes.order]
type = "work_order"
order_type = "reading"
fields = { month = "${reading_month}", reading = "${reading}" }
title = "自报读数 ${reading}"
next = "thanks"
on_fail = "sorry"

[nodes.thanks]
type = "play"
prompts = "zh/thanks.wav"
next = "bye"

[nodes.sorry]
type = "play"
prompts = "zh/sorry.wav"
next = "bye"

[nodes.bye]
type = "hangup"
"""
PROMPTS = ["zh/account.wav", "zh/reading.wav", "zh/thanks.wav", "zh/sorry.wav"]


async def test_a_meter_reading_by_phone_becomes_an_order_at_its_branch(tmp_path):
    (tmp_path / "workorders.toml").write_text(GAS, encoding="utf-8")
    async with running_ivrd(tmp_path, {"main.toml": FLOW}, PROMPTS) as ivr:
        ivr.service.services.config_dir = str(tmp_path)
        out = await ivr.call([{"press": "880012"}, {"press": "1234"}, {"silent": True}], caller="13900001111")
        assert out.prompts == ["zh/account.wav", "zh/reading.wav", "zh/thanks.wav"]
        rows = ivr.rows("SELECT id, type, unit, state, source, caller_number, account, call_id, fields, title, "
                        "created_by FROM wo_orders")
        assert rows == [{"id": 1, "type": "reading", "unit": "east", "state": "accepted", "source": "ivr",
                         "caller_number": "13900001111", "account": "880012", "call_id": out.call_id,
                         "fields": '{"month": "2026-03", "reading": 1234}', "title": "自报读数 1234",
                         "created_by": "ivr:main"}]
        assert ivr.vars(out.call_id)["work_order"] == "1"
        assert ("order", None, "ok") in ivr.steps(out.call_id)

        # no reading (time-out): the type's required field is missing, the caller hears the apology
        out = await ivr.call([{"press": "880013"}, {"silent": True}, {"silent": True}, {"silent": True}])
        assert out.prompts[-1] == "zh/sorry.wav"
        assert ivr.rows("SELECT count(*) AS n FROM wo_orders") == [{"n": 1}]
        assert ("order", None, "refused") in ivr.steps(out.call_id)


def test_a_bad_priority_is_refused_at_load(tmp_path):
    flows = tmp_path / "flows"
    flows.mkdir()
    text = FLOW.replace('title = "自报读数 ${reading}"', 'priority = "asap"')
    (flows / "main.toml").write_text(text, encoding="utf-8")
    with pytest.raises(FlowError) as err:
        load_flows(str(flows), LoadOptions(prompts_dir=str(tmp_path), check_prompts=False))
    line = text.split("\n").index('priority = "asap"') + 1
    assert [str(p) for p in err.value.problems] == [
        f"{flows}/main.toml:{line}: node 'order': priority 'asap': one of low, normal, high, urgent (or a ${{variable}})"]
