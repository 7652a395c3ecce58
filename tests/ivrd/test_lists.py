"""The blacklist (exact numbers, prefixes, expiry), add_to_blacklist from a flow, and VIP callers by
number or by the customer class a lookup found."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from telephonist.config.model import LookupSource
from telephonist.ivrd.caller_lists import block, find_block, purge_expired
from telephonist.ivrd.flow_loader import FlowError, LoadOptions, load_flows
from telephonist.ivrd.schema import blacklist, vip
from tests.support.ivrd_harness import running_ivrd

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)

FLOW = """
[flow]
numbers = ["4008*"]

[nodes.check]
type = "blacklist"
prompts = "zh/blocked.wav"
next = "menu"

[nodes.menu]
type = "menu"
prompts = "zh/menu.wav"
choices = { "9" = "abuse", "1" = "bye" }

[nodes.abuse]
type = "add_to_blacklist"
minutes = 5
reason = "pressed 9"
next = "bye"

[nodes.bye]
type = "hangup"
prompts = "zh/goodbye.wav"
"""
PROMPTS = ["zh/blocked.wav", "zh/menu.wav", "zh/goodbye.wav", "zh/vip.wav", "zh/normal.wav"]


def add(ivr, table, **row) -> None:
    with ivr.db.begin() as conn:
        conn.execute(table.insert().values(**row))


@pytest.mark.long
async def test_blacklisted_numbers_and_prefixes_hear_the_message_and_are_hung_up(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": FLOW}, PROMPTS) as ivr:
        add(ivr, blacklist, number="13900000001", reason="abuse", expires_at=None, created_at=NOW)
        add(ivr, blacklist, number="1700*", reason="virtual operators", expires_at=None, created_at=NOW)
        add(ivr, blacklist, number="13900000002", reason="old", expires_at=NOW - timedelta(days=1), created_at=NOW)

        out = await ivr.call([], caller="13900000001")
        assert out.prompts == ["zh/blocked.wav"] and out.inputs == 0
        assert ivr.steps(out.call_id) == [("check", None, "blocked")]
        assert (ivr.session(out.call_id)["outcome"], ivr.session(out.call_id)["outcome_detail"]) == \
            ("blocked", "13900000001")
        assert ivr.vars(out.call_id)["blocked_until"] == ""

        out = await ivr.call([], caller="17001234567")
        assert out.prompts == ["zh/blocked.wav"]
        assert ivr.session(out.call_id)["outcome_detail"] == "1700*"

        for caller in ("13900000002", "13912345678"):          # expired; never listed
            ivr.service.clock_for_next_call = NOW
            out = await ivr.call([{"press": "1"}], caller=caller)
            assert out.prompts == ["zh/menu.wav", "zh/goodbye.wav"]
            assert ivr.steps(out.call_id)[0] == ("check", None, "ok")


@pytest.mark.long
async def test_a_flow_blocks_a_caller_for_five_minutes(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": FLOW}, PROMPTS) as ivr:
        ivr.service.clock_for_next_call = NOW
        out = await ivr.call([{"press": "9"}], caller="13811112222")
        assert ivr.steps(out.call_id)[-2:] == [("abuse", None, "ok"), ("bye", None, "ok")]
        rows = ivr.rows("SELECT number, reason, created_by FROM ivr_blacklist")
        assert rows == [{"number": "13811112222", "reason": "pressed 9", "created_by": "ivr:main/abuse"}]

        ivr.service.clock_for_next_call = NOW + timedelta(minutes=4)
        out = await ivr.call([], caller="13811112222")
        assert out.prompts == ["zh/blocked.wav"]
        assert ivr.vars(out.call_id)["blocked_until"] == "2026-11-25T10:05:00+00:00"

        ivr.service.clock_for_next_call = NOW + timedelta(minutes=6)
        out = await ivr.call([{"press": "1"}], caller="13811112222")
        assert out.prompts == ["zh/menu.wav", "zh/goodbye.wav"]


def test_blocking_extends_and_never_shortens(tmp_path):
    from telephonist.storage import migrate
    from telephonist.storage.database import make_engine
    url = f"sqlite:///{tmp_path / 't.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            block(conn, "139", 30, NOW)
            assert block(conn, "139", 5, NOW).expires_at == NOW + timedelta(minutes=30)     # not shortened
            assert block(conn, "139", 60, NOW).expires_at == NOW + timedelta(minutes=60)    # extended
            assert block(conn, "139", 0, NOW).expires_at is None                            # for good
            assert block(conn, "139", 5, NOW).expires_at is None
            block(conn, "138", 5, NOW)
            assert find_block(conn, "138", NOW + timedelta(minutes=5)) is None              # expired at 10:05
            assert block(conn, "138", 5, NOW + timedelta(minutes=10)).expires_at == NOW + timedelta(minutes=15)
            assert purge_expired(conn, NOW + timedelta(hours=1)) == 1
            assert find_block(conn, "139", NOW + timedelta(days=999)).expires_at is None
    finally:
        engine.dispose()


VIP_FLOW = """
[flow]
numbers = ["4008*"]

[nodes.account]
type = "collect"
prompts = "zh/menu.wav"
var = "account"
max_digits = 8
next = "customer"

[nodes.customer]
type = "lookup"
source = "crm"
query = "SELECT class AS customer_class FROM customers WHERE account = :account"
params = { account = "${account}" }
next = "vip_check"

[nodes.vip_check]
type = "vip"
customer_class = "${customer_class}"
vip = "vip_path"
next = "normal"

[nodes.vip_path]
type = "hangup"
prompts = "zh/vip.wav"

[nodes.normal]
type = "hangup"
prompts = "zh/normal.wav"
"""


@pytest.mark.long
async def test_vip_by_number_or_by_the_class_a_lookup_found(tmp_path):
    crm = tmp_path / "crm.db"
    with sqlite3.connect(crm) as db:
        db.execute("CREATE TABLE customers (account TEXT, class TEXT)")
        db.executemany("INSERT INTO customers VALUES (?, ?)", [("1001", "Gold"), ("1002", "standard")])
    sources = (LookupSource(name="crm", url=f"sqlite:///{crm}"),)
    async with running_ivrd(tmp_path, {"main.toml": VIP_FLOW}, PROMPTS, ivrd={"sources": sources}) as ivr:
        add(ivr, vip, number=None, customer_class="gold", name="金卡客户", target="queue:gold", created_at=NOW)
        add(ivr, vip, number="13700000000", customer_class=None, name="王总", target="ext:8001", created_at=NOW)

        out = await ivr.call([{"press": "1001#"}])
        assert out.prompts == ["zh/menu.wav", "zh/vip.wav"]
        v = ivr.vars(out.call_id)
        assert (v["vip_target"], v["vip_name"]) == ("queue:gold", "金卡客户")
        assert ivr.steps(out.call_id)[2] == ("vip_check", None, "vip")

        out = await ivr.call([{"press": "1002#"}])
        assert out.prompts == ["zh/menu.wav", "zh/normal.wav"]
        assert "vip_target" not in ivr.vars(out.call_id)

        out = await ivr.call([{"press": "1002#"}], caller="13700000000")
        assert out.prompts[-1] == "zh/vip.wav" and ivr.vars(out.call_id)["vip_target"] == "ext:8001"


def test_list_nodes_are_checked_at_load(tmp_path):
    flows = tmp_path / "flows"
    flows.mkdir()
    text = FLOW.replace("minutes = 5", "minutes = -5").replace('next = "menu"', 'next = "menu"\nblocked = "nowhere"')
    (flows / "main.toml").write_text(text)
    with pytest.raises(FlowError) as err:
        load_flows(str(flows), LoadOptions(prompts_dir=str(tmp_path), check_prompts=False))
    lines = text.splitlines()
    blocked_line, minutes_line = lines.index('blocked = "nowhere"') + 1, lines.index("minutes = -5") + 1
    assert [str(p) for p in err.value.problems] == [
        f"{flows}/main.toml:{blocked_line}: node 'check': blocked goes to 'nowhere', which this flow does not have",
        f"{flows}/main.toml:{minutes_line}: node 'abuse': minutes must be 0 (for good) or a positive number of minutes"]
