"""The call-record tables as SQLAlchemy Core sees them, for queries.

The schema in a database is created and changed only by the Alembic
migrations (telephonist/migrations/versions/); these definitions must match
the head revision (tests/storage/test_migrations.py compares them).
"""
from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Index, Integer, MetaData, Table, Text

from telephonist.storage.database import UTCDateTime

# Integer primary keys: BIGINT on PostgreSQL; INTEGER on SQLite, where only
# "INTEGER PRIMARY KEY" is the 64-bit rowid that numbers itself.
Id = BigInteger().with_variant(Integer(), "sqlite")

DIRECTIONS = frozenset({"inbound", "outbound"})
DISPOSITIONS = frozenset({"answered", "busy", "no_answer", "failed", "abandoned", "interrupted"})

metadata = MetaData()

call_legs = Table(
    "call_legs", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("call_id", Text, nullable=False),            # groups the legs of one call
    Column("direction", Text, nullable=False),          # inbound | outbound
    Column("span", Text, nullable=False),
    Column("channel", Integer, nullable=False),
    Column("trunk_group", Text),
    Column("caller", Text, nullable=False),
    Column("dialled", Text, nullable=False),
    Column("application", Text),
    Column("state", Text, nullable=False),
    Column("disposition", Text),                        # one of DISPOSITIONS once closed
    Column("hangup_cause", Text),
    Column("started_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime),
    Column("ended_at", UTCDateTime),                    # NULL while the leg is open
    Column("ring_ms", Integer),
    Column("talk_ms", Integer),
    Column("recording_path", Text),
    Column("node", Text, nullable=False),               # which chand instance wrote it
    Column("agent", Text),                              # the agent who took the call (the ACD says)
    Column("queue", Text),                              # the queue it came through
    CheckConstraint("direction IN ('inbound', 'outbound')", name="ck_call_legs_direction"),
)
Index("ix_call_legs_started_at", call_legs.c.started_at)
Index("ix_call_legs_caller", call_legs.c.caller)
Index("ix_call_legs_dialled", call_legs.c.dialled)
Index("ix_call_legs_call_id", call_legs.c.call_id)
Index("ix_call_legs_disposition", call_legs.c.disposition)
Index("ix_call_legs_agent", call_legs.c.agent)
Index("ix_call_legs_queue", call_legs.c.queue)
# Open legs of a node, for close_interrupted() at start-up: small, whatever the table's size.
Index("ix_call_legs_open", call_legs.c.node,
      sqlite_where=call_legs.c.ended_at.is_(None), postgresql_where=call_legs.c.ended_at.is_(None))

call_events = Table(
    "call_events", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("leg_id", Id, ForeignKey("call_legs.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", Text, nullable=False),               # ring, answer, dtmf, play, record, transfer, ...
    Column("data", Text, nullable=False),               # JSON object
)
Index("ix_call_events_leg_id_at", call_events.c.leg_id, call_events.c.at)

LEG_COLUMNS = tuple(c.name for c in call_legs.columns)
UPDATABLE = frozenset(LEG_COLUMNS) - {"id"}
