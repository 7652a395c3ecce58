"""Conference rooms end to end: chand (lockstep clock, sim E1) and ivrd's conference node, sim callers who
dial the room's number, key its PIN, and listen (their far end's DTMF detector is the ear). Each caller
keys a digit of its own; the others hear it and the caller does not; a muted caller is heard by nobody;
a kicked caller's line goes down; a locked or full room and a wrong PIN send the caller away; the
session's recording is one file with the room's audio in it."""
from __future__ import annotations

import os

import pytest

from telephonist.chand.routing import Route
from telephonist.config.conference import ConferenceConfig
from tests.support.chand_harness import SpanSpec
from tests.support.conference_callers import RoomCallers, loud_ms
from tests.support.ivrd_harness import running_ivrd
from tests.support.signals import DTMF_COLS, DTMF_KEYS, DTMF_ROWS, active_runs, goertzel_dbm0, read_wav

PROMPTS = ["{lang}/conf/enter-pin.wav", "{lang}/conf/wrong-pin.wav", "{lang}/conf/goodbye.wav",
           "{lang}/conf/full.wav", "{lang}/conf/locked.wav"]
BOARD = ConferenceConfig("board", pin="2468", leader_pin="97531", entry_tone=False, exit_tone=False)
BIG = ConferenceConfig("big", record=False, entry_tone=False)        # no PIN, 30 parties at most
ROUTES = [Route("conf:board", dialled="4009001"), Route("conf:big", dialled="4009002"), Route("ivr:", dialled="*")]
# a flow's own conference node, with the flow's own prompt for the PIN
FLOW = """
[flow]
numbers = ["4009100"]
start = "meet"

[nodes.meet]
type = "conference"
room = "board"
pin_prompts = "{lang}/conf/enter-pin.wav"
"""


def room(callers: RoomCallers, rooms: list[dict], name: str) -> dict:
    return next(r for r in rooms if r["name"] == name)


async def rooms_now(callers: RoomCallers) -> list[dict]:
    return (await callers.monitor.call("conf_rooms"))["rooms"]


@pytest.mark.long
async def test_callers_hear_each_other_not_themselves_mute_kick_lock_and_one_recording(tmp_path):
    async with running_ivrd(tmp_path, {"meet.toml": FLOW}, PROMPTS, spans=[SpanSpec("e1a", "e1", 8)],
                            routes=ROUTES, conferences=(BOARD, BIG)) as ivr:
        c = await RoomCallers.attach(ivr.chand, "e1a")
        a = await c.enter("13900000001", "4009001", pin="2468")
        b = await c.enter("13900000002", "4009001", pin="2468")
        cc = await c.enter("13900000003", "4009100", pin="2468")          # through a flow's node
        assert "zh/conf/enter-pin.wav" in " ".join(cc.prompts)
        parties = room(c, await rooms_now(c), "board")["parties"]
        assert [p["chan"] for p in parties] == [a.chan, b.chan, cc.chan]
        assert [p["caller"] for p in parties] == ["13900000001", "13900000002", "13900000003"]
        assert not any(p["muted"] for p in parties)

        # each says a digit of its own: the two others hear it, the speaker does not
        for who, digit in ((a, "1"), (b, "2"), (cc, "3")):
            others = [x for x in (a, b, cc) if x is not who]
            await c.say(who, digit)
            await c.until(lambda: all(x.heard.endswith(digit) for x in others))
        assert (a.heard, b.heard, cc.heard) == ("23", "13", "12")

        # a muted caller is heard by nobody (what b says next shows that a's digit would have arrived)
        await c.admin.call("conf_mute", conf="board", chan=a.chan)
        assert [p["muted"] for p in room(c, await rooms_now(c), "board")["parties"]] == [True, False, False]
        await c.say(a, "5")
        await c.say(b, "6")
        await c.until(lambda: a.heard.endswith("6") and cc.heard.endswith("6"))
        assert (b.heard, cc.heard) == ("13", "126")
        assert a.heard == "236"                       # a muted caller still hears the room
        await c.admin.call("conf_mute", conf="board", chan=a.chan, muted=False)
        await c.say(a, "7")
        await c.until(lambda: b.heard.endswith("7") and cc.heard.endswith("7"))

        # kicked: the caller's line goes down, the room has two
        mark = c.tester.mark()
        await c.admin.call("conf_kick", conf="board", chan=cc.chan)
        await c.tester.wait_for("line_state", chan=cc.chan, state="idle", since=mark)
        assert [p["chan"] for p in room(c, await rooms_now(c), "board")["parties"]] == [a.chan, b.chan]

        # locked: a new caller with the right PIN hears "locked" and is gone; the leader's PIN still enters
        await c.admin.call("conf_lock", conf="board")
        assert room(c, await rooms_now(c), "board")["locked"] is True
        mark = c.tester.mark()
        d = await c.dial("13900000004", "4009001", ["2468"])
        await c.refused(d, mark)
        assert any(p.endswith("conf/locked.wav") for p in d.prompts), d.prompts
        lead = await c.enter("13900000005", "4009001", pin="97531")
        parties = room(c, await rooms_now(c), "board")["parties"]
        assert [(p["chan"], p["leader"]) for p in parties] == [(a.chan, False), (b.chan, False), (lead.chan, True)]
        await c.say(lead, "9")
        await c.until(lambda: a.heard.endswith("9") and b.heard.endswith("9"))

        # everyone leaves: the session's recording is one file, with the room's audio in it
        mark = c.monitor.mark()
        for who in (a, b, lead):
            await c.tester.call("sim.hangup", far=who.far)
        done = await c.monitor.wait_for("conference_recorded", since=mark)
        total, loud = loud_ms(done["path"])
        assert total > 0 and loud >= 5 * 60, (total, loud)        # at least the keys said (about 100 ms each)
        folder = os.path.dirname(done["path"])
        assert [f for f in os.listdir(folder) if f.startswith("conf-board")] == [os.path.basename(done["path"])]
        assert room(c, await rooms_now(c), "board")["parties"] == []
        # the parties' call records name the session's recording
        rows = ivr.rows("SELECT count(*) AS n FROM call_events WHERE kind = 'conference_recording' "
                        "AND data LIKE :p", p=f"%{os.path.basename(done['path'])}%")
        assert rows[0]["n"] == 4, rows


async def test_wrong_pin_three_times_then_goodbye(tmp_path):
    async with running_ivrd(tmp_path, {"meet.toml": FLOW}, PROMPTS, routes=ROUTES, conferences=(BOARD, BIG)) as ivr:
        c = await RoomCallers.attach(ivr.chand, "e1a")
        mark = c.tester.mark()
        who = await c.dial("13900000009", "4009001", ["1111", "2222", "3333"])
        await c.refused(who, mark)
        assert [p.rsplit("/", 1)[-1] for p in who.prompts] == [
            "enter-pin.wav", "wrong-pin.wav", "enter-pin.wav", "wrong-pin.wav", "enter-pin.wav", "goodbye.wav"]
        assert room(c, await rooms_now(c), "board")["parties"] == []


async def test_the_31st_caller_is_refused(tmp_path):
    async with running_ivrd(tmp_path, {"meet.toml": FLOW}, PROMPTS, spans=[SpanSpec("e1a", "e1", 31)],
                            routes=ROUTES, conferences=(BOARD, BIG)) as ivr:
        c = await RoomCallers.attach(ivr.chand, "e1a")
        callers = [await c.enter(f"1390000{i:04d}", "4009002") for i in range(30)]
        assert len(room(c, await rooms_now(c), "big")["parties"]) == 30
        mark = c.tester.mark()
        last = await c.dial("13900009999", "4009002")
        await c.refused(last, mark)
        assert any(p.endswith("conf/full.wav") for p in last.prompts), last.prompts
        assert len(room(c, await rooms_now(c), "big")["parties"]) == 30
        await c.say(callers[0], "4")              # the 30 still hear each other
        try:
            await c.until(lambda: all(x.heard == "4" for x in callers[1:]), timeout=10)
        except TimeoutError:
            pass
        assert [x.heard for x in callers[1:]] == ["4"] * 29
        assert callers[0].heard == ""


async def test_refusals_of_the_control_api(tmp_path):
    async with running_ivrd(tmp_path, {"meet.toml": FLOW}, PROMPTS, routes=ROUTES, conferences=(BOARD, BIG)) as ivr:
        c = await RoomCallers.attach(ivr.chand, "e1a")
        from telephonist.client import ApiCallError
        import pytest
        for cmd, args in (("conf_mute", {"conf": "board", "chan": "e1a/1"}), ("conf_lock", {"conf": "board"}),
                          ("conf_kick", {"conf": "board", "chan": "e1a/1"})):
            with pytest.raises(ApiCallError) as exc:
                await c.monitor.call(cmd, **args)
            assert exc.value.code == "forbidden"
        for cmd, args in (("conf_mute", {"conf": "board", "chan": "e1a/1"}),     # an application holding no leader
                          ("conf_kick", {"conf": "board", "chan": "e1a/1"}),
                          ("conf_enter_vouched", {"conf": "board", "chan": "e1a/1"})):   # only the ACD vouches
            with pytest.raises(ApiCallError) as exc:
                await c.tester.call(cmd, **args)
            assert exc.value.code == "forbidden", cmd
        with pytest.raises(ApiCallError) as exc:
            await c.admin.call("conf_lock", conf="nosuch")
        assert exc.value.code == "not_found"
        with pytest.raises(ApiCallError) as exc:
            await c.admin.call("conf_kick", conf="board", chan="e1a/1")
        assert exc.value.code == "not_found"


def digits_in(path: str) -> str:
    """The DTMF digits in a recording, in order (each loud stretch: its strongest row and column)."""
    samples = read_wav(path).samples[0]
    out = ""
    for start, end in active_runs(samples, threshold_dbm0=-35.0):
        if end - start < 320:                          # shorter than 40 ms: a tone's edge, not a key
            continue
        row = max(DTMF_ROWS, key=lambda f: goertzel_dbm0(samples, f, start, end))
        col = max(DTMF_COLS, key=lambda f: goertzel_dbm0(samples, f, start, end))
        out += DTMF_KEYS[DTMF_ROWS.index(row)][DTMF_COLS.index(col)]
    return out


async def test_a_muted_partys_voice_never_reaches_the_recording(tmp_path):
    """The room records on its first party (the anchor); muted, the anchor's own keys must stay out of the
    recording while the others' go in (the recording used to take the anchor's line as well: '1659')."""
    async with running_ivrd(tmp_path, {"meet.toml": FLOW}, PROMPTS, spans=[SpanSpec("e1a", "e1", 4)],
                            routes=ROUTES, conferences=(BOARD, BIG)) as ivr:
        c = await RoomCallers.attach(ivr.chand, "e1a")
        a = await c.enter("13900000001", "4009001", pin="2468")          # the anchor
        b = await c.enter("13900000002", "4009001", pin="2468")
        await c.say(a, "1")
        await c.until(lambda: b.heard.endswith("1"))
        await c.admin.call("conf_mute", conf="board", chan=a.chan)
        mark = c.tester.mark()
        sent = (await c.tester.call("sim.dtmf", far=a.far, digits="5"))["id"]     # whole, while muted
        await c.tester.wait_for(lambda e: e.get("what") == "dtmf_sent" and e.get("far") == a.far
                                and e.get("id") == sent, since=mark)
        await c.say(b, "6")
        await c.until(lambda: a.heard.endswith("6"))
        await c.admin.call("conf_mute", conf="board", chan=a.chan, muted=False)
        await c.say(a, "9")
        await c.until(lambda: b.heard.endswith("9"))
        assert b.heard == "19"
        mark = c.monitor.mark()
        for who in (a, b):
            await c.tester.call("sim.hangup", far=who.far)
        done = await c.monitor.wait_for("conference_recorded", since=mark)
        assert digits_in(done["path"]) == "169"
