"""Notices on SQLite and PostgreSQL: an audience resolved to agents when sent, read receipts, withdrawing, and
what the wallboard shows."""
from __future__ import annotations

import pytest

from telephonist.notices import store
from telephonist.notices.store import NoticeError
from telephonist.webadmin import accounts

QUEUES = {"gas": ["1001", "1002"], "water": ["1003"]}


@pytest.fixture
def people(engine) -> dict[str, int]:
    with engine.begin() as conn:
        accounts.ensure_builtin_roles(conn)
        ids = {name: accounts.create_user(conn, name, "pw-long-enough-1", role, agent_id=agent, method="pbkdf2:sha256:1000")
               for name, role, agent in (("a1", "agent", "1001"), ("a2", "agent", "1002"), ("a3", "supervisor", "1003"),
                                         ("boss", "supervisor", None))}
    return ids


def test_audiences_receipts_and_the_wallboard(engine, people):
    with engine.begin() as conn:
        assert [r.username for r in store.audience_agents(conn, "queue:gas", QUEUES)] == ["a1", "a2"]
        assert [r.username for r in store.audience_agents(conn, "role:supervisor", QUEUES)] == ["a3"]
        assert [r.username for r in store.audience_agents(conn, "all", QUEUES)] == ["a1", "a2", "a3"]
        assert [r.username for r in store.audience_agents(conn, "agent:1002", QUEUES)] == ["a2"]
        for bad in ("queue:nope", "agent:9999", "team:x", "role:"):
            with pytest.raises(NoticeError):
                store.audience_agents(conn, bad, QUEUES)
        to = store.audience_agents(conn, "queue:gas", QUEUES)
        gas = store.send(conn, "boss", "queue:gas", " 系统 14:00 升级 ", 60, True, to)
        with pytest.raises(NoticeError):
            store.send(conn, "boss", "all", "", 60, False, to)
        with pytest.raises(NoticeError):
            store.send(conn, "boss", "all", "x", 0, False, to)
        assert gas["text"] == "系统 14:00 升级" and gas["wallboard"] is True
        assert [n["id"] for n in store.unread(conn, people["a1"])] == [gas["id"]]
        assert store.unread(conn, people["a3"]) == []
        assert store.mark_read(conn, gas["id"], people["a1"]) is True
        assert store.mark_read(conn, gas["id"], people["a3"]) is False          # not a recipient
        assert store.unread(conn, people["a1"]) == []
        receipts = store.receipts(conn, gas["id"])
        assert [(r["username"], r["read_at"] is not None) for r in receipts] == [("a2", False), ("a1", True)]
        [row] = store.sent(conn, "boss")
        assert (row["recipients"], row["read"]) == (2, 1)
        assert [n["id"] for n in store.on_wallboard(conn)] == [gas["id"]]
        store.withdraw(conn, gas["id"])
        assert store.on_wallboard(conn) == [] and store.unread(conn, people["a2"]) == []
