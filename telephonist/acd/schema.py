"""The ACD's tables (created by the Alembic migration ac01).

acd_agents      each agent's state now: what a restarted acd takes up again
acd_agent_log   every change of an agent's state (login time, ready, not ready by reason, talk, hold,
                wrap-up: the agent reports are sums over it)
acd_waiting     callers waiting in a queue or keeping their place for a call back: what a restarted acd
                takes back, at the same places
acd_calls       one row per caller a queue handled: wait, answer, agent, outcome (the queue reports and
                the sticky agent's "who spoke with this number last")
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

from telephonist.storage.database import UTCDateTime

metadata = MetaData()

agents = Table(
    "acd_agents", metadata,
    Column("number", String(32), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("reason", String(32), nullable=False, default=""),
    Column("extension", String(32), nullable=False, default=""),
    Column("since", UTCDateTime(), nullable=False),
)

agent_log = Table(
    "acd_agent_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("agent", String(32), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("from_state", String(16), nullable=False),
    Column("to_state", String(16), nullable=False),
    Column("signal", String(16), nullable=False),
    Column("reason", String(32), nullable=False, default=""),
    Column("queue", String(32)),
    Column("call_id", String(64)),
)
Index("ix_acd_agent_log_agent_at", agent_log.c.agent, agent_log.c.at)

waiting = Table(
    "acd_waiting", metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", String(64), nullable=False, unique=True),
    Column("chan", String(64)),                        # NULL once it left the line to be called back
    Column("queue", String(32), nullable=False),
    Column("caller", String(64), nullable=False, default=""),
    Column("priority", Integer, nullable=False, default=0),
    Column("seq", BigInteger, nullable=False),        # its place
    Column("entered_at", UTCDateTime(), nullable=False),
    Column("state", String(16), nullable=False),      # waiting | callback
    Column("callback_number", String(64), nullable=False, default=""),
    Column("data", Text, nullable=False, default="{}"),
    Column("call_row", Integer),                      # its acd_calls row
)

calls = Table(
    "acd_calls", metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", String(64), nullable=False),
    Column("queue", String(32), nullable=False),
    Column("caller", String(64), nullable=False, default=""),
    Column("entered_at", UTCDateTime(), nullable=False),
    Column("answered_at", UTCDateTime()),
    Column("ended_at", UTCDateTime()),
    Column("agent", String(32)),
    Column("outcome", String(16)),                    # answered | abandoned | timeout | callback | moved
    Column("wait_ms", Integer),
    Column("talk_ms", Integer),
    Column("hold_ms", Integer),
    Column("wrapup_ms", Integer),
    Column("wrapup_code", String(64)),
    Column("note", Text),
)
Index("ix_acd_calls_queue_entered", calls.c.queue, calls.c.entered_at)
Index("ix_acd_calls_caller_answered", calls.c.caller, calls.c.answered_at)
Index("ix_acd_calls_agent", calls.c.agent, calls.c.entered_at)
