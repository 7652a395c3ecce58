"""What the console reads of the chats (the ACD writes them: acd/store.py): a visitor's chat by its token, the
lines after the last a page has, and a whole transcript."""
from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from telephonist.acd.schema import chat_messages, chats

MAX_LINES = 200                 # lines one read returns


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def by_token(conn: Connection, token: str) -> dict[str, Any] | None:
    if not token or len(token) > 100:
        return None
    row = conn.execute(select(chats).where(chats.c.token_hash == token_hash(token))).first()
    return dict(row._mapping) if row else None


def chat(conn: Connection, chat_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(chats).where(chats.c.id == chat_id)).first()
    return dict(row._mapping) if row else None


def lines(conn: Connection, chat_id: int, after: int = 0, limit: int = MAX_LINES) -> list[dict[str, Any]]:
    m = chat_messages.c
    q = (select(m.id, m.at, m.sender, m.text).where(m.chat_id == chat_id, m.id > after)
         .order_by(m.id).limit(limit))
    return [{"id": r.id, "at": r.at.isoformat(), "sender": r.sender, "text": r.text} for r in conn.execute(q)]
