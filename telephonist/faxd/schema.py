"""faxd's tables (created by the Alembic migration fx01)."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, MetaData, String, Table, Text, false

from telephonist.storage.database import UTCDateTime

metadata = MetaData()

faxes = Table(
    "fax_messages", metadata,
    Column("id", Integer, primary_key=True),
    Column("direction", String(8), nullable=False),          # inbound | outbound
    Column("mailbox", String(64)),                            # inbound: the fax mailbox (route target)
    Column("caller", String(64), nullable=False, default=""),
    Column("dialled", String(64), nullable=False, default=""),
    Column("remote_ident", String(64), nullable=False, default=""),
    Column("pages", Integer, nullable=False, default=0),
    Column("bit_rate", Integer, nullable=False, default=0),
    Column("ecm", Boolean, nullable=False, default=False),
    Column("result_code", Integer, nullable=False),
    Column("result", Text, nullable=False, default=""),
    Column("tiff_path", Text),
    Column("pdf_path", Text),
    Column("call_id", String(64)),
    Column("job_id", Integer),
    Column("emailed_to", Text),                               # the address the fax was mailed to, once it went
    Column("mail_to", Text),                                  # migration fx02: where it is to be mailed ...
    Column("mail_error", Text),                               # ... and the last failure to send it
    Column("created_at", UTCDateTime(), nullable=False),
    # the web admin's inbox (migration wa02): what the fax is about, and who dealt with it
    Column("category", String(16), nullable=False, default="other", server_default="other"),  # complaint, suggestion, other
    Column("handled", Boolean, nullable=False, default=False, server_default=false()),
    Column("handled_by", String(64)),
    Column("handled_at", UTCDateTime()),
)
Index("ix_fax_messages_mailbox", faxes.c.mailbox, faxes.c.created_at)
Index("ix_fax_messages_caller", faxes.c.caller, faxes.c.created_at)        # the pop, the customer's timeline (ix01)

jobs = Table(
    "fax_jobs", metadata,
    Column("id", Integer, primary_key=True),
    Column("document", Text, nullable=False),                # the source the user gave
    Column("tiff_path", Text, nullable=False),               # rendered TIFF-F
    Column("pages", Integer, nullable=False),
    Column("trunk_group", String(64), nullable=False),
    Column("caller_id", String(64), nullable=False, default=""),
    Column("max_attempts", Integer, nullable=False),
    Column("retry_interval_s", Integer, nullable=False),
    Column("state", String(16), nullable=False),             # active | done | failed | cancelled
    Column("created_at", UTCDateTime(), nullable=False),
)

recipients = Table(
    "fax_job_recipients", metadata,
    Column("id", Integer, primary_key=True),
    Column("job_id", Integer, ForeignKey("fax_jobs.id"), nullable=False),
    Column("number", String(64), nullable=False),
    Column("state", String(16), nullable=False),             # pending | sending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_at", UTCDateTime(), nullable=False),
    Column("last_result", Text, nullable=False, default=""),
    Column("pages_sent", Integer, nullable=False, default=0),
    Column("sent_at", UTCDateTime()),
)
Index("ix_fax_recipients_due", recipients.c.state, recipients.c.next_at)
Index("ix_fax_recipients_job", recipients.c.job_id)
