"""The screen pop's reads on SQLite and on PostgreSQL: a caller's earlier queue calls (latest first, with the
leg that has a recording), voicemails (not the deleted ones) and faxes from the number, the IVR path in
order, the recording a pop may play (an earlier call of that number only), a call the agent took (for the
pop in wrap-up) and the seat an agent last sat at."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from telephonist.acd.schema import agents as acd_agents
from telephonist.acd.schema import calls as acd_calls
from telephonist.faxd.schema import faxes
from telephonist.ivrd.schema import steps, voicemail_messages
from telephonist.storage.schema import call_legs
from telephonist.webadmin import deskpop
from tests.support.database import BOTH, migrated_engine
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)

NUMBER = "13912345678"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(params=BOTH)
def engine(request, tmp_path):
    yield from migrated_engine(request, tmp_path)


def _leg(call_id: str, caller: str, recording: str | None) -> dict:
    return dict(call_id=call_id, direction="inbound", span="callers", channel=1, caller=caller, dialled="4009001234",
                state="idle", started_at=T0, node="t", recording_path=recording)


def _fill(conn) -> dict[str, int]:
    blank = dict(agent=None, outcome=None, wrapup_code=None, note=None)
    conn.execute(sa.insert(acd_calls), [blank | row for row in (
        dict(call_id="old", queue="sales", caller=NUMBER, entered_at=T0, agent="1002", outcome="answered",
             wrapup_code="sold", note="gold plan"),
        dict(call_id="newer", queue="claims", caller=NUMBER, entered_at=T0 + timedelta(days=1), agent="1001",
             outcome="abandoned"),
        dict(call_id="someone", queue="sales", caller="13800000000", entered_at=T0, agent="1001", outcome="answered"),
        dict(call_id="now", queue="sales", caller=NUMBER, entered_at=T0 + timedelta(days=2), agent="1001"),
    )])
    legs = {}
    for call_id, caller, rec in (("old", NUMBER, None), ("old", "8002", "2026/12/01/old.wav"),
                                 ("someone", "13800000000", "2026/12/01/someone.wav")):
        legs[f"{call_id}:{caller}"] = conn.execute(sa.insert(call_legs).values(**_leg(call_id, caller, rec))).inserted_primary_key[0]
    conn.execute(sa.insert(voicemail_messages), [
        dict(mailbox="1001", caller=NUMBER, path="a.wav", duration_ms=9000, state="new", created_at=T0),
        dict(mailbox="1001", caller=NUMBER, path="b.wav", duration_ms=0, state="deleted", created_at=T0),
    ])
    conn.execute(sa.insert(faxes).values(direction="inbound", caller=NUMBER, result_code=0, pages=2, created_at=T0))
    conn.execute(sa.insert(steps), [
        dict(call_id="now", flow="hotline", node=node, node_type="menu", digits=digits, result="ok",
             at=T0 + timedelta(seconds=i)) for i, (node, digits) in enumerate([("menu", "2"), ("policy", "1234"),
                                                                                ("operator", None)])])
    conn.execute(sa.insert(acd_agents).values(number="1001", state="logged_out", extension="8005", since=T0))
    return legs


def test_the_pop_reads_the_callers_history(engine):
    with engine.begin() as conn:
        legs = _fill(conn)
    with engine.connect() as conn:
        earlier = deskpop.earlier_calls(conn, NUMBER, "now")
        assert [(c["call_id"], c["wrapup_code"], c["note"], c["recording_leg"]) for c in earlier] == [
            ("newer", None, None, None), ("old", "sold", "gold plan", legs["old:8002"])]
        assert [(v["mailbox"], v["duration_ms"]) for v in deskpop.voicemails(conn, NUMBER)] == [("1001", 9000)]
        assert [f["pages"] for f in deskpop.fax_list(conn, NUMBER)] == [2]
        assert [(s["node"], s["digits"]) for s in deskpop.menu_path(conn, "now")] == [
            ("menu", "2"), ("policy", "1234"), ("operator", None)]
        assert deskpop.recording_leg(conn, legs["old:8002"], NUMBER)["recording_path"] == "2026/12/01/old.wav"
        assert deskpop.recording_leg(conn, legs["someone:13800000000"], NUMBER) is None     # not this caller's
        assert deskpop.taken_call(conn, "now", "1001")["caller"] == NUMBER
        assert deskpop.taken_call(conn, "old", "1001") is None                              # 1002's call
        assert deskpop.last_seat(conn, "1001") == "8005" and deskpop.last_seat(conn, "1009") == ""
        assert deskpop.earlier_calls(conn, "", "now") == [] and deskpop.voicemails(conn, "") == []
