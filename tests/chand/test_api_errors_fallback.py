"""Bad input on the control API gets an error reply and the connection goes on; a vanished or silent
application's caller hears the fallback and is hung up."""
import asyncio
import json
import math
import struct
import wave

import pytest

from telephonist.chand.switchboard import Fallback
from telephonist.client import ApiCallError
from tests.support.chand_harness import SpanSpec, running_chand


def write_tone(path, freq, ms, amp=8000):
    n = ms * 8
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(amp * math.sin(2 * math.pi * freq * i / 8000)))
                               for i in range(n)))


def goertzel_power(samples, freq, rate=8000):
    k = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in samples:
        s0 = x + k * s1 - s2
        s2, s1 = s1, s0
    return (s1 * s1 + s2 * s2 - k * s1 * s2) / max(1, len(samples))


def read_pcm(path):
    with wave.open(str(path), "rb") as w:
        data = w.readframes(w.getnframes())
    return list(struct.unpack(f"<{len(data) // 2}h", data))


async def test_bad_input_gets_error_replies_and_connection_survives(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)]) as chand:
        c = await chand.client("app1")
        c.send_raw(b"{this is not json\n")
        c.send_raw(b"[1,2,3]\n")
        await c.writer.drain()
        with pytest.raises(ApiCallError) as e:
            await c.call("no_such_command")
        assert e.value.code == "unknown_command"
        with pytest.raises(ApiCallError) as e:
            await c.call("answer", chan="e1a/1")
        assert e.value.code == "not_owner"
        with pytest.raises(ApiCallError) as e:
            await c.call("answer", chan="nowhere/9")
        assert e.value.code == "not_found"
        with pytest.raises(ApiCallError) as e:
            await c.call("dial", trunk_group="none", number="123")
        assert e.value.code == "bad_request"
        with pytest.raises(ApiCallError) as e:
            await c.call("play", chan="e1a/1", items="x")
        assert e.value.code in ("bad_request", "not_owner")
        # unsolicited error replies for the two malformed lines arrived too
        errors = [m for m in c.events if m.get("ok") is False]
        assert {m["error"]["code"] for m in errors} >= {"bad_json", "bad_request"}
        # and the connection still works
        st = await c.call("status")
        assert len(st["lines"]) == 2


async def test_commands_before_hello_and_wrong_role_are_refused(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 1)]) as chand:
        r, w = await asyncio.open_unix_connection(chand.socket)
        w.write(json.dumps({"id": 1, "cmd": "status"}).encode() + b"\n")
        w.write(json.dumps({"id": 2, "cmd": "hello", "app": "mon", "role": "monitor"}).encode() + b"\n")
        w.write(json.dumps({"id": 3, "cmd": "dial", "trunk_group": "x", "number": "1"}).encode() + b"\n")
        w.write(json.dumps({"id": 4, "cmd": "status"}).encode() + b"\n")
        await w.drain()
        replies = [json.loads(await r.readline()) for _ in range(4)]
        assert replies[0]["error"]["code"] == "forbidden"
        assert replies[1]["ok"] is True
        assert replies[2]["error"]["code"] == "forbidden"
        assert replies[3]["ok"] is True
        w.close()


@pytest.mark.parametrize("how", ["disconnect", "silent"])
async def test_caller_hears_fallback_when_application_goes(tmp_path, how):
    prompt = tmp_path / "sorry.wav"
    write_tone(prompt, 1000, 1500)
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)], default_route="app:crm",
                             fallback=Fallback(prompt=str(prompt), then="hangup")) as chand:
        crm = await chand.client("crm")
        tester = await chand.client("tester")
        answered = asyncio.Event()

        async def on_offer(ev):
            await crm.call("answer", chan=ev["chan"])
            answered.set()
        crm.on("offer", on_offer)
        mark = tester.mark()
        r = await tester.call("sim.call", chan="e1a/1", caller="5551234", dialled="100")
        far = r["far"]
        await tester.wait_for("far", far=far, what="connected", since=mark)
        heard = tmp_path / "heard.wav"
        await tester.call("sim.record", far=far, path=str(heard))
        await answered.wait()
        mark = tester.mark()
        if how == "disconnect":
            await crm.close()
        else:
            crm.auto_ack = False
            # provoke an event the silent application never acknowledges
            await tester.call("sim.dtmf", far=far, digits="5")
        released = await tester.wait_for("far", far=far, what="released", timeout=20, since=mark)
        assert released
        rec = await tester.wait_for("far", far=far, what="rec_done", timeout=20, since=mark)
        samples = read_pcm(heard)
        assert len(samples) > 8000, "the caller heard less than a second before the hang-up"
        assert goertzel_power(samples, 1000) > 50 * goertzel_power(samples, 1400)
        line = chand.board.lines["e1a/1"]
        assert line.state.value == "idle"
        assert rec


async def test_restart_is_for_admins_and_pri_channels(tmp_path):
    """The PRI `restart` command (tests/dahdi/guest/test_pri.py restarts real B-channels with it): an application
    may not send it, and a line that is no PRI B-channel (a sim E1 here) cannot be restarted; nothing is sent."""
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)]) as chand:
        app = await chand.client("app1")
        admin = await chand.client("ops", role="admin")
        with pytest.raises(ApiCallError) as e:
            await app.call("restart", chan="e1a/1")
        assert e.value.code == "forbidden"
        for args, code in (({"chan": "e1a/1"}, "wrong_state"), ({"span": "e1a"}, "wrong_state"),
                           ({"span": "nowhere"}, "bad_request"), ({}, "bad_request"),
                           ({"chan": "e1a/1", "span": "e1a"}, "bad_request"), ({"chan": "e1a/9"}, "not_found")):
            with pytest.raises(ApiCallError) as e:
                await admin.call("restart", **args)
            assert e.value.code == code, (args, e.value)
        st = await admin.call("status")
        assert {ln["chan"]: ln["state"] for ln in st["lines"]} == {"e1a/1": "idle", "e1a/2": "idle"}
