"""The work orders' tables (created by the Alembic migration wo01).

wo_orders       one row per order: its type, fields, state, where it is (unit, assignee), the customer
                (customer_id: the customer file's id, checked by the store, which also writes the order's opening and end
                into the customer's timeline; the caller's number and name are kept on the order), its deadline and how far the sweep escalated it
wo_history      every move, comment, assignment, reminder and escalation of an order (the time per state
                in the reports is read from the moves)
wo_attachments  a photo or file uploaded into the attachments folder, or a reference to a call's
                recording (a call leg) or a fax
wo_sms          the customers' SMS waiting for the modem, and what became of each
wo_followups    (wo02) a closed order's follow-up call: the dialer campaign and record it went to, and the
                campaign's outcome once it is on the customer's timeline
wo_notices      (wo02) a reminder's or escalation's e-mail or SMS to a member or head, until it is sent
"""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, String, Table, Text

from telephonist.storage.database import UTCDateTime
from telephonist.storage.schema import Id

metadata = MetaData()

orders = Table(
    "wo_orders", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("type", String(32), nullable=False),
    Column("title", Text, nullable=False, server_default=""),
    Column("description", Text, nullable=False, server_default=""),
    Column("fields", Text, nullable=False, server_default="{}"),       # JSON: the type's fields
    Column("priority", String(8), nullable=False),                     # low | normal | high | urgent
    Column("state", String(16), nullable=False),
    Column("unit", String(32), nullable=False),                        # department, branch or crew
    Column("assignee", String(64)),                                    # username
    Column("customer_id", Id),                                         # the customer file's id (checked by the store)
    Column("caller_number", String(64), nullable=False, server_default=""),
    Column("caller_name", Text, nullable=False, server_default=""),
    Column("account", String(64), nullable=False, server_default=""),  # the account the IVR identified
    Column("call_id", String(64)),                                     # the call it came from
    Column("source", String(16), nullable=False),                      # console | desk | ivr | api
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("state_since", UTCDateTime(), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime()),
    Column("escalation", Integer, nullable=False, server_default="0"),  # 0 none, 1 assignee reminded, 2 head
)
Index("ix_wo_orders_state_due", orders.c.state, orders.c.due_at)
Index("ix_wo_orders_unit", orders.c.unit)
Index("ix_wo_orders_assignee", orders.c.assignee)
Index("ix_wo_orders_caller_number", orders.c.caller_number)
Index("ix_wo_orders_customer_id", orders.c.customer_id)
Index("ix_wo_orders_created_at", orders.c.created_at)

history = Table(
    "wo_history", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("wo_orders.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(16), nullable=False),      # create | move NAME | comment | assign | remind | escalate ...
    Column("from_state", String(16)),
    Column("to_state", String(16)),
    Column("note", Text, nullable=False, server_default=""),
)
Index("ix_wo_history_order_at", history.c.order_id, history.c.at)

attachments = Table(
    "wo_attachments", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("wo_orders.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("by", String(64), nullable=False),
    Column("kind", String(16), nullable=False),        # photo | file | recording | fax
    Column("name", Text, nullable=False),              # what the user sees
    Column("path", Text),                              # photo/file: the name inside the attachments folder
    Column("ref_id", Id),                              # recording: the call leg; fax: the fax message
    Column("mime", String(64), nullable=False, server_default=""),
    Column("size", Integer, nullable=False, server_default="0"),
)
Index("ix_wo_attachments_order", attachments.c.order_id)

sms = Table(
    "wo_sms", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("wo_orders.id", ondelete="CASCADE"), nullable=False),
    Column("number", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("next_try_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("gave_up", Integer, nullable=False, server_default="0"),
)
Index("ix_wo_sms_pending", sms.c.sent_at, sms.c.next_try_at)
Index("ix_wo_sms_number", sms.c.number, sms.c.created_at)                  # the customer timeline (cu02)

followups = Table(
    "wo_followups", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("wo_orders.id", ondelete="CASCADE"), nullable=False),
    Column("campaign", String(64), nullable=False),            # the campaign's name, as workorders.toml says it
    Column("record_id", Integer),                              # dl_records.id (none: not added, see state)
    Column("state", String(16), nullable=False),               # queued | reported | no_campaign | no_number
    Column("queued_at", UTCDateTime(), nullable=False),
    Column("outcome", String(16)),                             # the record's last outcome (answered, no_answer ...)
    Column("result", Text),                                    # what the campaign's flow concluded (a survey key ...)
    Column("reported_at", UTCDateTime()),                      # when it went on the timeline and into the history
)
Index("ix_wo_followups_order", followups.c.order_id)
Index("ix_wo_followups_state", followups.c.state)

notices = Table(
    "wo_notices", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("wo_orders.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),                # remind | escalate
    Column("channel", String(8), nullable=False),              # mail | sms
    Column("username", String(64), nullable=False),            # who it is for
    Column("address", String(256), nullable=False),            # their e-mail address or mobile number
    Column("subject", Text, nullable=False, server_default=""),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("next_try_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("gave_up", Integer, nullable=False, server_default="0"),
)
Index("ix_wo_notices_pending", notices.c.sent_at, notices.c.next_try_at)
Index("ix_wo_notices_order", notices.c.order_id)
