"""The supervisor page's server side on a real chand, ACD and ivrd (real-time clock): its event stream shows a
caller waiting, then answered, with the figures of today summed from what the ACD wrote; forcing an agent
not ready and ready is the ACD's `force`; listening rings the supervisor's sim phone, which then hears the
caller and the agent and is heard by neither (coaching: heard by the agent only); every action is audited; users without `supervise.use` are
refused (nothing changes in the ACD); a wallboard's stream has the queues only. The alert thresholds are
checked with file:line."""
from __future__ import annotations

import asyncio

import pytest

from telephonist.config import ConfigError, load_config
from telephonist.webadmin import db
from tests.acd.test_acd_controls import says
from tests.webadmin.desk_support import acd_calls, desk_site
from tests.webadmin.live_support import EventStream, session_cookie
from tests.webadmin.support import csrf_from, login
from tests.webadmin.test_desk_settings import SITE

CALLER = "13912345678"
POLICY = "12345678"
SUPERVISOR_PHONE = "8003"


async def logged_in(app, user: str):
    client = app.test_client()
    assert (await asyncio.to_thread(login, client, user)).status_code == 302
    return client


async def act(client, action: str, **form):
    page = await asyncio.to_thread(client.get, "/calls/")
    token = csrf_from(page.get_data(as_text=True))
    return await asyncio.to_thread(client.post, f"/supervisor/act/{action}", data={**form, "csrf_token": token})


async def until(stream: EventStream, part: str, pred, what: str) -> dict:
    """The next snapshot, or message with that part ("board", "figures"), whose part satisfies pred."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        kind, data = await stream.next(max(0.1, deadline - loop.time()))
        if kind in ("snapshot", part) and pred(data[part]):
            return data
        assert loop.time() < deadline, f"no {part} with {what}"


async def board_until(stream: EventStream, pred, what: str) -> dict:
    return (await until(stream, "board", pred, what))["board"]


async def supervise(site, supervisor, mode: str) -> None:
    """The page asks to supervise agent 1001 in that mode; the supervisor lifts the phone when it rings."""
    m, d = site.acd.tester.mark(), site.acd.desk.mark()
    r = await act(supervisor, mode, agent="1001", phone=SUPERVISOR_PHONE)
    assert r.status_code == 200, r.get_data(as_text=True)
    await site.lift(SUPERVISOR_PHONE, m)
    await site.acd.desk.wait_for(lambda e: e.get("event") == "published" and e["body"]["kind"] == "supervising"
                                 and e["body"]["mode"] == mode, since=d)


def queue(board: dict, name: str = "sales") -> dict:
    return next(q for q in board["queues"] if q["queue"] == name)


def agent(board: dict, number: str) -> dict:
    return next(a for a in board["agents"] if a["agent"] == number)


def audit_actions(app) -> list[tuple[str, str]]:
    with db.reading(app) as conn:
        rows = conn.exec_driver_sql("SELECT action, target FROM wa_audit_log ORDER BY id")
        return [(r.action, r.target) for r in rows]


@pytest.mark.long
async def test_supervisor_sees_a_caller_wait_and_be_answered_and_listens_in(tmp_path):
    async with desk_site(tmp_path) as site:
        acd, t = site.acd, site.acd.tester
        await acd.login("1001", "8001", ready=False)
        stream = await EventStream.open(site.served.port, session_cookie(site.app, "super"), "/supervisor/events")
        wall = await EventStream.open(site.served.port, session_cookie(site.app, "super"),
                                      "/wallboard/events")
        supervisor = await logged_in(site.app, "super")
        try:
            assert stream.status == 200
            board = await board_until(stream, lambda b: agent(b, "1001")["state"] == "not_ready", "1001 not ready")
            assert queue(board)["waiting"] == 0

            # a caller waits: the board says so, with when it joined (the browser ticks the wait from it)
            caller_far = await site.caller_to_queue(CALLER, POLICY)
            board = await board_until(stream, lambda b: queue(b)["waiting"] == 1, "a caller waiting")
            assert queue(board)["callers"][0]["caller"] == CALLER and queue(board)["oldest"] is not None
            assert queue(board)["agents"] == {"not_ready": 1}

            # force ready from the page: the ACD offers the caller, the agent lifts, the board shows the call
            m = t.mark()
            r = await act(supervisor, "force_ready", agent="1001")
            assert r.status_code == 200, r.get_data(as_text=True)
            await site.lift("8001", m)
            board = await board_until(stream, lambda b: agent(b, "1001")["state"] == "on_call", "1001 on a call")
            assert queue(board)["waiting"] == 0
            a = agent(board, "1001")
            assert a["caller"] == CALLER and a["call_since"] is not None

            # the figures of today: what the ACD wrote into acd_calls
            got = await until(stream, "figures", lambda f: (f["sales"]["today"] or {}).get("answered") == 1, "answered")
            rows = acd_calls(site, CALLER)
            assert len(rows) == 1 and rows[0]["outcome"] == "answered"
            today = got["figures"]["sales"]["today"]
            assert today["offered"] == 1 and today["abandoned"] == 0 and today["avg_wait_ms"] == rows[0]["wait_ms"]
            assert today["service_level"] == (1.0 if rows[0]["wait_ms"] <= 20000 else 0.0)
            assert got["figures"]["sales"]["recent"]["answered"] == 1
            assert got["settings"]["sales"]["service_level_s"] == 20 and got["calls_today"] == {"1001": 1}

            # listen: the supervisor's phone rings; lifted, it hears both and neither hears it
            await supervise(site, supervisor, "listen")
            agent_far, sup_far = acd.phone("8001"), acd.phone(SUPERVISOR_PHONE)
            everyone = [caller_far, agent_far, sup_far]
            await says(t, caller_far, "1", [agent_far, sup_far], everyone)
            await says(t, agent_far, "2", [caller_far, sup_far], everyone)
            await says(t, sup_far, "3", [], everyone)

            # whisper (coach): the supervisor hangs up, is rung again, and now only the agent hears it
            m = t.mark()
            await t.call("sim.hangup", far=sup_far)
            await t.wait_for("line_state", chan=f"phones/{int(SUPERVISOR_PHONE) - 8000}", state="idle", since=m)
            await supervise(site, supervisor, "whisper")
            await says(t, sup_far, "4", [agent_far], everyone)
            await says(t, caller_far, "5", [agent_far, sup_far], everyone)

            # force not ready during the call: after it (the ACD's rule); audited
            r = await act(supervisor, "force_not_ready", agent="1001", reason="meeting")
            assert r.status_code == 200, r.get_data(as_text=True)
            assert ("supervisor_force_ready", "1001") in audit_actions(site.app)
            assert ("supervisor_listen", "1001") in audit_actions(site.app)
            assert ("supervisor_whisper", "1001") in audit_actions(site.app)
            assert ("supervisor_force_not_ready", "1001") in audit_actions(site.app)

            # the wallboard's stream: the same queues, no agents and no callers' numbers
            kind, snap = await wall.next()
            assert kind == "snapshot" and snap["board"]["agents"] == []
            assert all(q["callers"] == [] for q in snap["board"]["queues"])
            assert [q["queue"] for q in snap["board"]["queues"]] == ["sales"]          # each queue once
        finally:
            await stream.close()
            await wall.close()


async def test_actions_are_refused_without_the_right_and_for_bad_input(tmp_path):
    async with desk_site(tmp_path) as site:
        acd = site.acd
        await acd.login("1001", "8001", ready=False)
        agent1 = await logged_in(site.app, "agent1")              # desk.use, not supervise.use
        r = await act(agent1, "force_ready", agent="1001")
        assert r.status_code == 403
        assert (await asyncio.to_thread(agent1.get, "/supervisor/")).status_code == 403
        assert (await asyncio.to_thread(agent1.get, "/wallboard")).status_code == 403
        for user, path in (("agent1", "/supervisor/events"), ("agent1", "/wallboard/events"),
                           ("audit", "/supervisor/events")):
            other = await EventStream.open(site.served.port, session_cookie(site.app, user), path)
            assert other.status == 403, (user, path)
            await other.close()
        assert await acd.agent_state("1001") == "not_ready"

        supervisor = await logged_in(site.app, "super")
        page = (await asyncio.to_thread(supervisor.get, "/supervisor/")).get_data(as_text=True)
        assert 'id="supervisor"' in page and 'id="phone"' in page
        zh = await asyncio.to_thread(supervisor.get, "/wallboard", headers={"Accept-Language": "zh-CN"})
        text = zh.get_data(as_text=True)
        assert zh.status_code == 200 and "最长等待" in text and "<nav>" not in text
        for action, form, status, code in (
                ("listen", {"agent": "1001"}, 400, "bad_request"),                  # the super user has no phone
                ("listen", {"agent": "1001", "phone": "80;01"}, 400, "bad_request"),
                ("force_ready", {"agent": "10 01"}, 400, "bad_request"),
                ("force_ready", {"agent": "1009"}, 404, "not_found"),                # no such agent in the ACD
                ("hangup", {"agent": "1001"}, 404, "not_found"),                     # not a supervisor's action
                ("listen", {"agent": "1001", "phone": SUPERVISOR_PHONE}, 409, "wrong_state")):   # no call
            r = await act(supervisor, action, **form)
            assert (r.status_code, r.get_json()["error"]["code"]) == (status, code), (action, r.get_data(as_text=True))
        assert await acd.agent_state("1001") == "not_ready"
        assert not [a for a, _ in audit_actions(site.app) if a.startswith("supervisor_")]

        # a message to a queue's agents reaches an agent's desktop; one to nowhere is refused
        desk = await EventStream.open(site.served.port, session_cookie(site.app, "agent1"), "/agent/events")
        try:
            token = csrf_from((await asyncio.to_thread(supervisor.get, "/supervisor/")).get_data(as_text=True))
            r = await asyncio.to_thread(supervisor.post, "/supervisor/message",
                                        data={"to": "queue:sales", "text": "all hands: VIP wave", "csrf_token": token})
            assert r.status_code == 200, r.get_data(as_text=True)
            while True:
                kind, data = await desk.next(30)
                if kind == "message":
                    break
            assert (data["to"], data["text"], data["from"]) == ("queue:sales", "all hands: VIP wave", "supervisor super")
            for to in ("queue:nowhere", "sales", "queue:a b"):
                r = await asyncio.to_thread(supervisor.post, "/supervisor/message",
                                            data={"to": to, "text": "x", "csrf_token": token})
                assert r.status_code in (400, 404), (to, r.status_code)
            own = csrf_from((await asyncio.to_thread(agent1.get, "/agent/")).get_data(as_text=True))
            r = await asyncio.to_thread(agent1.post, "/supervisor/message",
                                        data={"to": "all", "text": "x", "csrf_token": own})
            assert r.status_code == 403                         # agents have no supervise.use
        finally:
            await desk.close()
        assert ("supervisor_message", "queue:sales") in audit_actions(site.app)


def test_alert_thresholds_are_checked_with_their_lines(tmp_path):
    path = tmp_path / "telephonist.toml"
    path.write_text(SITE.replace("{db}", str(tmp_path / "t.db")) + """alert_wait_s = [30, 60]
alert_service_level = [0.8, 0.6]

[[queues]]
name = "claims"
alert_wait_s = [60, 30]
alert_waiting = [3]
alert_service_level = [0.6, 0.8]
""")
    with pytest.raises(ConfigError) as e:
        load_config(str(path))
    lines = path.read_text().splitlines()
    got = {(p.line, p.message) for p in e.value.problems}
    assert {line for line, _ in got} == {lines.index(text) + 1 for text in (
        "alert_wait_s = [60, 30]", "alert_waiting = [3]", "alert_service_level = [0.6, 0.8]")}
    text = " | ".join(m for _, m in got)
    for words in ("must not be more than red", "is a pair [amber, red]", "amber is the higher share"):
        assert words in text, text
