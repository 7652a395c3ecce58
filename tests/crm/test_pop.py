"""The screen pop's customer lookup (deskpop.customer) on SQLite and PostgreSQL: by the caller's number, else by
the account the IVR handed over; closed customers are not popped; the timeline comes newest first."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from telephonist.crm import store, timeline
from telephonist.crm.store import CustomerInput
from telephonist.webadmin import deskpop

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def test_pop_finds_by_number_then_by_the_ivr_account(engine):
    with engine.begin() as conn:
        a = store.open_customer(conn, CustomerInput(name="A", phones=["13900000030"], klass="key"), T0)
        b = store.open_customer(conn, CustomerInput(name="B", phones=["13900000031"]), T0)
        for i in range(deskpop.TIMELINE + 2):
            timeline.append(conn, a["id"], "sms", f"sms {i}", at=T0 + timedelta(minutes=i))
        closed = store.open_customer(conn, CustomerInput(name="C", phones=["13900000032"]), T0)
        store.close_customer(conn, closed["id"], T0)
    with engine.connect() as conn:
        pop = deskpop.customer(conn, "+8613900000030"[3:], "")
        assert pop.customer["name"] == "A" and pop.customer["priority"] == 5
        assert [e["summary"] for e in pop.timeline][:2] == [f"sms {deskpop.TIMELINE + 1}", f"sms {deskpop.TIMELINE}"]
        assert len(pop.timeline) == deskpop.TIMELINE
        assert deskpop.customer(conn, "0000", b["number"]).customer["name"] == "B"   # the IVR's account
        assert deskpop.customer(conn, "13900000032", closed["number"]).customer is None
        assert deskpop.customer(conn, "", "").customer is None
