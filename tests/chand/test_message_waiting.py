"""Message waiting on phone ports (sim FXS spans): the `mwi` command, FSK to the idle phone, stutter dial tone."""
import struct
import wave

import pytest

from telephonist.chand.signalling import LineOptions
from telephonist.client import ApiCallError
from tests.support.chand_harness import SpanSpec, running_chand


def fields(text):
    return dict(part.split("=", 1) for part in text.split(";"))


def tone_bursts(path):
    """How many times the tone starts again after a gap (20 ms frames), over the recording."""
    with wave.open(str(path), "rb") as w:
        data = w.readframes(w.getnframes())
    samples = struct.unpack(f"<{len(data) // 2}h", data)
    on = [sum(x * x for x in samples[i:i + 160]) / 160 > 1e5 for i in range(0, len(samples) - 160, 160)]
    return sum(1 for a, b in zip(on, on[1:]) if b and not a), sum(on)


async def dial_tone_heard(tester, tmp_path, far, name):
    """The phone lifts and records what it hears for 1.6 s, then hangs up."""
    heard = tmp_path / f"{name}.wav"
    await tester.call("sim.call", chan=far.split("~")[0])
    mark = tester.mark()
    await tester.call("sim.record", far=far, path=str(heard), max_ms=1600)
    await tester.wait_for("far", far=far, what="rec_done", timeout=60, since=mark)
    await tester.call("sim.hangup", far=far)
    return tone_bursts(heard)


async def test_messages_reach_the_idle_phone_and_its_dial_tone_stutters(tmp_path):
    opts = LineOptions(first_digit_ms=20000)
    spans = [SpanSpec("phones", "fxs", 2, options=opts, extensions=["8001", "8002"])]
    async with running_chand(tmp_path, spans) as chand:
        ivr = await chand.client("ivr")
        tester = await chand.client("tester")
        for far in ("phones/1~far", "phones/2~far"):
            await tester.call("sim.take", far=far)

        mark = tester.mark()
        r = await ivr.call("mwi", extension="8001", messages=3)
        assert r["lines"] == ["phones/1"]
        ev = await tester.wait_for(lambda e: e["event"] == "far" and e["what"] == "cid", since=mark, timeout=60)
        assert ev["far"] == "phones/1~far"
        assert fields(ev["text"])["mwi"] == "1" and fields(ev["text"])["messages"] == "3"
        status = await ivr.call("status")
        shown = {ln["chan"]: ln for ln in status["lines"]}
        assert shown["phones/1"].get("messages_waiting") == 3 and "messages_waiting" not in shown["phones/2"]

        # lifted: stutter first (bursts of 100 ms in the cn zone), the other phone steady dial tone
        bursts, frames_on = await dial_tone_heard(tester, tmp_path, "phones/1~far", "stutter")
        assert bursts >= 5, (bursts, frames_on)
        bursts, frames_on = await dial_tone_heard(tester, tmp_path, "phones/2~far", "steady")
        assert bursts <= 1 and frames_on >= 70, (bursts, frames_on)

        # the messages are read while the phone is in use: it is told once it is back on hook
        await tester.call("sim.call", chan="phones/1")
        await tester.wait_for(lambda e: e["event"] == "far" and e["what"] == "calling", since=mark, timeout=30)
        mark = tester.mark()
        await ivr.call("mwi", extension="8001", messages=0)
        await tester.call("sim.hangup", far="phones/1~far")
        ev = await tester.wait_for(lambda e: e["event"] == "far" and e["what"] == "cid", since=mark, timeout=60)
        assert ev["far"] == "phones/1~far" and fields(ev["text"])["mwi"] == "0"
        assert not [e for e in tester.events[mark:] if e.get("what") == "cid" and e["far"] == "phones/2~far"]
        bursts, frames_on = await dial_tone_heard(tester, tmp_path, "phones/1~far", "after")
        assert bursts <= 1 and frames_on >= 70, (bursts, frames_on)


async def test_changes_in_quick_succession_reach_the_phone_as_separate_bursts(tmp_path):
    """A second change while a burst is on the line waits for its end and a gap: a receiver that heard
    no carrier drop would take the two for one.

    The clock is capped at real time so the later changes (a few ms apart) nearly always come while the
    first burst (about half a second) is on the line, and the 5 is then superseded by the 0 before it is
    shown. A host stalled for longer than the burst lets the 5 go out on its own, which is right too: what
    must never happen is two changes heard as one burst, or the last one lost."""
    async with running_chand(tmp_path, [SpanSpec("phones", "fxs", 1, extensions=["8001"])], speed=1.0) as chand:
        ivr = await chand.client("ivr")
        tester = await chand.client("tester")
        await tester.call("sim.take", far="phones/1~far")
        mark = tester.mark()
        await ivr.call("mwi", extension="8001", messages=2)
        await ivr.call("mwi", extension="8001", messages=5)
        await ivr.call("mwi", extension="8001", messages=0)
        await tester.wait_for(lambda e: e.get("what") == "cid" and "mwi=0" in e["text"], since=mark, timeout=60)
        got = [fields(e["text"]) for e in tester.events[mark:] if e.get("what") == "cid"]
        heard = [(g["mwi"], g.get("messages")) for g in got]
        assert heard in ([("1", "2"), ("0", None)], [("1", "2"), ("1", "5"), ("0", None)])


async def test_bad_mwi_requests_get_errors_and_unknown_extensions_touch_nothing(tmp_path):
    spans = [SpanSpec("phones", "fxs", 1, extensions=["8001"])]
    async with running_chand(tmp_path, spans) as chand:
        ivr = await chand.client("ivr")
        for bad in ({"extension": "80a1", "messages": 1}, {"extension": "8001", "messages": -1},
                    {"extension": "8001"}):
            with pytest.raises(ApiCallError):
                await ivr.call("mwi", **bad)
        assert (await ivr.call("mwi", extension="9999", messages=2))["lines"] == []
        monitor = await chand.client("wall", role="monitor")
        with pytest.raises(ApiCallError, match="role"):
            await monitor.call("mwi", extension="8001", messages=1)
        assert (await ivr.call("mwi", extension="8001", messages=1))["lines"] == ["phones/1"]
