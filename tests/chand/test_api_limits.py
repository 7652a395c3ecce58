"""The control API's limits: files only from their folders, durations within range, hostile JSON, a
connection cap. Every refusal is an error reply; the daemon and the connection go on."""
import asyncio
import os
import shutil

import pytest

from telephonist.client import ApiCallError, Client
from tests.support.chand_harness import SpanSpec, running_chand


async def answered_call(chand, tester, app):
    app.on("offer", lambda ev: app.call("answer", chan=ev["chan"]))
    mark = app.mark()
    far = (await tester.call("sim.call", span="e1a", caller="1380000", dialled="4008"))["far"]
    await tester.wait_for("far", far=far, what="connected", since=0)
    return (await app.wait_for("answered", since=mark))["chan"]


async def refused(client, code, cmd, **args):
    with pytest.raises(ApiCallError) as e:
        await client.call(cmd, **args)
    assert e.value.code == code, (cmd, args, e.value)
    return e.value.message


async def test_files_only_from_their_folders(tmp_path):
    prompts, voicemail, spool = tmp_path / "prompts", tmp_path / "voicemail", tmp_path / "fax"
    for d in (prompts, voicemail, spool, tmp_path / "recordings"):
        d.mkdir(parents=True, exist_ok=True)
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)], prompts_dir=str(prompts),
                             recordings_dir=str(tmp_path / "recordings"), play_dirs=(str(voicemail),),
                             fax_dirs=(str(spool),), default_route="app:ivr") as chand:
        ivr = await chand.client("ivr")
        tester = await chand.client("tester")
        chan = await answered_call(chand, tester, ivr)
        rec = await ivr.call("record", chan=chan, name="mine", max_ms=200)
        await ivr.wait_for("record_done", chan=chan, since=0)
        assert os.path.exists(rec["path"])
        # another call's recording, the system's files, climbing out of the prompts folder
        for item in (rec["path"], "/etc/passwd", "../recordings/x.wav", str(prompts) + "/../fax/in.tif"):
            assert "outside" in await refused(ivr, "forbidden", "play", chan=chan, items=[item])
        # receive a fax over the database, send one from anywhere
        for direction, path in (("receive", str(tmp_path / "calls.db")), ("receive", "/tmp/x.tif"),
                                ("send", "/etc/hostname"), ("receive", "relative.tif")):
            await refused(ivr, "forbidden" if path.startswith("/") else "bad_request", "fax", chan=chan,
                          direction=direction, path=path)
        assert not (tmp_path / "calls.db").exists()
        # recordings are named, not placed: no path, no climbing
        for name in ("../x", "a/b", ".."):
            await refused(ivr, "bad_request", "record", chan=chan, name=name)
        # what is inside is fine
        shutil.copyfile(rec["path"], voicemail / "m1.wav")
        pid = (await ivr.call("play", chan=chan, items=[str(voicemail / "m1.wav")]))["playback"]
        done = await ivr.wait_for("play_done", chan=chan, playback=pid, since=0)
        assert done["reason"] == "done"


async def test_numbers_that_reach_the_engine_are_checked(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)], default_route="app:ivr") as chand:
        ivr = await chand.client("ivr")
        tester = await chand.client("tester")
        chan = await answered_call(chand, tester, ivr)
        for items in ([{"silence": 268435457}], [{"silence": 0}], [{"silence": -1}], [{"silence": True}],
                      [{"tone": "busy", "ms": 2 ** 40}], [{"tone": "x" * 100}], [{}], [None], []):
            await refused(ivr, "bad_request", "play", chan=chan, items=items)
        for args in (dict(max_ms=-5), dict(max_ms=10 ** 12), dict(silence_ms=2 ** 63)):
            await refused(ivr, "bad_request", "record", chan=chan, **args)
        await refused(ivr, "bad_request", "collect", chan=chan, first_timeout_ms=0)
        await refused(ivr, "bad_request", "sim.dtmf", far="e1a/1~far", digits="1", on_ms=2 ** 31)
        await refused(ivr, "bad_request", "dial", trunk_group="x", number="1" * 40)
        # still serving
        pid = (await ivr.call("play", chan=chan, items=[{"silence": 40}]))["playback"]
        await ivr.wait_for("play_done", chan=chan, playback=pid, since=0)


async def test_hostile_json_gets_errors_and_the_connection_goes_on(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 1)]) as chand:
        c = await chand.client("app1")
        for raw in (b"[" * 100000 + b"]" * 100000, b'{"a":' * 50000 + b"1" + b"}" * 50000,
                    b'{"cmd": "status", "id": ' + b"9" * 5000 + b"}", b"\xff\xfe{}", b'{"ack": true}',
                    b'{"cmd": "status", "id": {"x": 1}}', b'{"cmd": ["status"]}'):
            c.send_raw(raw + b"\n")
        await c.writer.drain()
        st = await c.call("status")                  # answered after all of those
        assert st["lines"][0]["chan"] == "e1a/1"
        errors = [e for e in c.events if e.get("ok") is False]
        assert len(errors) >= 5, errors


async def test_connections_beyond_the_cap_are_turned_away(tmp_path):
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 1)], max_connections=3,
                             hello_timeout_ms=500) as chand:
        clients = [await chand.client(f"a{i}") for i in range(3)]
        with pytest.raises((ApiCallError, ConnectionError)):
            await chand.client("a4")
        # a connection that never says hello is closed and its place freed
        await clients[0].close()
        r, w = await asyncio.open_unix_connection(chand.socket)
        assert b"say hello" in await asyncio.wait_for(r.readline(), 30)
        w.close()
        late = await Client.connect_unix(chand.socket, app="a5")
        assert (await late.call("status"))["node"]
        await late.close()
