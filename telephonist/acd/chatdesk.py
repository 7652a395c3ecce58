"""Web chats and e-mail in the ACD: a visitor's chat (handed in by the web console) or an inbound e-mail (from the
SMTP receiver, mailin.py) waits in its queue, is offered to an agent's desktop, accepted, written in both ways and
ended. A mixin of AcdService (service.py); the queueing and the limit of items per agent are chats.py's, the
checks of who asks are requests.py's. An agent's line in an e-mail item is a reply: sent (mail.py, threaded with
In-Reply-To and References on the customer's last mail) before it is stored, so a reply that could not be sent is
refused, not kept.

Every line is written (acd_chat_messages, committed) before it is published, so the visitor's page, which reads
the table, and the agent's desktop, which gets the event, see the same transcript. An offer the agent does not
accept within the queue's `ring_timeout_s` puts the chat back at its place (chand timer `chat_offer`); an agent
who logs out gives its chats back to their queues, at their places.

Events (topic `queue`): chat_waiting, chat_offered, chat_accepted, chat_returned, chat_message, chat_ended.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
from email.utils import make_msgid
from typing import Any

from telephonist.acd.agent_state import AgentState
from telephonist.acd.chats import Chat, ChatBoard, ChatSignal, ChatState, ChatStateError
from telephonist.client import ApiCallError
from telephonist.mail import SmtpSettings, send_mail

log = logging.getLogger("telephonist.acd")
MAX_TEXT = 2000                  # one line of a chat


class ChatDesk:
    """The ACD's side of the web chats."""

    def init_chats(self) -> None:
        self.chats = ChatBoard(self.cfg.queues, {a.number: a.max_chats for a in self.cfg.agents})
        self._chat_seq = itertools.count(1)

    async def restore_chats(self) -> None:
        """A restart: chats waiting or offered wait again at their places; active ones stay with their agents."""
        self._chat_seq = itertools.count(await asyncio.to_thread(self.store.last_chat_seq) + 1)
        for row in await asyncio.to_thread(self.store.open_chats):
            if row["queue"] not in self.chats.queues:
                continue
            active = row["state"] == ChatState.ACTIVE.value and row["agent"] in self.roster.agents
            chat = Chat(row["id"], row["queue"], row["visitor"], row["seq"], self.now_ms, row["priority"],
                        row["email"], row["phone"], row["customer_id"],
                        ChatState.ACTIVE if active else ChatState.WAITING, row["agent"] if active else None,
                        media=row["media"], subject=row["subject"])
            self.chats.add(chat)

    # ---- what the console asks ----------------------------------------------------------------------------
    async def chat_new(self, queue: str, token_hash: str, visitor: str, email: str, phone: str,
                       customer_id: int | None, priority: int = 0) -> dict[str, Any]:
        if queue not in self.chats.queues or self.chats.queues[queue].media != "chat":
            raise ApiCallError("not_found", f"no chat queue {queue!r}")
        chat = await self._new_item(queue, "chat", token_hash, visitor, email, phone, customer_id, priority)
        return self.chat_status(chat.id)

    async def email_new(self, queue: str, sender: str, address: str, subject: str, text: str, message_id: str,
                        refs: str, customer_id: int | None) -> int:
        """An inbound e-mail (mailin.py) joins its e-mail queue; its text is the item's first line."""
        chat = await self._new_item(queue, "email", secrets.token_hex(32), sender, address, "", customer_id, 0,
                                    subject=subject, first=(text, message_id, refs))
        return chat.id

    async def _new_item(self, queue: str, media: str, token_hash: str, visitor: str, email: str, phone: str,
                        customer_id: int | None, priority: int, subject: str = "",
                        first: tuple[str, str, str] | None = None) -> Chat:
        seq = next(self._chat_seq)
        row = await self.store.chat_started(dict(
            queue=queue, state=ChatState.WAITING.value, token_hash=token_hash, visitor=visitor, email=email,
            phone=phone, customer_id=customer_id, priority=priority, seq=seq, entered_at=self.wall(), media=media,
            subject=subject))
        chat = Chat(int(row), queue, visitor, seq, self.now_ms, priority, email, phone, customer_id, media=media,
                    subject=subject)
        if first is not None:
            await self.store.chat_line(chat.id, "visitor", first[0], self.wall(), message_id=first[1], refs=first[2])
        self.chats.add(chat)
        log.info("event=acd_chat_new chat=%s queue=%s media=%s", chat.id, queue, media)
        self.publish("chat_waiting", {**chat.describe(), "position": self.chats.position(chat)})
        self.match()
        return chat

    def chat_status(self, chat_id: int) -> dict[str, Any]:
        chat = self.chats.chats.get(chat_id)
        if chat is None:
            return {"chat": chat_id, "state": ChatState.ENDED.value, "position": 0, "agent": None}
        agent = self.roster.agents.get(chat.agent) if chat.agent else None
        return {**chat.describe(), "position": self.chats.position(chat),
                "agent_name": agent.name if agent is not None and chat.state == ChatState.ACTIVE else ""}

    async def chat_accept(self, agent, chat_id: int) -> dict[str, Any]:
        """The agent takes the chat offered to it; committed before the answer (a restart finds it active)."""
        chat = self._held(agent, chat_id)
        if chat.state != ChatState.OFFERED:
            raise ChatStateError(f"chat {chat_id} is {chat.state.value}: nothing to accept")
        self.chats.signal(chat, ChatSignal.ACCEPT)
        chat.agent = agent.number
        self._cancel_timer(chat.offer_timer)
        chat.offer_timer = None
        self._chat_event("chat_accepted", chat, agent=agent.number)
        await self.store.chat_update(chat.id, state=chat.state.value, agent=agent.number, accepted_at=self.wall())
        return self.chat_status(chat.id)

    async def chat_post(self, chat_id: int, text: str, agent=None) -> dict[str, Any]:
        """A line from the visitor (agent None) or from the agent holding the chat (once it accepted it)."""
        if agent is not None:
            chat = self._held(agent, chat_id)
            if chat.state != ChatState.ACTIVE:
                raise ChatStateError(f"chat {chat_id} is {chat.state.value}: accept it first")
            sender = f"agent:{agent.number}"
        else:
            chat = self._open(chat_id)
            if chat.media != "chat":
                raise ApiCallError("wrong_state", f"{chat_id} is an e-mail: its customer writes by mail")
            sender = "visitor"
        at = self.wall()
        message_id = refs = None
        if chat.media == "email":
            message_id, refs = await self._send_reply(chat, text)
        line = await self.store.chat_line(chat.id, sender, text, at, message_id=message_id, refs=refs)
        self._chat_event("chat_message", chat, id=line, sender=sender, text=text, at=at.isoformat())
        return {"chat": chat.id, "id": line}

    async def chat_end(self, chat_id: int, agent=None) -> dict[str, Any]:
        """The agent holding it (offered or active) or the visitor closes the chat."""
        chat = self._held(agent, chat_id) if agent is not None else self._open(chat_id)
        await self._end_chat(chat, f"agent:{agent.number}" if agent is not None else "visitor")
        self.match()
        return {"chat": chat_id, "state": ChatState.ENDED.value}

    def chats_of(self, agent) -> list[dict[str, Any]]:
        return [c.describe() for c in self.chats.held_by(agent.number)]

    # ---- offering ---------------------------------------------------------------------------------------------
    def match_chats(self) -> None:
        for number in [n for n in self.chats.held if self.roster.agents.get(n) is None
                       or self.roster.agents[n].state == AgentState.LOGGED_OUT]:
            self.return_chats(number, "logout")
        for chat, agent in self.chats.match(self.roster.agents.values()):
            log.info("event=acd_chat_offered chat=%s agent=%s", chat.id, agent.number)
            self._spawn(self.store.chat_update(chat.id, state=chat.state.value, agent=agent.number,
                                               offered_at=self.wall()))
            self._chat_event("chat_offered", chat, agent=agent.number)
            self._spawn(self._arm_chat_offer(chat))

    async def _arm_chat_offer(self, chat: Chat) -> None:
        ms = self.chats.queues[chat.queue].ring_timeout_s * 1000
        handle = await self._timer(ms, "chat_offer", str(chat.id))
        if chat.state == ChatState.OFFERED and chat.offer_timer is None:
            chat.offer_timer = handle
        else:
            self._cancel_timer(handle)

    async def chat_offer_over(self, chat_id: str, handle: int) -> None:
        """The agent did not accept in time: the chat goes back to its place (the next offer tries others first)."""
        chat = self.chats.chats.get(int(chat_id))
        if chat is None or chat.state != ChatState.OFFERED or chat.offer_timer != handle:
            return
        agent = chat.agent
        chat.offer_timer = None
        chat.passed.add(agent)
        self.chats.signal(chat, ChatSignal.NO_ANSWER)
        self._spawn(self.store.chat_update(chat.id, state=chat.state.value, agent=None))
        self._chat_event("chat_returned", chat, agent=agent, why="no_answer")
        self.match()

    def return_chats(self, number: str, why: str) -> None:
        """The agent went: its chats back to their places in line."""
        for chat in self.chats.held_by(number):
            self._cancel_timer(chat.offer_timer)
            chat.offer_timer = None
            self.chats.signal(chat, ChatSignal.RETURN)
            self._spawn(self.store.chat_update(chat.id, state=chat.state.value, agent=None))
            self._chat_event("chat_returned", chat, agent=number, why=why)

    async def _end_chat(self, chat: Chat, by: str) -> None:
        holder = chat.agent
        self._cancel_timer(chat.offer_timer)
        self.chats.signal(chat, ChatSignal.END)
        await self.store.chat_update(chat.id, state=chat.state.value, ended_at=self.wall(), ended_by=by)
        log.info("event=acd_chat_ended chat=%s by=%s", chat.id, by)
        self._chat_event("chat_ended", chat, agent=holder, by=by)

    async def _send_reply(self, chat: Chat, text: str) -> tuple[str, str]:
        """The agent's reply to an e-mail item, threaded on the customer's last mail; (its Message-ID, References)."""
        acd = self.acd
        if not acd.smtp_host:
            raise ApiCallError("unavailable", "replies need [acd] smtp_host (where mail goes out)")
        last = await asyncio.to_thread(self.store.last_mail, chat.id)
        to_address = next((a for a, q in acd.mail_addresses.items() if q == chat.queue), "")
        sender = acd.smtp_sender or to_address or "telephonist@localhost"
        message_id = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
        headers = {"Message-ID": message_id}
        refs = ""
        if last is not None and last["message_id"]:
            refs = " ".join(x for x in ((last["refs"] or "").split() + [last["message_id"]]) if x)[-2000:]
            headers.update({"In-Reply-To": last["message_id"], "References": refs})
        subject = chat.subject if chat.subject.lower().startswith("re:") else f"Re: {chat.subject}".strip()
        try:
            await send_mail(SmtpSettings(acd.smtp_host, acd.smtp_port, sender), chat.email, subject, text,
                            headers=headers)
        except OSError as exc:
            log.warning("event=acd_mail_reply_failed chat=%s error=%s", chat.id, exc)
            raise ApiCallError("unavailable", f"the reply could not be sent: {exc}") from exc
        log.info("event=acd_mail_reply chat=%s to=%s", chat.id, chat.email)
        return message_id, refs

    # ---- helpers ----------------------------------------------------------------------------------------------
    def _open(self, chat_id: int) -> Chat:
        chat = self.chats.chats.get(chat_id)
        if chat is None:
            raise ApiCallError("not_found", f"no open chat {chat_id}")
        return chat

    def _held(self, agent, chat_id: int) -> Chat:
        chat = self._open(chat_id)
        if chat.agent != agent.number:
            raise ApiCallError("not_found", f"agent {agent.number} has no chat {chat_id}")
        return chat

    def _chat_event(self, kind: str, chat: Chat, **extra: Any) -> None:
        self.publish(kind, {"chat": chat.id, "queue": chat.queue, "state": chat.state.value,
                            "visitor": chat.visitor, "email": chat.email, "phone": chat.phone,
                            "customer_id": chat.customer_id, "agent": chat.agent, "media": chat.media,
                            "subject": chat.subject, **extra})
