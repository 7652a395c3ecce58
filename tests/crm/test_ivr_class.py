"""The customer file in a flow: a lookup node reads the caller's customer (number and class) from the console's
database, and the vip node sends a VIP customer to its green channel (the VIP list's class entry)."""
from __future__ import annotations

import pytest

from telephonist.config.model import LookupSource
from telephonist.crm import store
from telephonist.crm.store import CustomerInput
from telephonist.ivrd import db
from telephonist.webadmin.ivrlists import add_vip
from tests.support.ivrd_harness import running_ivrd

FLOW = """
[flow]
numbers = ["4008*"]

[nodes.who]
type = "lookup"
source = "crm"
query = "SELECT c.number AS account, c.class AS customer_class FROM customers c JOIN customer_phones p ON p.customer_id = c.id WHERE p.number = :caller AND c.status = 'open'"
params = { caller = "${caller}" }
next = "green"
on_empty = "menu"

[nodes.green]
type = "vip"
customer_class = "${customer_class}"
vip = "vip_hello"
next = "menu"

[nodes.vip_hello]
type = "hangup"
prompts = "zh/vip.wav"

[nodes.menu]
type = "hangup"
prompts = "zh/menu.wav"
"""


def _fill(conn):
    store.open_customer(conn, CustomerInput(name="VIP", phones=["13900000070"], klass="vip"))
    store.open_customer(conn, CustomerInput(name="Plain", phones=["13900000071"]))
    add_vip(conn, "", "vip", "green channel", "queue:vip")


@pytest.mark.long
async def test_a_vip_customer_takes_the_green_channel(tmp_path):
    url = f"sqlite:///{tmp_path / 'telephonist.db'}"
    sources = (LookupSource(name="crm", kind="sql", url=url, timeout_ms=3000),)
    async with running_ivrd(tmp_path, {"hotline.toml": FLOW}, ["zh/vip.wav", "zh/menu.wav"], db_url=url,
                            ivrd={"sources": sources}) as ivr:
        db.write(ivr.db, _fill)
        out = await ivr.call([], caller="13900000070")
        assert out.prompts == ["zh/vip.wav"]
        v = ivr.vars(out.call_id)
        assert (v["customer_class"], v["vip_target"], v["account"]) == ("vip", "queue:vip", "10000001")
        out = await ivr.call([], caller="13900000071")
        assert out.prompts == ["zh/menu.wav"] and ivr.vars(out.call_id)["customer_class"] == ""
        out = await ivr.call([], caller="13900000099")
        assert out.prompts == ["zh/menu.wav"]
