"""Web admin: users, roles and their rights, login sessions, API tokens and the audit log.

Revision ID: wa01
Revises: 0001
Create Date: 2026-11-23

Written by hand and frozen (types spelled out, no import of telephonist.webadmin.schema).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "wa01"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "wa_roles",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text(), nullable=False, unique=True),
        sa.Column("builtin", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
    )
    op.create_table(
        "wa_role_rights",
        sa.Column("role_id", ID, sa.ForeignKey("wa_roles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("right_name", sa.Text(), primary_key=True),
    )
    op.create_table(
        "wa_users",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("username", sa.Text(), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role_id", ID, sa.ForeignKey("wa_roles.id"), nullable=False),
        sa.Column("agent_id", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        _ts("locked_until"),
        _ts("created_at", nullable=False),
        _ts("last_login_at"),
    )
    op.create_table(
        "wa_sessions",
        sa.Column("id", sa.Text(), primary_key=True),            # sha256 of the cookie's secret
        sa.Column("user_id", ID, sa.ForeignKey("wa_users.id", ondelete="CASCADE"), nullable=False),
        _ts("created_at", nullable=False),
        _ts("last_seen_at", nullable=False),
        sa.Column("ip", sa.Text(), nullable=True),
    )
    op.create_index("ix_wa_sessions_user_id", "wa_sessions", ["user_id"])
    op.create_table(
        "wa_api_tokens",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False, unique=True),
        sa.Column("user_id", ID, sa.ForeignKey("wa_users.id", ondelete="CASCADE"), nullable=False),
        _ts("created_at", nullable=False),
        _ts("last_used_at"),
        _ts("revoked_at"),
    )
    op.create_table(
        "wa_audit_log",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        _ts("at", nullable=False),
        sa.Column("user_id", ID, nullable=True),                  # no FK: the log outlives users
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False, server_default=""),
        sa.Column("detail", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("ip", sa.Text(), nullable=True),
    )
    op.create_index("ix_wa_audit_log_at", "wa_audit_log", ["at"])


def downgrade() -> None:
    op.drop_table("wa_audit_log")
    op.drop_table("wa_api_tokens")
    op.drop_table("wa_sessions")
    op.drop_table("wa_users")
    op.drop_table("wa_role_rights")
    op.drop_table("wa_roles")
