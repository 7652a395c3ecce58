"""The web chats' and e-mails' tables (migration ch01) on SQLite and PostgreSQL: what the ACD writes (items, lines,
states, an e-mail's thread), what a restarted ACD reads back, what the console reads by a visitor's token, the
customer a visitor's details find or open, and the timeline entries."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from telephonist.acd.store import AcdStore
from telephonist.crm import contacts
from telephonist.crm import store as crm_store
from telephonist.crm import timeline
from telephonist.storage import make_engine, migrate
from telephonist.webadmin.webchat import store as web_store

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)


async def test_items_lines_threads_and_the_timeline(db_url):
    migrate(db_url)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        visitor = contacts.find_or_open(conn, "赵小姐", email="zhao_1%@example.com", phone="")
        assert contacts.find_or_open(conn, "x", email="ZHAO_1%@example.com")["id"] == visitor["id"]
        assert contacts.find_or_open(conn, "y", email="zhaox1%@example.com")["id"] != visitor["id"]   # _ is no wildcard
    store = AcdStore(db_url)
    try:
        chat = await store.chat_started(dict(queue="web", state="waiting", token_hash=web_store.token_hash("tok"),
                                             visitor="赵小姐", email="zhao_1%@example.com", phone="",
                                             customer_id=visitor["id"], priority=0, seq=2**40, entered_at=T0,
                                             media="chat", subject=""))
        mail = await store.chat_started(dict(queue="mail", state="waiting", token_hash="e" * 64, visitor="Zhao",
                                             email="zhao_1%@example.com", phone="", customer_id=visitor["id"],
                                             priority=0, seq=2**40 + 1, entered_at=T0 + timedelta(minutes=1),
                                             media="email", subject="发票问题"))
        first = await store.chat_line(chat, "visitor", "你好 <b>", T0)
        second = await store.chat_line(chat, "agent:1001", "hello", T0 + timedelta(seconds=5))
        assert second > first
        await store.chat_line(mail, "visitor", "text", T0, message_id="<q1@x>", refs="<r0@x>")
        await store.chat_line(mail, "agent:1001", "reply", T0, message_id="<a1@x>", refs="<r0@x> <q1@x>")
        assert store.last_mail(mail) == {"message_id": "<q1@x>", "refs": "<r0@x>"}
        assert store.last_chat_seq() == 2**40 + 1
        await store.chat_update(chat, state="ended", agent="1001", ended_at=T0, ended_by="visitor")
        assert [r["id"] for r in store.open_chats()] == [mail]
    finally:
        await store.close()
    with engine.connect() as conn:
        mine = web_store.by_token(conn, "tok")
        assert mine["id"] == chat and mine["messages"] == 2 and mine["state"] == "ended"
        assert web_store.by_token(conn, "other") is None and web_store.by_token(conn, "") is None
        assert [ln["text"] for ln in web_store.lines(conn, chat)] == ["你好 <b>", "hello"]
        assert [ln["id"] for ln in web_store.lines(conn, chat, after=first)] == [second]
        entries = {e["ref"]: e for e in timeline.whole(conn, crm_store.get(conn, visitor["id"]))
                   if e["kind"] in ("chat", "email")}
    assert entries[f"chat:{chat}"]["kind"] == "chat" and "2 lines" in entries[f"chat:{chat}"]["summary"]
    assert entries[f"chat:{mail}"]["kind"] == "email" and entries[f"chat:{mail}"]["summary"].startswith("发票问题")
    engine.dispose()
