"""Listening to a mailbox by phone on a real chand (sim E1, lockstep clock): PIN and lockout, replay,
save, delete, forward, the greeting and the PIN changed, each as the database sees it."""
from __future__ import annotations

import asyncio
import os
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from telephonist.config.model import VoicemailConfig
from telephonist.ivrd.voicemail import store_of
from telephonist.ivrd.voicemail.prompts import all_prompts
from tests.support.ivrd_harness import make_prompt, running_ivrd
from tests.support.voicemail_caller import make_speech, use_voicemail_caller

ACCESS_FLOW = """
[flow]
numbers = ["4008*"]
start = "box"

[nodes.box]
type = "voicemail_access"
order = "{order}"
"""
PROMPTS = all_prompts()


def vm(tmp_path, **kw) -> dict:
    kw.setdefault("silence_s", 2)
    return {"voicemail": VoicemailConfig(dir=str(tmp_path / "voicemail"), **kw)}


async def deposit(store, tmp_path, mailbox: str, caller: str, ms: int, minutes_ago: int) -> int:
    """A message as a call leaves it (a recording placed in the box, then its row), dated minutes ago."""
    def go() -> int:
        src = str(tmp_path / "recordings" / f"{caller}.wav")
        make_prompt(src, ms=ms, freq=500)
        d = store.begin_deposit(mailbox, caller=caller, dialled="4008001234", call_id=f"c-{caller}")
        msg = store.finish_deposit(d, src)
        with store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE voicemail_messages SET created_at = ? WHERE id = ?",
                                 ((datetime.now(timezone.utc) - timedelta(minutes=minutes_ago))
                                  .replace(tzinfo=None).isoformat(sep=" "), msg.id))
        return msg.id
    return await asyncio.to_thread(go)


def states(ivr) -> dict[tuple[str, str], tuple]:
    """(mailbox, caller) -> (state, heard, forwarded from)"""
    return {(r["mailbox"], r["caller"]): (r["state"], r["heard_at"] is not None, r["forwarded_from"])
            for r in ivr.rows("SELECT * FROM voicemail_messages ORDER BY id")}


@pytest.mark.long
async def test_wrong_pins_lock_the_box(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": ACCESS_FLOW.replace("{order}", "oldest")}, PROMPTS,
                            ivrd=vm(tmp_path, pin_max_failures=3, pin_lockout_s=600)) as ivr:
        await use_voicemail_caller(ivr)
        store = store_of(ivr.service.services)
        await asyncio.to_thread(store.create_box, "100", "1000")
        wrong = [{"press": "100#"}, {"press": "1111#"}, {"press": "100#"}, {"press": "2222#"},
                 {"press": "100#"}, {"press": "3333#"}]
        out = await ivr.call(wrong)
        assert out.prompts == ["zh/vm/enter-mailbox.wav", "zh/vm/enter-pin.wav", "zh/vm/wrong-pin.wav"] * 2 + \
            ["zh/vm/enter-mailbox.wav", "zh/vm/enter-pin.wav", "zh/vm/locked.wav", "zh/vm/goodbye.wav"]
        assert [s[2] for s in ivr.steps(out.call_id)] == ["bad_pin", "bad_pin", "locked"]
        [box] = ivr.rows("SELECT pin_failures, locked_until FROM voicemail_boxes")
        assert box["locked_until"] is not None and box["pin_failures"] == 0

        # locked: even the right PIN does not open it now
        out = await ivr.call([{"press": "100#"}, {"press": "1000#"}])
        assert out.prompts[-2:] == ["zh/vm/locked.wav", "zh/vm/goodbye.wav"]
        assert ivr.steps(out.call_id) == [("box", "****", "locked")]

        # an unknown box answers like a wrong PIN, and a right PIN resets the count
        await asyncio.to_thread(store.create_box, "200", "2000")
        out = await ivr.call([{"press": "999#"}, {"press": "2000#"}, {"press": "200#"}, {"press": "1#"},
                              {"press": "200#"}, {"press": "2000#"}, {"press": "*"}])
        assert [s[2] for s in ivr.steps(out.call_id)] == ["bad_pin", "bad_pin", "login"]
        assert ivr.rows("SELECT pin_failures FROM voicemail_boxes WHERE mailbox = '200'") == [{"pin_failures": 0}]


async def test_replay_save_delete_forward_and_next(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": ACCESS_FLOW.replace("{order}", "oldest")}, PROMPTS,
                            ivrd=vm(tmp_path)) as ivr:
        await use_voicemail_caller(ivr)
        store = store_of(ivr.service.services)
        await asyncio.to_thread(store.create_box, "100", "1000")
        await asyncio.to_thread(store.create_box, "200", "2000")
        first = await deposit(store, tmp_path, "100", "13900000001", 1500, minutes_ago=30)
        second = await deposit(store, tmp_path, "100", "13900000002", 1600, minutes_ago=20)
        third = await deposit(store, tmp_path, "100", "13900000003", 1700, minutes_ago=10)
        paths = {r["id"]: r["path"] for r in ivr.rows("SELECT id, path FROM voicemail_messages")}

        out = await ivr.call([
            {"press": "100#"}, {"press": "1000#"},
            {"press": "1"},                                  # main menu: new messages
            {"press": "1"}, {"press": "2"},                  # first: replay, save
            {"press": "4"}, {"press": "200#"}, {"press": "3"},   # second: forward to 200, delete
            {"press": "5"},                                  # third: next (stays new)
            {"press": "*"},                                  # main menu: leave
        ])
        assert out.prompts == [
            "zh/vm/enter-mailbox.wav", "zh/vm/enter-pin.wav",
            "zh/vm/you-have.wav", "zh/vm/count-3.wav", "zh/vm/new-messages.wav", "zh/vm/and.wav",
            "zh/vm/count-0.wav", "zh/vm/saved-messages.wav", "zh/vm/main-menu.wav",
            "zh/vm/message.wav", paths[first], "zh/vm/message-menu.wav", paths[first], "zh/vm/message-menu.wav",
            "zh/vm/saved.wav",
            "zh/vm/message.wav", paths[second], "zh/vm/message-menu.wav", "zh/vm/enter-forward-mailbox.wav",
            "zh/vm/forwarded.wav", "zh/vm/message-menu.wav", "zh/vm/deleted.wav",
            "zh/vm/message.wav", paths[third], "zh/vm/message-menu.wav",
            "zh/vm/no-more-messages.wav",
            "zh/vm/you-have.wav", "zh/vm/count-1.wav", "zh/vm/new-messages.wav", "zh/vm/and.wav",
            "zh/vm/count-1.wav", "zh/vm/saved-messages.wav", "zh/vm/main-menu.wav", "zh/vm/goodbye.wav"]
        assert [s[2] for s in ivr.steps(out.call_id)] == ["login", "replay", "save", "forward", "delete", "next"]
        assert states(ivr) == {
            ("100", "13900000001"): ("saved", True, None),
            ("100", "13900000002"): ("deleted", True, None),
            ("100", "13900000003"): ("new", True, None),        # heard, not dealt with: still new
            ("200", "13900000002"): ("new", False, second)}     # the forwarded copy
        copies = ivr.rows("SELECT * FROM voicemail_messages WHERE mailbox = '200'")
        assert len(copies) == 1 and copies[0]["forwarded_from"] == second and copies[0]["state"] == "new"
        assert copies[0]["path"] != paths[second] and os.path.exists(copies[0]["path"])
        with open(copies[0]["path"], "rb") as a, open(paths[second], "rb") as b:
            assert a.read() == b.read()
        assert os.path.exists(paths[second])                 # deleted, not yet purged
        assert ivr.session(out.call_id)["outcome"] == "hangup"


async def test_newest_first_and_saved_messages(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": ACCESS_FLOW.replace("{order}", "newest")}, PROMPTS,
                            ivrd=vm(tmp_path)) as ivr:
        await use_voicemail_caller(ivr)
        store = store_of(ivr.service.services)
        await asyncio.to_thread(store.create_box, "100", "1000")
        old = await deposit(store, tmp_path, "100", "13900000001", 1500, minutes_ago=30)
        new = await deposit(store, tmp_path, "100", "13900000002", 1500, minutes_ago=5)
        await asyncio.to_thread(store.set_state, old, "saved")
        paths = {r["id"]: r["path"] for r in ivr.rows("SELECT id, path FROM voicemail_messages")}
        # a key pressed during a message acts at once: 3 deletes the newest while it plays
        out = await ivr.call([{"press": "100#"}, {"press": "1000#"}, {"press": "1"}, {"press": "3"},
                              {"press": "2"}, {"press": "*"}, {"press": "*"}])
        heard = [p for p in out.prompts if p in paths.values()]
        assert heard == [paths[new], paths[old]]
        assert states(ivr) == {("100", "13900000001"): ("saved", True, None),
                               ("100", "13900000002"): ("deleted", True, None)}


@pytest.mark.long
async def test_record_the_greeting_and_change_the_pin(tmp_path):
    leave = """
[flow]
name = "leave"
numbers = ["4009*"]
[nodes.vm]
type = "voicemail"
mailbox = "100"
"""
    flows = {"main.toml": ACCESS_FLOW.replace("{order}", "oldest").replace("start = \"box\"", "start = \"box\"\n"),
             "leave.toml": leave}
    async with running_ivrd(tmp_path, flows, PROMPTS, ivrd=vm(tmp_path)) as ivr:
        await use_voicemail_caller(ivr)
        speech = "speech/greeting.wav"
        make_speech(os.path.join(ivr.prompts_dir, speech), "This is Li Ming. Please leave a message.")
        store = store_of(ivr.service.services)
        await asyncio.to_thread(store.create_box, "100", "1000")
        out = await ivr.call([
            {"press": "100#"}, {"press": "1000#"},
            {"press": "3"}, {"speak": speech, "press": "#"}, {"press": "1"},     # record, hear, keep
            {"press": "4"}, {"press": "5678#"}, {"press": "5678#"},             # new PIN twice
            {"press": "*"}])
        assert [s[2] for s in ivr.steps(out.call_id)] == ["login", "greeting_set", "pin_changed"]
        assert "zh/vm/greeting-saved.wav" in out.prompts and "zh/vm/pin-changed.wav" in out.prompts
        box = await asyncio.to_thread(store.box, "100")
        assert box.greeting_path and box.greeting_path.startswith(str(tmp_path / "voicemail" / "100"))
        assert (await asyncio.to_thread(store.check_pin, "100", "5678")).ok
        assert (await asyncio.to_thread(store.check_pin, "100", "1000")).result == "bad_pin"

        # callers now hear the box's own greeting
        out = await ivr.call([{"hangup": True}], dialled="4009000000")
        assert out.prompts[0] == box.greeting_path


async def test_counts_callers_and_times_read_out_with_the_say_fragments(tmp_path):
    from telephonist.ivrd.say import fragments
    from telephonist.ivrd.say.fragments import fragment_names
    async with running_ivrd(tmp_path, {"main.toml": ACCESS_FLOW.replace("{order}", "oldest")},
                            PROMPTS + fragment_names("zh") + fragment_names("en"), ivrd=vm(tmp_path)) as ivr:
        await use_voicemail_caller(ivr)
        store = store_of(ivr.service.services)
        await asyncio.to_thread(store.create_box, "100", "1000")
        first = await deposit(store, tmp_path, "100", "13900000001", 1500, minutes_ago=60 * 24 * 40)
        await deposit(store, tmp_path, "100", "13900000002", 1500, minutes_ago=1)
        [row] = ivr.rows("SELECT created_at, path FROM voicemail_messages WHERE id = :i", i=first)
        at = datetime.fromisoformat(str(row["created_at"])).replace(tzinfo=timezone.utc).astimezone(
            ZoneInfo("Asia/Shanghai"))
        out = await ivr.call([{"press": "100#"}, {"press": "1000#"}, {"press": "1"}, {"press": "*"}, {"press": "*"}])
        start = out.prompts.index("zh/vm/you-have.wav")
        assert out.prompts[start:start + 6] == ["zh/vm/you-have.wav", "zh/say/liang.wav", "zh/vm/new-messages.wav",
                                                "zh/vm/and.wav", "zh/say/0.wav", "zh/vm/saved-messages.wav"]
        m = out.prompts.index("zh/vm/message.wav")
        about = (["zh/vm/from.wav"] + fragments("digits", "13900000001", "zh") + ["zh/vm/received.wav"] +
                 fragments("date", at.strftime("%Y-%m-%d"), "zh", weekday=False) +
                 fragments("time", at.strftime("%H:%M"), "zh"))
        assert out.prompts[m + 1:m + 2 + len(about)] == about + [row["path"]]
