"""Web chats as ACD media: the chat board's order and limits on their own (chats.py), then the real ACD on a
real chand: the console (application webadmin) hands in visitors' chats, agents' desktops accept them, lines go
both ways into acd_chat_messages, the fourth chat waits while the agent holds three, an unaccepted offer goes
back, and a restart keeps them."""
from __future__ import annotations

import hashlib
from itertools import count

import pytest

from telephonist.acd.agent_state import AgentMachine, AgentState
from telephonist.acd.chats import Chat, ChatBoard, ChatSignal, ChatState, ChatStateError
from telephonist.acd.model import Agent
from telephonist.client import ApiCallError
from telephonist.config.acd import AgentConfig, QueueConfig
from telephonist.engine import Clock
from tests.acd.harness import running_acd

WEB = QueueConfig("web", media="chat", skills={"chat": 1}, max_chats=3)
VOICE = QueueConfig("sales")


def agent(number: str, order: int = 0, skills=None, queues=("web", "sales"), ready_ms: int = 0) -> Agent:
    a = Agent.from_config(AgentConfig(number, skills={"chat": 5} if skills is None else skills, queues=queues),
                          order, AgentMachine(number, lambda *args: None))
    a.machine.state = AgentState.READY
    a.ready_since_ms = ready_ms
    return a


def chats(board: ChatBoard, n: int, priority: int = 0, start: int = 1) -> list[Chat]:
    out = []
    for i in range(start, start + n):
        c = Chat(i, "web", f"visitor {i}", seq=i, entered_ms=0, priority=priority)
        board.add(c)
        out.append(c)
    return out


# ---- the board on its own ---------------------------------------------------------------------------------
def test_an_agent_holds_at_most_its_limit_and_the_fourth_chat_waits_first_in_line():
    board = ChatBoard([WEB, VOICE])
    a = agent("1001")
    waiting = chats(board, 4)
    offers = board.match([a])
    assert [c.id for c, _ in offers] == [1, 2, 3] and all(x is a for _, x in offers)
    assert waiting[3].state == ChatState.WAITING and board.position(waiting[3]) == 1
    assert board.match([a]) == []
    board.signal(waiting[1], ChatSignal.ACCEPT)
    board.signal(waiting[1], ChatSignal.END)               # one ends: the fourth comes to the same agent
    assert [(c.id, x.number) for c, x in board.match([a])] == [(4, "1001")]


def test_the_agents_own_limit_wins_over_the_queues():
    board = ChatBoard([WEB], limits={"1001": 1})
    chats(board, 3)
    assert len(board.match([agent("1001")])) == 1


def test_chats_keep_priority_then_arrival_order_like_callers():
    board = ChatBoard([QueueConfig("web", media="chat", max_chats=1)])
    chats(board, 2)
    vip = chats(board, 1, priority=10, start=3)[0]
    a, b, c = agent("1001", 0), agent("1002", 1), agent("1003", 2)
    for x in (a, b, c):
        x.skills = {}
    order = [chat.id for chat, _ in board.match([a, b, c])]
    assert order == [vip.id, 1, 2]


def test_only_ready_qualified_agents_get_chats_and_the_least_busy_goes_first():
    board = ChatBoard([WEB, VOICE])
    busy = agent("1001", 0, ready_ms=0)
    idle = agent("1002", 1, ready_ms=5)
    no_skill = agent("1003", 2, skills={})
    away = agent("1004", 3)
    away.machine.state = AgentState.NOT_READY
    on_call = agent("1005", 4)
    on_call.machine.state = AgentState.ON_CALL
    first = chats(board, 1)[0]
    assert [x.number for _, x in board.match([busy, idle, no_skill, away, on_call])] == ["1001"]
    chats(board, 2, start=2)
    # 1001 holds one: 1002 (none) first, then the two hold one each and the longest ready (1001) takes the next
    assert [x.number for _, x in board.match([busy, idle, no_skill, away, on_call])] == ["1002", "1001"]
    assert first.agent == "1001"


def test_an_offer_that_ran_out_goes_back_to_its_place_and_others_come_first():
    board = ChatBoard([WEB])
    a, b = agent("1001", 0), agent("1002", 1, ready_ms=10)
    first, second = chats(board, 2)
    assert [(c.id, x.number) for c, x in board.match([a])] == [(1, "1001"), (2, "1001")]
    first.passed.add("1001")
    board.signal(first, ChatSignal.NO_ANSWER)
    assert first.state == ChatState.WAITING and first.agent is None and board.position(first) == 1
    assert [(c.id, x.number) for c, x in board.match([a, b])] == [(1, "1002")]
    with pytest.raises(ChatStateError):
        board.signal(second, ChatSignal.OFFER)              # offered already


# ---- the real ACD -------------------------------------------------------------------------------------------
QUEUES = """
[[queues]]
name = "sales"

[[queues]]
name = "web"
media = "chat"
skills = { chat = 1 }
max_chats = 3
ring_timeout_s = {ring}
"""
AGENTS = """
[[agents]]
number = "1001"
name = "Li Wei"
extension = "8001"
queues = ["sales", "web"]
skills = { chat = 5 }

[[agents]]
number = "1002"
name = "Wang Fang"
extension = "8002"
queues = ["sales", "web"]
skills = { chat = 5 }
"""
tokens = count(1)


def token_hash() -> str:
    return hashlib.sha256(f"visitor-{next(tokens)}".encode()).hexdigest()


def published(kind: str, **match):
    return lambda e: (e.get("event") == "published" and e["body"].get("kind") == kind
                      and all(e["body"].get(k) == v for k, v in match.items()))


async def new_chat(console, name: str) -> dict:
    return await console.request("queue", {"action": "chat_new", "queue": "web", "token_hash": token_hash(),
                                           "visitor": name, "email": f"{name}@example.com", "phone": "",
                                           "customer_id": None})


async def test_chats_reach_the_agent_up_to_three_the_fourth_waits_lines_go_both_ways(tmp_path):
    async with running_acd(tmp_path, QUEUES.replace("{ring}", "600"), AGENTS, clock=Clock.REALTIME) as acd:
        console = await acd.chand.client("webadmin")
        await acd.login("1001", "8001")
        m = acd.desk.mark()
        made = [await new_chat(console, f"v{i}") for i in range(4)]
        ids = [c["chat"] for c in made]
        for cid in ids[:3]:
            await acd.desk.wait_for(published("chat_offered", chat=cid, agent="1001"), since=m)
        status = await console.request("queue", {"action": "chat_status", "chat": ids[3]})
        assert status["state"] == "waiting" and status["position"] == 1
        assert await acd.agent_state("1001") == "ready"                 # chats leave the voice state alone
        # the agent accepts the first; lines go both ways, written before they are published
        await acd.ask("chat_accept", agent="1001", chat=ids[0])
        await console.request("queue", {"action": "chat_post", "chat": ids[0], "text": "你好, my card is lost"})
        await acd.ask("chat_post", agent="1001", chat=ids[0], text="I will block it now")
        await acd.desk.wait_for(published("chat_message", chat=ids[0], sender="agent:1001"), since=m)
        rows = acd.rows("SELECT sender, text FROM acd_chat_messages WHERE chat_id = :c ORDER BY id", c=ids[0])
        assert rows == [{"sender": "visitor", "text": "你好, my card is lost"},
                        {"sender": "agent:1001", "text": "I will block it now"}]
        # an agent writes only into a chat it accepted, and only its own
        with pytest.raises(ApiCallError) as e:
            await acd.ask("chat_post", agent="1001", chat=ids[1], text="too soon")
        assert e.value.code == "wrong_state"
        with pytest.raises(ApiCallError) as e:
            await acd.ask("chat_post", agent="1002", chat=ids[0], text="not mine")
        assert e.value.code == "not_found"
        # the agent ends one: the fourth is offered to it
        m = acd.desk.mark()
        await acd.ask("chat_end", agent="1001", chat=ids[0])
        await acd.desk.wait_for(published("chat_ended", chat=ids[0], by="agent:1001"), since=m)
        await acd.desk.wait_for(published("chat_offered", chat=ids[3], agent="1001"), since=m)
        row = acd.rows("SELECT * FROM acd_chats WHERE id = :c", c=ids[0])[0]
        assert row["state"] == "ended" and row["ended_by"] == "agent:1001" and row["messages"] == 2
        assert row["accepted_at"] is not None and row["agent"] == "1001"
        # the visitor leaves a chat still offered: it is gone from the agent's list
        await console.request("queue", {"action": "chat_end", "chat": ids[1]})
        held = (await acd.ask("chats", agent="1001"))["chats"]
        assert sorted(c["chat"] for c in held) == [ids[2], ids[3]]


async def test_only_the_console_speaks_for_a_visitor(tmp_path):
    async with running_acd(tmp_path, QUEUES.replace("{ring}", "600"), AGENTS, clock=Clock.REALTIME) as acd:
        for action, body in (("chat_new", {"queue": "web", "token_hash": "0" * 64, "visitor": "x"}),
                             ("chat_post", {"chat": 1, "text": "hi"}), ("chat_end", {"chat": 1}),
                             ("chat_status", {"chat": 1})):
            with pytest.raises(ApiCallError) as e:
                await acd.ask(action, **body)                # the harness's desk is application "desk"
            assert e.value.code == "forbidden"
        console = await acd.chand.client("webadmin")
        with pytest.raises(ApiCallError) as e:
            await console.request("queue", {"action": "chat_new", "queue": "sales", "token_hash": "0" * 64,
                                            "visitor": "x"})
        assert e.value.code == "not_found"                    # a voice queue takes no chats
        with pytest.raises(ApiCallError) as e:
            await console.request("queue", {"action": "chat_post", "chat": 1, "text": "x" * 2001})
        assert e.value.code == "bad_request"


async def test_an_offer_not_accepted_goes_back_and_then_to_the_other_agent(tmp_path):
    async with running_acd(tmp_path, QUEUES.replace("{ring}", "5"), AGENTS) as acd:
        console = await acd.chand.client("webadmin")
        await acd.login("1001", "8001")
        m = acd.desk.mark()
        cid = (await new_chat(console, "slow"))["chat"]
        await acd.desk.wait_for(published("chat_offered", chat=cid, agent="1001"), since=m)
        await acd.login("1002", "8002")
        back = await acd.desk.wait_for(published("chat_returned", chat=cid, agent="1001"), since=m)
        assert back["body"]["why"] == "no_answer"
        await acd.desk.wait_for(published("chat_offered", chat=cid, agent="1002"), since=m)


async def test_a_restarted_acd_keeps_waiting_and_active_chats_and_a_logout_gives_chats_back(tmp_path):
    async with running_acd(tmp_path, QUEUES.replace("{ring}", "600"), AGENTS, clock=Clock.REALTIME) as acd:
        console = await acd.chand.client("webadmin")
        await acd.login("1001", "8001")
        m = acd.desk.mark()
        ids = [(await new_chat(console, f"r{i}"))["chat"] for i in range(4)]
        await acd.desk.wait_for(published("chat_offered", chat=ids[2]), since=m)
        await acd.ask("chat_accept", agent="1001", chat=ids[0])
        await acd.restart()
        held = {c["chat"]: c["state"] for c in (await acd.ask("chats", agent="1001"))["chats"]}
        status = {c["chat"]: c for c in (await acd.ask("status"))["chats"]}
        assert ids[0] in held and held[ids[0]] == "active"
        assert set(status) == set(ids)
        # the offered ones came back and are offered again (to the same agent, the only one), in their order
        await acd.ask("chat_post", agent="1001", chat=ids[0], text="still here")
        m = acd.desk.mark()
        await acd.ask("logout", agent="1001")
        returned = {(await acd.desk.wait_for(published("chat_returned", chat=c, why="logout"), since=m))["body"]["chat"]
                    for c in ids[:3]}
        assert returned == set(ids[:3])
        await acd.login("1002", "8002")
        m2 = [await acd.desk.wait_for(published("chat_offered", chat=c, agent="1002"), since=m) for c in ids[:3]]
        assert [e["body"]["chat"] for e in m2] == ids[:3]


def test_chat_and_mail_settings_are_checked_with_file_and_line(tmp_path):
    from tests.config.test_config import MINIMAL, problems, write
    from tests.support.config_text import agent_phones
    path = write(tmp_path, MINIMAL + agent_phones(["8001"]) + """
[acd]
agents_trunk_group = "desks"
mail_listen = "nowhere"
mail_addresses = { "support@example.com" = "web", "bad address" = "mail" }

[webadmin]
chat_queues = ["sales", "web"]
chat_origins = ["https://www.example.com/path"]

[[queues]]
name = "sales"
media = "fax"

[[queues]]
name = "web"
media = "chat"
max_chats = 0

[[queues]]
name = "mail"
media = "email"

[[agents]]
number = "1001"
extension = "8001"
queues = ["web"]
max_chats = 21
""")
    text = " | ".join(m for _, _, m in problems(path))
    for words in ("media must be one of voice, chat, email", "max_chats must be from 1 to 20",
                  "max_chats must be from 0 (the queue's) to 20", "mail_listen is HOST:PORT",
                  "'bad address' is not an e-mail address", "no e-mail queue named 'web'",
                  "no chat queue named 'sales'", "an origin is https://host[:port], without a path"):
        assert words in text, (words, text)
