"""The ivrd daemon reloads changed flows without dropping calls; a bad change is refused with file:line."""
from __future__ import annotations

import asyncio
import os

import pytest

from telephonist.chand.routing import Route
from telephonist.config import load_config
from telephonist.ivrd.cli import serve
from telephonist.ivrd.flow_test.caller import ScriptedCaller
from tests.support.log_waiter import LogWaiter
from tests.support.chand_harness import SpanSpec, running_chand
from tests.support.ivrd_harness import make_prompt

FLOW = """
[flow]
numbers = ["4008*"]

[nodes.menu]
type = "menu"
prompts = "zh/{version}.wav"
timeout_ms = 600000
choices = {{ "1" = "bye" }}

[nodes.bye]
type = "hangup"
prompts = "zh/bye-{version}.wav"
"""


@pytest.mark.long
async def test_reload_keeps_calls_in_progress_and_refuses_a_bad_flow(tmp_path):
    prompts, flows = tmp_path / "prompts", tmp_path / "flows"
    for name in ("old", "new", "bye-old", "bye-new"):
        make_prompt(str(prompts / "zh" / f"{name}.wav"))
    flows.mkdir()
    (flows / "main.toml").write_text(FLOW.format(version="old"))
    conf = tmp_path / "telephonist.toml"
    conf.write_text(f"""
[system]
prompts_dir = "{prompts}"
state_dir = "{tmp_path}"
[database]
url = "sqlite:///{tmp_path}/t.db"
[control]
socket = "{tmp_path}/chand.sock"
[ivrd]
flows_dir = "{flows}"
""")
    cfg = load_config(str(conf))
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 4)], routes=[Route("ivr:", dialled="*")],
                             prompts_dir=str(prompts)) as chand:
        with LogWaiter("telephonist.ivrd") as log:
            stop = asyncio.Event()
            daemon = asyncio.get_running_loop().create_task(serve(cfg, stop=stop))
            await log.wait("ivrd_ready", since=0)
            ear = await chand.client("ear", "monitor")
            caller = await ScriptedCaller.attach(await chand.client("tester"), ear, str(prompts))
            # call 1 waits at the old menu while the flow changes under it
            first = asyncio.get_running_loop().create_task(caller.call([{"press": "1"}], dialled="4008001234",
                                                                       span="e1a"))
            await ear.wait_for(lambda e: e.get("what") == "collect_start" and "old.wav" in str(e.get("prompt")), since=0)
            mark = log.mark()
            (flows / "main.toml").write_text(FLOW.format(version="new"))
            os.utime(flows / "main.toml")
            await log.wait("ivr_flows_applied", since=mark)
            out1 = await first
            assert out1.prompts == ["zh/old.wav", "zh/bye-old.wav"]
            out2 = await caller.call([{"press": "1"}], dialled="4008001234", span="e1a")
            assert out2.prompts == ["zh/new.wav", "zh/bye-new.wav"]
            # a broken file is refused with file:line; the flows that run stay
            mark = log.mark()
            (flows / "main.toml").write_text(FLOW.format(version="new").replace('type = "hangup"', 'type = "hangpu"'))
            line = await log.wait("ivr_flows_refused", since=mark)
            assert "main.toml:12" in line and "unknown node type 'hangpu'" in line
            out3 = await caller.call([{"press": "1"}], dialled="4008001234", span="e1a")
            assert out3.prompts == ["zh/new.wav", "zh/bye-new.wav"]
            stop.set()
            await asyncio.wait_for(daemon, 10)
