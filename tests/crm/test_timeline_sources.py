"""The customer's timeline reads what other areas' own tables know about the customer (crm/sources.py), on SQLite and
PostgreSQL: IVR sessions with the self-service used, survey answers, work orders' SMS, work orders taken from the
customer's number, and the dialer's records (calls, SMS and e-mail campaigns, survey campaigns), each with its
summary and console link, newest first, by the customer's numbers spelled as the call records keep them (the digits
or with a leading +), its e-mail address (a custom field) or its ID-card number; another customer's items stay out,
and a campaign record already on the timeline (a work order's follow-up) is shown once."""
from __future__ import annotations

import sqlalchemy as sa

from telephonist.crm import store, timeline
from telephonist.webadmin import deskpop
from tests.crm.timeline_support import A_PHONE, seed


def test_every_source_shows_with_its_summary_and_link_newest_first(engine):
    ids = seed(engine)
    with engine.connect() as conn:
        a = store.get(conn, ids["a"]["id"])
        got = [(e["kind"], e["summary"], e["link"]) for e in timeline.whole(conn, a)]
    assert got == [
        ("campaign", "satisfaction: answered · 4", f"/workorders/{ids['linked']}"),      # the follow-up, once
        ("campaign", "upsell: no_answer", f"/campaigns/{ids['sales_c']}"),
        ("email", "bill-mail: failed", f"/campaigns/{ids['mail_c']}"),
        ("email", "bill-mail: sent", f"/campaigns/{ids['mail_c']}"),
        ("sms", "bill-sms: sent", f"/campaigns/{ids['sms_c']}"),
        ("survey", "satisfaction: answered · 5", f"/campaigns/{ids['survey_c']}"),
        ("sms", "sent · your order is closed", f"/workorders/{ids['order']}"),
        ("work_order", "repair: linked order", f"/workorders/{ids['linked']}"),
        ("work_order", "repair: gas leak · accepted", f"/workorders/{ids['order']}"),
        ("survey", "satisfied (1) · claims · 1001", f"/calls/{ids['leg_ivr']}"),
        ("call", "claims · 1001 · answered", f"/calls/{ids['leg_ivr']}"),                 # the queue's part of it
        ("ivr", "main · queue · queue:claims · policy_query ok", f"/calls/{ids['leg_ivr']}"),
    ]


def test_another_customers_items_stay_out_and_its_own_show(engine):
    ids = seed(engine)
    with engine.connect() as conn:
        b = store.get(conn, ids["b"]["id"])
        got = [(e["kind"], e["summary"]) for e in timeline.whole(conn, b)]
    assert got == [("campaign", "upsell: answered · bought"), ("sms", "waiting · B's sms"),
                   ("work_order", "repair: B's leak · accepted"), ("survey", "dissatisfied (3) · claims · 1002"),
                   ("ivr", "main · queue · queue:claims")]


def test_the_pop_shows_the_latest_of_all_sources(engine):
    ids = seed(engine)
    with engine.connect() as conn:
        pop = deskpop.customer(conn, A_PHONE, "")
    assert pop.customer["id"] == ids["a"]["id"] and len(pop.timeline) == deskpop.TIMELINE
    assert [e["kind"] for e in pop.timeline][:6] == ["campaign", "campaign", "email", "email", "sms", "survey"]
    assert all(e["at"] >= pop.timeline[i + 1]["at"] for i, e in enumerate(pop.timeline[:-1]))


def test_each_lookup_is_an_index_search_on_sqlite(engine):
    """Every query the timeline runs searches an index (a scan of a table would read it whole on a big site)."""
    if engine.dialect.name != "sqlite":
        return
    ids = seed(engine)
    seen: list[tuple[str, object]] = []

    def note(conn, cursor, stmt, params, context, executemany):
        seen.append((stmt, params))

    with engine.connect() as conn:
        customer = store.get(conn, ids["a"]["id"])
        sa.event.listen(engine, "before_cursor_execute", note)
        try:
            entries = timeline.whole(conn, customer)
        finally:
            sa.event.remove(engine, "before_cursor_execute", note)
    assert {e["kind"] for e in entries} >= {"ivr", "survey", "sms", "email", "work_order", "campaign"}
    scans = []
    raw = engine.raw_connection()
    try:
        for stmt, params in seen:
            if stmt.lstrip().upper().startswith("SELECT"):
                plan = raw.cursor().execute("EXPLAIN QUERY PLAN " + stmt, params).fetchall()
                scans += [(row[-1], stmt) for row in plan
                          if row[-1].startswith("SCAN ") and row[-1] != "SCAN CONSTANT ROW"]
    finally:
        raw.close()
    assert scans == []
