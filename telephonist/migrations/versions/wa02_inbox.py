"""Web admin: faxes get a category and a handled mark (the inbox); built-in roles get the new rights.

The rights of the configuration pages and the voicemail/fax inbox came after wa01:
roles the database already has get them here (a fresh database gets them from
ensure_builtin_roles). Written by hand and frozen.

Revision ID: wa02
Revises: iv01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from telephonist.storage.database import UTCDateTime

revision = "wa02"
down_revision = "iv01"
branch_labels = None
depends_on = None

NEW_RIGHTS = {
    "administrator": ["config.routing", "config.flows", "config.lists", "config.voicemail", "config.fax",
                      "inbox.view", "inbox.all", "inbox.listen"],
    "supervisor": ["config.lists", "config.voicemail", "inbox.view", "inbox.all", "inbox.listen"],
    "agent": ["inbox.view", "inbox.listen"],
}


def upgrade() -> None:
    op.add_column("fax_messages", sa.Column("category", sa.String(16), nullable=False, server_default="other"))
    op.add_column("fax_messages", sa.Column("handled", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("fax_messages", sa.Column("handled_by", sa.String(64)))
    op.add_column("fax_messages", sa.Column("handled_at", UTCDateTime()))
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
    rights = sa.table("wa_role_rights", sa.column("right_name"))
    op.get_bind().execute(sa.delete(rights).where(rights.c.right_name.in_(sorted(set(sum(NEW_RIGHTS.values(), []))))))
    with op.batch_alter_table("fax_messages") as b:
        for col in ("handled_at", "handled_by", "handled", "category"):
            b.drop_column(col)
