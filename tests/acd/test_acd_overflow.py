"""A caller who waits longer than the queue's max_wait_s goes where on_timeout says: here voicemail:100, ivrd's
built-in voicemail flow, where the message lands in box 100 with the caller's number (ivrd, the ACD and chand
on one sim exchange, lockstep clock)."""
from __future__ import annotations

import asyncio
import os
import random
import textwrap

import pytest

from telephonist.acd.requests import RequestHandler
from telephonist.acd.service import AcdService
from telephonist.acd.store import AcdStore
from telephonist.config import load_config
from telephonist.ivrd.voicemail import store_of
from tests.ivrd.test_voicemail import PROMPTS, SPEECH, message_rows, vm_settings
from tests.support.ivrd_harness import running_ivrd
from tests.support.voicemail_caller import make_speech, use_voicemail_caller

pytestmark = pytest.mark.slow        # ivrd, the ACD and a voicemail deposit: `make test` runs it

FLOW = """
[flow]
numbers = ["4008*"]
start = "person"

[nodes.person]
type = "transfer"
to = "queue:sales"
"""


async def test_a_caller_who_waited_too_long_leaves_a_message_in_the_queues_box(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": FLOW}, PROMPTS, ivrd={"voicemail": vm_settings(tmp_path)}) as ivr:
        conf = tmp_path / "acd.toml"
        conf.write_text(textwrap.dedent(f"""
            [system]
            prompts_dir = "{ivr.prompts_dir}"
            [database]
            url = "{ivr.db_url}"
            [[queues]]
            name = "sales"
            max_wait_s = 30
            on_timeout = "voicemail:100"
            """))
        store = AcdStore(ivr.db_url)
        client = await ivr.chand.client("queue")
        acd = AcdService(client, load_config(str(conf)), store, rng=random.Random(1))
        client.serve_requests(RequestHandler(acd))
        await acd.start()
        desk = await ivr.chand.client("desk")
        await desk.call("subscribe", lines=False, topics=["queue"])
        try:
            await use_voicemail_caller(ivr)
            speech_ms = make_speech(os.path.join(ivr.prompts_dir, SPEECH))
            await asyncio.to_thread(store_of(ivr.service.services).create_box, "100", "1000")

            out = await ivr.call([{"speak": SPEECH, "press": "#"}], caller="13912345678")

            left = next(e["body"] for e in desk.events if e.get("event") == "published"
                        and e["body"]["kind"] == "caller_left")
            assert (left["queue"], left["outcome"], left["to"]) == ("sales", "timeout", "voicemail:100")
            assert 30_000 <= left["wait_ms"] < 31_000
            assert out.prompts[-2:] == ["zh/vm/leave-message.wav", "zh/vm/message-saved.wav"]
            [row] = message_rows(ivr)
            assert (row["mailbox"], row["caller"], row["call_id"]) == ("100", "13912345678", out.call_id)
            assert speech_ms - 300 <= row["duration_ms"] <= speech_ms + 600
        finally:
            await acd.roster.drain()
            await store.close()
