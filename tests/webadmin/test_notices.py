"""Notices: a supervisor sends one; the agents it names get it at once on their desktop's live channel (no one
else does), a big-screen one reaches the wallboards; an agent marks it read and the sender sees who read it and
when; withdrawing takes it off; sending needs the right and is audited."""
from __future__ import annotations

import asyncio

from telephonist.webadmin import accounts, db
from tests.webadmin.live_support import EventStream, served, session_cookie
from tests.webadmin.support import login, page_csrf


async def _next_of(stream: EventStream, kinds: tuple[str, ...]) -> tuple[str, dict]:
    while True:
        kind, data = await stream.next(20)
        if kind in kinds:
            return kind, data


async def test_a_notice_reaches_its_agents_and_the_wallboard_live_with_read_receipts(app, user_ids):
    sup = app.test_client()
    login(sup, "super")
    csrf = page_csrf(sup, "/notices/")
    async with served(app) as server:
        cookies = await asyncio.gather(*(asyncio.to_thread(session_cookie, app, u) for u in ("agent1", "agent2", "super")))
        desk1, desk2, wall = [await EventStream.open(server.port, c, p) for c, p in
                              zip(cookies, ("/agent/events", "/agent/events", "/wallboard/events"))]
        try:
            for s in (desk1, desk2, wall):
                assert (await s.next())[0] == "snapshot"
            r = await asyncio.to_thread(sup.post, "/notices/", data={
                "audience": "agent:1001", "text": "14:00 系统升级 <b>请保存</b>", "minutes": "30", "wallboard": "1",
                "csrf_token": csrf})
            assert r.status_code == 302
            kind, first = await _next_of(desk1, ("notice",))
            assert first["text"] == "14:00 系统升级 <b>请保存</b>" and first["sender"] == "super"
            assert "agents" not in first
            kind, on_wall = await _next_of(wall, ("notice",))
            assert on_wall["id"] == first["id"] and "agents" not in on_wall
            await asyncio.to_thread(sup.post, "/notices/", data={"audience": "agent:1002", "text": "only 1002",
                                                                 "minutes": "30", "csrf_token": csrf})
            kind, second = await _next_of(desk2, ("notice",))
            assert second["text"] == "only 1002"                   # the first one never came to 1002

            agent1 = app.test_client()
            login(agent1, "agent1")
            assert [n["id"] for n in agent1.get("/notices/mine").json["notices"]] == [first["id"]]
            read_csrf = page_csrf(agent1, "/kb/")
            assert agent1.post(f"/notices/{second['id']}/read", headers={"X-CSRF-Token": read_csrf}).status_code == 404
            assert agent1.post(f"/notices/{first['id']}/read", headers={"X-CSRF-Token": read_csrf}).json == {"ok": True}
            assert agent1.get("/notices/mine").json["notices"] == []
            receipts = sup.get(f"/notices/{first['id']}").get_data(as_text=True)
            assert "agent1" in receipts and "not yet" not in receipts
            listing = sup.get("/notices/").get_data(as_text=True)
            assert "1 / 1" in listing and "&lt;b&gt;请保存&lt;/b&gt;" in listing
            wall_now = sup.get("/notices/wallboard").get_data(as_text=True)
            assert f'data-id="{first["id"]}"' in wall_now and "&lt;b&gt;请保存" in wall_now

            await asyncio.to_thread(sup.post, f"/notices/{first['id']}/withdraw", data={"csrf_token": csrf})
            assert (await _next_of(wall, ("notice_withdrawn",)))[1]["id"] == first["id"]
            assert (await _next_of(desk1, ("notice_withdrawn",)))[1]["id"] == first["id"]
            assert "wall-notice" not in sup.get("/notices/wallboard").get_data(as_text=True)
        finally:
            for s in (desk1, desk2, wall):
                await s.close()
    assert agent1.get("/notices/").status_code == 403
    assert agent1.post("/notices/", data={"audience": "all", "text": "x", "csrf_token": read_csrf}).status_code == 403
    bad = sup.post("/notices/", data={"audience": "queue:nope", "text": "x", "csrf_token": csrf})
    assert bad.status_code == 400 and "nope" in bad.get_data(as_text=True)
    with db.reading(app) as conn:
        sent = [e for e in accounts.audit_entries(conn) if e["action"] == "notice_send"]
    assert [(e["target"], e["detail"]["recipients"]) for e in reversed(sent)] == [("agent:1001", 1), ("agent:1002", 1)]
