"""The ACD's database: agents' states and their log, waiting callers, per-call results (schema.py).

Writes go through one writer thread with group commit (storage/writer.py): an awaited write is
committed, which is what a restart after kill -9 finds again.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from telephonist.acd import schema as T
from telephonist.storage.database import make_engine
from telephonist.storage.writer import GroupCommitWriter


def utc(ms_or_dt: Any = None) -> datetime:
    if isinstance(ms_or_dt, datetime):
        return ms_or_dt
    return datetime.now(timezone.utc)


class AcdStore:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.writer = GroupCommitWriter(self.engine, name="acd-writer")

    async def close(self) -> None:
        await self.writer.close()
        self.engine.dispose()

    def _read(self, fn, *args):
        with self.engine.connect() as conn:
            return fn(conn, *args)

    # ---- reads (in a thread) ------------------------------------------------------------------------
    def agents(self) -> dict[str, dict[str, Any]]:
        return self._read(lambda c: {r.number: dict(r._mapping) for r in c.execute(sa.select(T.agents))})

    def waiting(self) -> list[dict[str, Any]]:
        def q(c: Connection):
            rows = [dict(r._mapping) for r in c.execute(sa.select(T.waiting).order_by(T.waiting.c.seq))]
            for r in rows:
                r["data"] = json.loads(r["data"] or "{}")
            return rows
        return self._read(q)

    def last_seq(self) -> int:
        return self._read(lambda c: c.execute(sa.select(sa.func.max(T.waiting.c.seq))).scalar() or 0)

    def last_agent(self, caller: str, since: datetime) -> str | None:
        """Who last talked with this number (for a sticky queue)."""
        return self._read(lambda c: c.execute(
            sa.select(T.calls.c.agent).where(T.calls.c.caller == caller, T.calls.c.answered_at >= since,
                                             T.calls.c.agent.is_not(None))
            .order_by(T.calls.c.answered_at.desc()).limit(1)).scalar())

    def agent_log(self, agent: str) -> list[dict[str, Any]]:
        return self._read(lambda c: [dict(r._mapping) for r in c.execute(
            sa.select(T.agent_log).where(T.agent_log.c.agent == agent).order_by(T.agent_log.c.id))])

    def calls(self, queue: str | None = None) -> list[dict[str, Any]]:
        stmt = sa.select(T.calls).order_by(T.calls.c.id)
        if queue:
            stmt = stmt.where(T.calls.c.queue == queue)
        return self._read(lambda c: [dict(r._mapping) for r in c.execute(stmt)])

    def stats(self, period, service_levels: dict[str, int], queues, agents, now: datetime) -> dict[str, Any]:
        from telephonist.acd.stats import agent_stats, queue_stats

        def q(c: Connection) -> dict[str, Any]:
            return {"queues": queue_stats(c, period, service_levels, queues),
                    "agents": agent_stats(c, period, agents, now)}
        return self._read(q)

    # ---- writes (awaitable, committed when they return) ------------------------------------------------
    def agent_changed(self, number: str, prev: str, new: str, signal: str, reason: str, extension: str,
                      queue: str | None, call_id: str | None, at: datetime):
        def op(c: Connection) -> None:
            c.execute(sa.insert(T.agent_log).values(agent=number, at=at, from_state=prev, to_state=new, signal=signal,
                                                    reason=reason, queue=queue, call_id=call_id))
            done = c.execute(sa.update(T.agents).where(T.agents.c.number == number).values(
                state=new, reason=reason, extension=extension, since=at)).rowcount
            if not done:
                c.execute(sa.insert(T.agents).values(number=number, state=new, reason=reason, extension=extension,
                                                     since=at))
        return self.writer.submit(op)

    def waiting_put(self, row: dict[str, Any]):
        values = {**row, "data": json.dumps(row.get("data") or {}, ensure_ascii=False, default=str)}

        def op(c: Connection) -> None:
            done = c.execute(sa.update(T.waiting).where(T.waiting.c.call_id == values["call_id"])
                             .values(**values)).rowcount
            if not done:
                c.execute(sa.insert(T.waiting).values(**values))
        return self.writer.submit(op)

    def waiting_gone(self, call_id: str):
        return self.writer.submit(lambda c: c.execute(sa.delete(T.waiting).where(T.waiting.c.call_id == call_id)))

    def call_started(self, row: dict[str, Any]):
        return self.writer.submit(lambda c: c.execute(sa.insert(T.calls).values(**row)).inserted_primary_key[0])

    def call_update(self, row_id: int, **values: Any):
        return self.writer.submit(lambda c: c.execute(sa.update(T.calls).where(T.calls.c.id == row_id).values(**values)))

    # ---- the website's call-back requests (webcallback.py) --------------------------------------------------------
    def web_callback_started(self, row: dict[str, Any]):
        return self.writer.submit(lambda c: c.execute(sa.insert(T.web_callbacks).values(**row)).inserted_primary_key[0])

    def web_callback_update(self, request_id: int, **values: Any):
        w = T.web_callbacks
        return self.writer.submit(lambda c: c.execute(sa.update(w).where(w.c.id == request_id).values(**values)))

    # ---- web chats (chatdesk.py) ---------------------------------------------------------------------------
    def open_chats(self) -> list[dict[str, Any]]:
        """The chats a previous acd left open (waiting, offered or active), in arrival order."""
        return self._read(lambda c: [dict(r._mapping) for r in c.execute(
            sa.select(T.chats).where(T.chats.c.state != "ended").order_by(T.chats.c.seq))])

    def last_chat_seq(self) -> int:
        return self._read(lambda c: c.execute(sa.select(sa.func.max(T.chats.c.seq))).scalar() or 0)

    def chat_started(self, row: dict[str, Any]):
        return self.writer.submit(lambda c: c.execute(sa.insert(T.chats).values(**row)).inserted_primary_key[0])

    def chat_update(self, chat_id: int, **values: Any):
        return self.writer.submit(lambda c: c.execute(sa.update(T.chats).where(T.chats.c.id == chat_id)
                                                      .values(**values)))

    def last_mail(self, chat_id: int) -> dict[str, Any] | None:
        """The customer's last mail of an e-mail item (a reply threads on it)."""
        m = T.chat_messages.c
        return self._read(lambda c: (lambda r: dict(r._mapping) if r else None)(c.execute(
            sa.select(m.message_id, m.refs).where(m.chat_id == chat_id, m.sender == "visitor")
            .order_by(m.id.desc()).limit(1)).first()))

    def chat_line(self, chat_id: int, sender: str, text: str, at: datetime, message_id: str | None = None,
                  refs: str | None = None):
        """A line of the chat's transcript; its id (the visitor's page asks for the lines after the last it has)."""
        def op(c: Connection) -> int:
            line = c.execute(sa.insert(T.chat_messages).values(chat_id=chat_id, at=at, sender=sender, text=text,
                                                               message_id=message_id, refs=refs))
            c.execute(sa.update(T.chats).where(T.chats.c.id == chat_id).values(messages=T.chats.c.messages + 1))
            return int(line.inserted_primary_key[0])
        return self.writer.submit(op)
