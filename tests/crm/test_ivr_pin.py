"""A customer's phone PIN, set in the customer file, is what ivrd's authenticate node checks (realm
"customer", the customer number as the account); a closed customer no longer logs in."""
from __future__ import annotations

from telephonist.crm import store
from telephonist.crm.store import CustomerInput
from telephonist.ivrd import db
from tests.support.ivrd_harness import running_ivrd

FLOW = """
[flow]
numbers = ["4008*"]

[nodes.login]
type = "authenticate"
realm = "customer"
account_prompts = "zh/enter-customer-number.wav"
password_prompts = "zh/enter-pin.wav"
attempts = 1
next = "menu"
on_fail = "bye"

[nodes.menu]
type = "play"
prompts = "zh/self-service.wav"
next = "bye"

[nodes.bye]
type = "hangup"
prompts = "zh/goodbye.wav"
"""
PROMPTS = ["zh/enter-customer-number.wav", "zh/enter-pin.wav", "zh/self-service.wav", "zh/goodbye.wav"]


def _open(conn):
    return store.open_customer(conn, CustomerInput(name="张三", phones=["13900000040"], pin="3579"))


async def test_the_authenticate_node_checks_the_customers_pin(tmp_path):
    async with running_ivrd(tmp_path, {"gas.toml": FLOW}, PROMPTS) as ivr:
        c = db.write(ivr.db, _open)
        keys = [{"press": c["number"] + "#"}, {"press": "3579#"}]
        out = await ivr.call(keys)
        assert out.prompts == ["zh/enter-customer-number.wav", "zh/enter-pin.wav", "zh/self-service.wav",
                               "zh/goodbye.wav"]
        assert ivr.vars(out.call_id)["auth_account"] == c["number"]
        db.write(ivr.db, store.close_customer, c["id"])
        out = await ivr.call(keys)
        assert out.prompts == ["zh/enter-customer-number.wav", "zh/enter-pin.wav", "zh/goodbye.wav"]
