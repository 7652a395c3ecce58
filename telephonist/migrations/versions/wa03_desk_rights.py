"""Web admin: the built-in roles get the rights of the agent desktop, the supervisor page and the wallboard.

`desk.use`, `supervise.use` and `wallboard.view` came after the built-in roles were first written: a database
made before them has roles without them (a fresh database gets them from ensure_builtin_roles). Each built-in
role gets those a fresh install gives it; rights a role holds already, and custom roles, are left alone, so
running it on a database that has them changes nothing. Written by hand and frozen.

Revision ID: wa03
Revises: fx02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "wa03"
down_revision = "fx02"
branch_labels = None
depends_on = None

NEW_RIGHTS = {                     # as rights.BUILTIN_ROLES has them (frozen here: that dict may change later)
    "administrator": ["desk.use", "supervise.use", "wallboard.view"],
    "supervisor": ["desk.use", "supervise.use", "wallboard.view"],
    "agent": ["desk.use"],
}


def upgrade() -> None:
    roles = sa.table("wa_roles", sa.column("id"), sa.column("name"), sa.column("builtin"))
    rights = sa.table("wa_role_rights", sa.column("role_id"), sa.column("right_name"))
    conn = op.get_bind()
    for name, new in NEW_RIGHTS.items():
        rid = conn.execute(sa.select(roles.c.id).where(roles.c.name == name, roles.c.builtin == sa.true())).scalar()
        if rid is None:
            continue
        have = set(conn.execute(sa.select(rights.c.right_name).where(rights.c.role_id == rid)).scalars())
        rows = [{"role_id": rid, "right_name": r} for r in new if r not in have]
        if rows:
            conn.execute(sa.insert(rights), rows)


def downgrade() -> None:
    """Nothing: the code of fx02 knew these rights already, and which roles held them before cannot be told."""
