"""The shifts' tables (created by the Alembic migration kb01).

shift_patterns  a named shift: start and end (site time; an end before the start ends the next day), the weekdays
                it is worked (ISO numbers, "12345" Monday to Friday) and the minutes of grace before a login is late
                or a logout an early leave
rosters         which agent works which pattern on which day (one shift per agent and day)
"""
from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, MetaData, String, Table, UniqueConstraint

from telephonist.storage.schema import Id

metadata = MetaData()

patterns = Table(
    "shift_patterns", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("starts", String(5), nullable=False),       # HH:MM
    Column("ends", String(5), nullable=False),         # HH:MM (before starts: the next day)
    Column("days", String(7), nullable=False),         # ISO weekdays, "1234567"
    Column("grace_min", Integer, nullable=False, server_default="5"),
)

rosters = Table(
    "rosters", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("agent_id", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("pattern_id", Id, ForeignKey("shift_patterns.id"), nullable=False),
    UniqueConstraint("agent_id", "day", name="uq_rosters_agent_day"),
)
Index("ix_rosters_day", rosters.c.day)
