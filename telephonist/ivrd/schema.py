"""ivrd's tables (created by the Alembic migration iv01).

What callers do in the flows (steps, survey answers), the lists operators keep
(blacklist, VIP, holidays, self-service accounts) and voicemail. Flows and
schedules themselves are files (etc/telephonist/flows/); these tables hold
what changes every day and is edited in the web admin.
"""
from __future__ import annotations

from sqlalchemy import (Boolean, Column, Date, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)

from telephonist.storage.database import UTCDateTime

metadata = MetaData()

# One row per node a call passes through: the IVR path of a call and the
# self-service counts of the reports (by `tag` and day).
steps = Table(
    "ivr_steps", metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", String(64), nullable=False),
    Column("chan", String(64), nullable=False, default=""),
    Column("flow", String(64), nullable=False),
    Column("node", String(64), nullable=False),
    Column("node_type", String(32), nullable=False),
    Column("tag", String(64)),                        # the self-service type a report counts (policy_query ...)
    Column("digits", String(64)),                     # what the caller pressed at this node
    Column("result", String(64), nullable=False),     # ok, timeout, invalid, blocked, error, hangup ...
    Column("detail", Text),                           # JSON: variables set, error text
    Column("caller", String(64), nullable=False, default=""),
    Column("dialled", String(64), nullable=False, default=""),
    Column("at", UTCDateTime(), nullable=False),
)
Index("ix_ivr_steps_call", steps.c.call_id)
Index("ix_ivr_steps_at", steps.c.at)
Index("ix_ivr_steps_tag", steps.c.tag, steps.c.at)

# One row per call that entered a flow: where it ended.
sessions = Table(
    "ivr_sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", String(64), nullable=False),
    Column("chan", String(64), nullable=False),
    Column("flow", String(64), nullable=False),       # the flow it entered by
    Column("caller", String(64), nullable=False, default=""),
    Column("dialled", String(64), nullable=False, default=""),
    Column("language", String(8), nullable=False, default=""),
    Column("outcome", String(32)),                    # hangup, abandoned, queue, extension, external, voicemail, fax, fallback
    Column("outcome_detail", Text),                   # queue:claims, 8001, mailbox 100 ...
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime()),
)
Index("ix_ivr_sessions_started", sessions.c.started_at)
Index("ix_ivr_sessions_call", sessions.c.call_id)
Index("ix_ivr_sessions_caller", sessions.c.caller, sessions.c.started_at)          # the customer timeline (cu02)

survey_results = Table(
    "ivr_survey_results", metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", String(64), nullable=False),
    Column("agent", String(64), nullable=False, default=""),      # agent or extension the caller spoke to
    Column("queue", String(64), nullable=False, default=""),
    Column("caller", String(64), nullable=False, default=""),
    Column("digit", String(1), nullable=False),
    Column("answer", String(16), nullable=False),     # satisfied, neutral, dissatisfied, complaint
    Column("created_at", UTCDateTime(), nullable=False),
)
Index("ix_ivr_survey_agent", survey_results.c.agent, survey_results.c.created_at)
Index("ix_ivr_survey_caller", survey_results.c.caller, survey_results.c.created_at)  # the customer timeline (cu02)

blacklist = Table(
    "ivr_blacklist", metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(64), nullable=False, unique=True),   # exact number, or a prefix ending in *
    Column("reason", Text, nullable=False, default=""),
    Column("expires_at", UTCDateTime()),              # NULL: for good
    Column("created_by", String(64), nullable=False, default=""),
    Column("created_at", UTCDateTime(), nullable=False),
)

vip = Table(
    "ivr_vip", metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(64), unique=True),        # a caller number, or NULL when by class
    Column("customer_class", String(32)),             # gold, platinum ... (matched against a lookup result)
    Column("name", Text, nullable=False, default=""),
    Column("target", String(64), nullable=False, default=""),   # optional: where VIP calls go (queue:vip)
    Column("created_at", UTCDateTime(), nullable=False),
)

# Dates that override the calendar for schedules: extra closures, or extra working days.
holidays = Table(
    "ivr_holidays", metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False),
    Column("kind", String(8), nullable=False),        # holiday | workday
    Column("name", Text, nullable=False, default=""),
    Column("schedule", String(64), nullable=False, default=""),  # "" = every schedule
    UniqueConstraint("day", "schedule", name="uq_ivr_holidays_day"),
)

# Self-service logins: policy holders, insurance agents, gas accounts, bank customers.
accounts = Table(
    "ivr_accounts", metadata,
    Column("id", Integer, primary_key=True),
    Column("realm", String(32), nullable=False),      # which login: policy, agent, gas, bank ...
    Column("account", String(64), nullable=False),
    Column("password_hash", Text, nullable=False),    # werkzeug.security (scrypt)
    Column("failures", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime()),
    Column("last_login_at", UTCDateTime()),
    Column("changed_at", UTCDateTime()),
    UniqueConstraint("realm", "account", name="uq_ivr_accounts_login"),
)

voicemail_boxes = Table(
    "voicemail_boxes", metadata,
    Column("id", Integer, primary_key=True),
    Column("mailbox", String(32), nullable=False, unique=True),  # its number (extension or service)
    Column("name", Text, nullable=False, default=""),
    Column("pin_hash", Text, nullable=False),
    Column("email", Text, nullable=False, default=""),           # notify by e-mail, audio attached
    Column("sms_number", String(32), nullable=False, default=""),  # notify by SMS through the GSM modem
    Column("greeting_path", Text),                    # NULL: the standard greeting
    Column("max_message_s", Integer, nullable=False, default=120),
    Column("language", String(8), nullable=False, default="zh"),
    Column("pin_failures", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime()),
    Column("created_at", UTCDateTime(), nullable=False),
)

voicemail_messages = Table(
    "voicemail_messages", metadata,
    Column("id", Integer, primary_key=True),
    Column("mailbox", String(32), nullable=False),
    Column("caller", String(64), nullable=False, default=""),
    Column("dialled", String(64), nullable=False, default=""),
    Column("call_id", String(64)),
    Column("path", Text, nullable=False),             # WAV 8 kHz mono
    Column("duration_ms", Integer, nullable=False, default=0),
    Column("category", String(16), nullable=False, default="other"),  # complaint, suggestion, other
    Column("state", String(8), nullable=False, default="new"),        # new, saved, deleted
    Column("handled", Boolean, nullable=False, default=False),
    Column("handled_by", String(64)),
    Column("handled_at", UTCDateTime()),
    Column("forwarded_from", Integer),                # message id it is a copy of
    Column("notified_email_at", UTCDateTime()),
    Column("notified_sms_at", UTCDateTime()),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("heard_at", UTCDateTime()),
)
Index("ix_voicemail_messages_box", voicemail_messages.c.mailbox, voicemail_messages.c.state,
      voicemail_messages.c.created_at)
Index("ix_voicemail_messages_caller", voicemail_messages.c.caller, voicemail_messages.c.created_at)  # the pop (ix01)
