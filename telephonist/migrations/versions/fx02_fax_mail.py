"""faxd: a received fax remembers where its e-mail must go and why it has not gone yet.

The row of a received fax is written before its e-mail is sent; `mail_to` is the
address the mailbox had then and `mail_error` the last failure, so faxd can try
again (and an operator can see why a fax was not mailed). Written by hand and frozen.

Revision ID: fx02
Revises: wa02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "fx02"
down_revision = "ac01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("fax_messages", sa.Column("mail_to", sa.Text))
    op.add_column("fax_messages", sa.Column("mail_error", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("fax_messages") as b:
        for col in ("mail_error", "mail_to"):
            b.drop_column(col)
