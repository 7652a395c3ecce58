"""The web admin's tables as SQLAlchemy Core sees them (created by migration wa01).

Kept apart from telephonist.storage.schema (call records); tests/webadmin/test_schema.py
checks these match what the migrations make.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, MetaData, Table, Text, false, true

from telephonist.storage.database import UTCDateTime
from telephonist.storage.schema import Id

metadata = MetaData()

roles = Table(
    "wa_roles", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False, unique=True),
    Column("builtin", Boolean, nullable=False, server_default=false()),
    Column("description", Text, nullable=False, server_default=""),
)

role_rights = Table(
    "wa_role_rights", metadata,
    Column("role_id", Id, ForeignKey("wa_roles.id", ondelete="CASCADE"), primary_key=True),
    Column("right_name", Text, primary_key=True),
)

# The rights a version's defaults have given each built-in role (migration wa05): a right a newer version adds
# to a built-in role's defaults reaches databases made before it once, and one an administrator took away
# stays away.
builtin_offers = Table(
    "wa_builtin_offers", metadata,
    Column("role_name", Text, primary_key=True),
    Column("right_name", Text, primary_key=True),
)

users = Table(
    "wa_users", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", Text, nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role_id", Id, ForeignKey("wa_roles.id"), nullable=False),
    Column("agent_id", Text),                  # the agent's id in call records (data right "own calls")
    Column("language", Text),                  # zh | en | NULL: the browser's
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime),
)

sessions = Table(
    "wa_sessions", metadata,
    Column("id", Text, primary_key=True),
    Column("user_id", Id, ForeignKey("wa_users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("ip", Text),
)
Index("ix_wa_sessions_user_id", sessions.c.user_id)

api_tokens = Table(
    "wa_api_tokens", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("token_hash", Text, nullable=False, unique=True),
    Column("user_id", Id, ForeignKey("wa_users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

audit_log = Table(
    "wa_audit_log", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("user_id", Id),
    Column("username", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("target", Text, nullable=False, server_default=""),
    Column("detail", Text, nullable=False, server_default="{}"),
    Column("ip", Text),
)
Index("ix_wa_audit_log_at", audit_log.c.at)
