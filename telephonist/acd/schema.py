"""The ACD's tables (created by the Alembic migration ac01).

acd_agents      each agent's state now: what a restarted acd takes up again
acd_agent_log   every change of an agent's state (login time, ready, not ready by reason, talk, hold,
                wrap-up: the agent reports are sums over it)
acd_waiting     callers waiting in a queue or keeping their place for a call back: what a restarted acd
                takes back, at the same places
acd_calls       one row per caller a queue handled: wait, answer, agent, outcome (the queue reports and
                the sticky agent's "who spoke with this number last")
acd_chats       one row per web chat or inbound e-mail (created by the migration ch01): its queue, state, visitor, the customer it
                was matched to, the agent, and when it waited, was offered, accepted and ended; the visitor's
                token only as its SHA-256 (the console finds the visitor's chat by it)
acd_web_callbacks  one row per "call me back" request of the website (created by the migration wc01): queue, number,
                the visitor's name and note, the customer it was matched to, its state (waiting, calling, retry,
                answered, failed, cancelled), tries, the agent; the visitor's token only as its SHA-256
acd_chat_messages  every line of a chat, the visitor's and the agent's (an e-mail and each reply, with their
                Message-ID and References): the transcript
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

from telephonist.storage.database import UTCDateTime

metadata = MetaData()

agents = Table(
    "acd_agents", metadata,
    Column("number", String(32), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("reason", String(32), nullable=False, default=""),
    Column("extension", String(32), nullable=False, default=""),
    Column("since", UTCDateTime(), nullable=False),
)

agent_log = Table(
    "acd_agent_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("agent", String(32), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("from_state", String(16), nullable=False),
    Column("to_state", String(16), nullable=False),
    Column("signal", String(16), nullable=False),
    Column("reason", String(32), nullable=False, default=""),
    Column("queue", String(32)),
    Column("call_id", String(64)),
)
Index("ix_acd_agent_log_agent_at", agent_log.c.agent, agent_log.c.at)

waiting = Table(
    "acd_waiting", metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", String(64), nullable=False, unique=True),
    Column("chan", String(64)),                        # NULL once it left the line to be called back
    Column("queue", String(32), nullable=False),
    Column("caller", String(64), nullable=False, default=""),
    Column("priority", Integer, nullable=False, default=0),
    Column("seq", BigInteger, nullable=False),        # its place
    Column("entered_at", UTCDateTime(), nullable=False),
    Column("state", String(16), nullable=False),      # waiting | callback
    Column("callback_number", String(64), nullable=False, default=""),
    Column("data", Text, nullable=False, default="{}"),
    Column("call_row", Integer),                      # its acd_calls row
)

calls = Table(
    "acd_calls", metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", String(64), nullable=False),
    Column("queue", String(32), nullable=False),
    Column("caller", String(64), nullable=False, default=""),
    Column("entered_at", UTCDateTime(), nullable=False),
    Column("answered_at", UTCDateTime()),
    Column("ended_at", UTCDateTime()),
    Column("agent", String(32)),
    Column("outcome", String(16)),                    # answered | abandoned | timeout | callback | moved
    Column("wait_ms", Integer),
    Column("talk_ms", Integer),
    Column("hold_ms", Integer),
    Column("wrapup_ms", Integer),
    Column("wrapup_code", String(64)),
    Column("note", Text),
)
Index("ix_acd_calls_queue_entered", calls.c.queue, calls.c.entered_at)
Index("ix_acd_calls_caller_answered", calls.c.caller, calls.c.answered_at)
Index("ix_acd_calls_agent", calls.c.agent, calls.c.entered_at)

chats = Table(
    "acd_chats", metadata,
    Column("id", Integer, primary_key=True),
    Column("queue", String(32), nullable=False),
    Column("state", String(16), nullable=False),       # waiting | offered | active | ended
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("visitor", String(100), nullable=False, default=""),    # the name the visitor gave
    Column("email", String(254), nullable=False, default=""),
    Column("phone", String(32), nullable=False, default=""),
    Column("customer_id", Integer),                   # customers.id the console matched or opened
    Column("priority", Integer, nullable=False, default=0),
    Column("seq", BigInteger, nullable=False),         # its place (arrival order)
    Column("agent", String(32)),
    Column("entered_at", UTCDateTime(), nullable=False),
    Column("offered_at", UTCDateTime()),
    Column("accepted_at", UTCDateTime()),
    Column("ended_at", UTCDateTime()),
    Column("ended_by", String(40)),                    # visitor | agent:N | timeout
    Column("messages", Integer, nullable=False, default=0),
    Column("media", String(8), nullable=False, default="chat"),    # chat | email
    Column("subject", String(200), nullable=False, default=""),   # an e-mail's
)
Index("ix_acd_chats_customer", chats.c.customer_id, chats.c.entered_at)
Index("ix_acd_chats_state", chats.c.state)

chat_messages = Table(
    "acd_chat_messages", metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", Integer, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("sender", String(40), nullable=False),      # visitor | agent:N
    Column("text", Text, nullable=False),
    Column("message_id", String(250)),                 # an e-mail's Message-ID (a reply's In-Reply-To names it)
    Column("refs", Text),                              # an e-mail's References
)
Index("ix_acd_chat_messages_chat", chat_messages.c.chat_id, chat_messages.c.id)

web_callbacks = Table(
    "acd_web_callbacks", metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("queue", String(32), nullable=False),
    Column("number", String(32), nullable=False),
    Column("visitor", String(100), nullable=False, default=""),
    Column("note", String(500), nullable=False, default=""),
    Column("customer_id", Integer),                   # customers.id the console matched or opened
    Column("call_id", String(64), nullable=False),     # its acd_waiting / acd_calls call id
    Column("state", String(16), nullable=False),       # waiting | calling | retry | answered | failed | cancelled
    Column("attempts", Integer, nullable=False, default=0),    # customer's number dialled so many times
    Column("agent", String(32)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("next_at", UTCDateTime()),                  # retry: when it joins the line again
    Column("ended_at", UTCDateTime()),
)
Index("ix_acd_web_callbacks_customer", web_callbacks.c.customer_id, web_callbacks.c.created_at)
