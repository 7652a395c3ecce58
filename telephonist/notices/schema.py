"""The notices' tables (created by the Alembic migration kb01).

notices            what was sent, by whom, to which audience (``agent:N``, ``queue:NAME``, ``role:NAME``, ``all``),
                   until when it shows, and whether on the wallboards too
notice_recipients  one row per agent (a user with an agent ID) the audience meant when it was sent: the read receipt
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, MetaData, String, Table, Text, false

from telephonist.storage.database import UTCDateTime
from telephonist.storage.schema import Id

metadata = MetaData()

notices = Table(
    "notices", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sent_at", UTCDateTime, nullable=False),
    Column("sender", String(64), nullable=False),
    Column("audience", String(80), nullable=False),
    Column("text", Text, nullable=False),
    Column("wallboard", Boolean, nullable=False, server_default=false()),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("withdrawn_at", UTCDateTime),
)
Index("ix_notices_sent_at", notices.c.sent_at)

recipients = Table(
    "notice_recipients", metadata,
    Column("notice_id", Id, ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Id, primary_key=True),
    Column("username", String(64), nullable=False),
    Column("agent_id", String(32), nullable=False),
    Column("read_at", UTCDateTime),
)
Index("ix_notice_recipients_user", recipients.c.user_id, recipients.c.read_at)
