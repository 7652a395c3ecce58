"""The website chat's routes without a browser: the visitor's routes need no login but JSON, a chat's token,
sizes and the per-address brake; the desk's chat routes need a login, the desk right and a CSRF token; the
customer a visitor's details find or open; the chat in the customer's timeline (crm/sources.py)."""
from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timezone

import pytest
from sqlalchemy import insert

from telephonist.acd.schema import chat_messages, chats
from telephonist.crm import contacts
from telephonist.crm import store as crm_store
from telephonist.crm import timeline
from telephonist.webadmin import db
from telephonist.webadmin.webchat.store import token_hash
from tests.webadmin.support import login, page_csrf


@pytest.fixture
def chat_app(app):
    app.config["WEB"] = dataclasses.replace(app.config["WEB"], chat_queues=("web",), chat_starts_per_hour=3)
    return app


def test_the_chat_page_is_off_without_chat_queues(client):
    assert client.get("/chat/").status_code == 404
    assert client.post("/chat/start", json={"name": "x", "email": "x@example.com"}).status_code == 404


def test_the_visitor_page_needs_no_login_and_may_be_framed_only_by_the_console(chat_app):
    c = chat_app.test_client()
    r = c.get("/chat/?queue=web")
    assert r.status_code == 200 and b'id="chat-start"' in r.data
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp and "script-src 'self'" in csp and "unsafe" not in csp
    assert " style=" not in r.get_data(as_text=True) and " onclick=" not in r.get_data(as_text=True)
    assert r.headers["X-Frame-Options"] == "SAMEORIGIN" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in r.headers                     # no session for a visitor
    assert c.get("/chat/?queue=sales").status_code == 404   # only the listed chat queues
    chat_app.config["WEB"] = dataclasses.replace(chat_app.config["WEB"], chat_origins=("https://www.example.com",))
    r = c.get("/chat/")
    assert "frame-ancestors 'self' https://www.example.com" in r.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in r.headers


def test_visitor_writes_take_json_within_sizes_and_a_chats_token(chat_app):
    c = chat_app.test_client()
    assert c.post("/chat/start", data={"name": "x", "email": "x@example.com"}).status_code == 415   # a form
    for body in ({"name": "", "email": "x@example.com"}, {"name": "x"}, {"name": "x", "email": "not an address"},
                 {"name": "x" * 101, "email": "x@example.com"}, {"name": "x", "phone": "12ab"},
                 {"name": "x\x00", "email": "x@example.com"}, {"name": ["x"], "email": "x@example.com"},
                 {"name": "x", "email": "x@example.com", "text": "y" * 2001}, {"name": "x", "email": "x@example.com",
                                                                              "queue": "sales"}):
        assert c.post("/chat/start", json=body).status_code in (400, 404), body
    assert c.post("/chat/start", data="[1, 2]", content_type="application/json").status_code == 400
    assert c.post("/chat/start", data="x" * 20000, content_type="application/json").status_code == 413
    # without a chat's token (or with a made-up one) nothing is reached
    assert c.get("/chat/lines").status_code == 404
    assert c.get("/chat/lines", headers={"X-Chat-Token": "made-up"}).status_code == 404
    assert c.post("/chat/send", json={"text": "hi"}, headers={"X-Chat-Token": "made-up"}).status_code == 404
    assert c.post("/chat/end", json={}, headers={"X-Chat-Token": "x" * 500}).status_code == 404


def test_random_input_never_breaks_the_visitor_routes(chat_app):
    c = chat_app.test_client()
    rng = random.Random(17)
    alphabet = "ab@.+-x0123 \n\t\x00\x1f<>\"'\\%_中文🙂"
    for _ in range(300):
        body = {k: "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 300)))
                for k in rng.sample(["name", "email", "phone", "text", "queue"], rng.randrange(0, 5))}
        path = rng.choice(["/chat/start", "/chat/send", "/chat/end"])
        r = c.post(path, json=body, headers={"X-Chat-Token": printable(body.get("text", ""))[:120]})
        assert r.status_code in (400, 404, 413, 429, 503), (path, body, r.status_code)
        r = c.get("/chat/lines", query_string={"after": body.get("phone", "")},
                  headers={"X-Chat-Token": printable(body.get("name", ""))})
        assert r.status_code in (400, 404), r.status_code


def printable(text: str) -> str:
    """What a header can carry."""
    return "".join(ch for ch in text if ch.isascii() and ch.isprintable())


def test_one_address_opens_a_few_chats_an_hour(chat_app):
    c = chat_app.test_client()
    body = {"name": "Zhang San", "email": "zs@example.com"}
    got = [c.post("/chat/start", json=body).status_code for _ in range(4)]
    assert got[:3] == [503, 503, 503]                    # counted (the ACD is not there in this test) ...
    assert got[3] == 429                                  # ... and the fourth is braked
    other = c.post("/chat/start", json=body, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 503                      # another address is not


def test_the_desks_chat_routes_need_a_login_the_right_and_csrf(chat_app, user_ids):
    c = chat_app.test_client()
    assert c.get("/agent/chat/mine").status_code == 302                  # to the login page
    assert c.post("/agent/chat/1/accept").status_code == 302
    login(c, "audit")                                                     # an auditor has no desk
    assert c.get("/agent/chat/mine").status_code == 403
    c2 = chat_app.test_client()
    login(c2, "agent1")
    assert c2.post("/agent/chat/1/accept").status_code == 400             # no CSRF token
    token = page_csrf(c2, "/agent/")
    r = c2.post("/agent/chat/1/send", data={"text": ""}, headers={"X-CSRF-Token": token})
    assert r.status_code == 400
    assert c2.get("/agent/chat/999/transcript").status_code == 404


def test_a_visitor_is_found_by_phone_or_address_else_opened_and_the_chat_shows_in_the_timeline(chat_app, user_ids):
    with db.writing(chat_app) as conn:
        known = crm_store.open_customer(conn, crm_store.CustomerInput(name="Li Na", phones=["13800001111"]))
        assert contacts.find_or_open(conn, "whoever", phone="138-0000-1111")["id"] == known["id"]
        new = contacts.find_or_open(conn, "Wang Wu", email="Wang.Wu@example.com")
        assert new["id"] != known["id"] and new["custom"]["email"] == "Wang.Wu@example.com"
        assert contacts.find_or_open(conn, "W. Wu", email="wang.wu@EXAMPLE.com")["id"] == new["id"]
        assert contacts.find_or_open(conn, "W", email="wang%wu@example.com")["id"] not in (known["id"], new["id"])
        at = datetime(2026, 12, 7, 9, 30, tzinfo=timezone.utc)
        cid = conn.execute(insert(chats).values(
            queue="web", state="ended", token_hash=token_hash("t"), visitor="Wang Wu", email="Wang.Wu@example.com",
            customer_id=new["id"], seq=1, agent="1001", entered_at=at, ended_at=at, ended_by="agent:1001",
            messages=2)).inserted_primary_key[0]
        conn.execute(insert(chat_messages).values(chat_id=cid, at=at, sender="visitor", text="<b>hello</b>"))
        conn.execute(insert(chat_messages).values(chat_id=cid, at=at, sender="agent:1001", text="hi"))
        entries = [e for e in timeline.whole(conn, crm_store.get(conn, new["id"])) if e["kind"] == "chat"]
    assert entries and entries[0]["link"] == f"/agent/chat/{cid}/transcript" and "2 lines" in entries[0]["summary"]
    c = chat_app.test_client()
    login(c, "audit")                                     # neither the customer file nor the desk: no
    assert c.get(f"/agent/chat/{cid}/transcript").status_code == 403
    c = chat_app.test_client()
    login(c, "agent1")
    page = c.get(f"/agent/chat/{cid}/transcript")
    assert page.status_code == 200 and b"&lt;b&gt;hello&lt;/b&gt;" in page.data
