"""Web admin: remember which rights each built-in role was given, so that newer versions' rights reach it.

Until now a right added to a built-in role's defaults reached databases made before it only through a
migration of its own (wa02 did that by hand) or not at all (the agent desktop's desk.use, supervise.use and
wallboard.view). From here on ensure_builtin_roles gives a built-in role each default right it was never
offered, once, and records it in wa_builtin_offers. This migration seeds the table with the defaults as they
were at fx02, so an upgraded database gets the desktop's rights at the console's next start and keeps what an
administrator took away before. Written by hand and frozen.

Revision ID: wa05
Revises: fx02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "wa05"
down_revision = "fx02"
branch_labels = None
depends_on = None

# The built-in roles' default rights at fx02 (the administrator holds every right in any case).
DEFAULTS_AT_FX02 = {
    "supervisor": ["calls.view", "calls.all", "calls.export", "recordings.listen", "recordings.download", "live.view",
                   "calls.originate", "reports.view", "config.view", "config.lists", "config.voicemail",
                   "inbox.view", "inbox.all", "inbox.listen"],
    "agent": ["calls.view", "recordings.listen", "live.view", "calls.originate", "inbox.view", "inbox.listen"],
    "auditor": ["calls.view", "calls.all", "calls.export", "recordings.listen", "reports.view", "admin.audit"],
}


def upgrade() -> None:
    offers = op.create_table(
        "wa_builtin_offers",
        sa.Column("role_name", sa.Text, primary_key=True),
        sa.Column("right_name", sa.Text, primary_key=True),
    )
    roles = sa.table("wa_roles", sa.column("name"), sa.column("builtin"))
    present = set(op.get_bind().execute(sa.select(roles.c.name).where(roles.c.builtin == sa.true())).scalars())
    rows = [{"role_name": name, "right_name": r} for name, rights in DEFAULTS_AT_FX02.items() if name in present
            for r in rights]
    if rows:
        op.bulk_insert(offers, rows)


def downgrade() -> None:
    op.drop_table("wa_builtin_offers")
