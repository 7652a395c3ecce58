"""The dialer's tables (created by the Alembic migration dl01), on the shared metadata.

dl_campaigns   a campaign: its kind, mode, the resource that works it, its strategy (JSON) and state
dl_records     one customer of a campaign: numbers, customer type, ID card, the list's other fields, the
               next dial's time, the outcome so far
dl_attempts    one dial of one number: claimed in the database before chand is asked, so a dialer
               killed at any moment never dials an attempt twice (its chand call_id is "dl-<id>")
dl_dnc         the do-not-call list: a phone number or an ID-card number, why, and who put it there
dl_scripts     call scripts: questions, answer choices, branches, the result fields answers go to (migration dl03)

Migration dl03 also added: a campaign's script (dl_campaigns.script_id); a record's agent (preview: whose list it is
on; an appointment: who takes it) and appointment time (dl_records.agent, callback_at); an attempt's agent and
its script's state, answers included (dl_attempts.agent, script); dl05 the number of questions flagged in it
(dl_attempts.flags, indexed with the campaign).
"""
from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from telephonist.storage.database import UTCDateTime
from telephonist.storage.schema import metadata

campaigns = Table(
    "dl_campaigns", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),            # survey, notice, dunning, confirmation, sales
    Column("mode", String(16), nullable=False),            # agentless (an IVR flow), progressive (an ACD queue)
    Column("target", String(64), nullable=False),          # the flow's or the queue's name
    Column("trunk_group", String(64), nullable=False),
    Column("caller_id", String(32), nullable=False, default=""),
    Column("priority", Integer, nullable=False, default=0),
    Column("state", String(16), nullable=False),           # draft, running, paused, stopped, finished
    Column("strategy", Text, nullable=False),              # JSON, checked by strategy.parse_strategy
    Column("message", Text, nullable=False, server_default="{}"),   # dl04: sms/email/fax: {"subject", "body"}
    Column("report_to", Text, nullable=False, server_default=""),   # dl04: e-mail addresses / numbers for reports
    Column("reported_at", Text, nullable=False, server_default=""), # dl04: the local day of the last daily report
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("script_id", Integer),                          # dl03: the call script its agents follow (dl_scripts)
)

records = Table(
    "dl_records", metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("dl_campaigns.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False, default=""),
    Column("customer_type", String(32), nullable=False, default=""),
    Column("id_card", String(32), nullable=False, default=""),
    Column("phones", Text, nullable=False),                # JSON list, in the order they are tried
    Column("fields", Text, nullable=False, default="{}"),  # JSON object: the list's other columns
    Column("dedup_key", String(254), nullable=False),       # the first phone (or the ID card): duplicates share it
    Column("state", String(16), nullable=False),           # pending, dialing, done, failed, dnc, exhausted
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_phone", Integer, nullable=False, default=0),
    Column("next_at", UTCDateTime()),                      # not before this (NULL: at once)
    Column("outcome", String(16)),                         # the last attempt's: answered, busy, no_answer ...
    Column("result", Text),                                # what the flow or the agent concluded
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("agent", String(32)),                           # dl03: preview: the agent it is assigned to; appointment: its agent
    Column("callback_at", UTCDateTime()),                  # dl03: an appointment: call back then (first, to `agent`)
    UniqueConstraint("campaign_id", "dedup_key", name="uq_dl_records_dedup"),
)
Index("ix_dl_records_due", records.c.campaign_id, records.c.state, records.c.next_at)
Index("ix_dl_records_agent", records.c.agent, records.c.state)
Index("ix_dl_records_id_card", records.c.id_card)                        # the customer timeline (cu02)

attempts = Table(
    "dl_attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, ForeignKey("dl_records.id", ondelete="CASCADE"), nullable=False),
    Column("campaign_id", Integer, nullable=False),
    Column("number", String(254), nullable=False),
    Column("state", String(16), nullable=False),           # claimed, dialing, answered, done
    Column("outcome", String(16)),                         # answered, busy, no_answer, machine, failed, sit, lost
    Column("result", Text),
    Column("chan", String(64)),
    Column("claimed_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime()),
    Column("agent", String(32)),                           # dl03: the agent who dialled it (preview) or took it
    Column("script", Text),                                # dl03: JSON: the script version, where it stands, the answers
    Column("flags", Integer, nullable=False, default=0, server_default="0"),   # dl05: questions flagged in `script`
)
Index("ix_dl_attempts_record", attempts.c.record_id)
Index("ix_dl_attempts_flagged", attempts.c.campaign_id, attempts.c.flags)   # dl05: the campaign page's flags
Index("ix_dl_attempts_state", attempts.c.state)
Index("ix_dl_attempts_number", attempts.c.number)                        # the customer timeline (cu02)

dnc = Table(
    "dl_dnc", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(8), nullable=False),             # phone, id_card
    Column("value", String(32), nullable=False),
    Column("reason", Text, nullable=False, default=""),    # sit, asked, manual, import ...
    Column("source", String(64), nullable=False, default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("kind", "value", name="uq_dl_dnc"),
)

scripts = Table(
    "dl_scripts", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("body", Text, nullable=False),                  # JSON, checked by scripts.save
    Column("version", Integer, nullable=False, default=1),
    Column("updated_by", String(64), nullable=False, default=""),
    Column("updated_at", UTCDateTime(), nullable=False),
)
