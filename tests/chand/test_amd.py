"""An application asks chand who answered an outbound call: a person or an answering machine."""
from __future__ import annotations

import asyncio
import json

import pytest
import sqlalchemy as sa

from telephonist.bench.amd_corpus import speak
from telephonist.client import ApiCallError
from telephonist.drivers.sim.far_end import NumberBehaviour
from telephonist.storage.schema import call_events
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand


async def test_amd_tells_the_dialler_who_answered(tmp_path):
    greeting, hello = tmp_path / "greeting.wav", tmp_path / "hello.wav"
    speak("Hello, you have reached the Miller family. We can't come to the phone. Please leave a message.",
           "en-us", 160, greeting)
    speak("wei2, ni3 hao3.", "cmn-latn-pinyin", 160, hello)
    numbers = [NumberBehaviour("139*", "machine", audio=str(greeting)),
               NumberBehaviour("138*", "answer", audio=str(hello))]
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 4)], trunk_groups=[TrunkGroupSpec("out", ["e1a/*"])],
                             numbers=numbers, records=True) as chand:
        app = await chand.client("dialer")
        decided: dict[str, dict] = {}
        done = asyncio.Event()

        async def on_answered(ev):
            r = await app.call("amd", chan=ev["chan"])
            assert isinstance(r["amd"], int)

        async def on_amd(ev):
            decided[ev["chan"]] = ev
            if len(decided) == 2:
                done.set()

        app.on("answered", on_answered)
        app.on("amd", on_amd)
        machine = (await app.call("dial", trunk_group="out", number="13900001111", caller_id="4008001234"))["chan"]
        person = (await app.call("dial", trunk_group="out", number="13800002222", caller_id="4008001234"))["chan"]
        await asyncio.wait_for(done.wait(), 60)
        assert (decided[machine]["result"], decided[person]["result"]) == ("machine", "human")
        assert decided[person]["cause"] == "after_greeting_silence"

        with pytest.raises(ApiCallError, match="max_words 0 is out of range"):
            await app.call("amd", chan=person, max_words=0)
        assert (await app.call("status"))["lines"]                 # chand goes on
        mark = app.mark()
        for chan in (machine, person):
            await app.call("hangup", chan=chan)
        for chan in (machine, person):
            await app.wait_for("ended", chan=chan, since=mark)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'calls.db'}")
    with engine.connect() as conn:
        rows = [json.loads(r.data) for r in conn.execute(sa.select(call_events.c.data)
                                                          .where(call_events.c.kind == "amd"))]
    engine.dispose()
    assert sorted(r["result"] for r in rows) == ["human", "machine"]
