"""What goes wrong at run time reaches only that caller: a fallback prompt, a clear log line, the daemon goes on."""
from __future__ import annotations

import logging
import os

import pytest

from tests.support.ivrd_harness import running_ivrd

FLOW = """
[flow]
numbers = ["4008*"]

[nodes.menu]
type = "menu"
prompts = "zh/menu.wav"
choices = { "1" = "gone", "2" = "divide", "3" = "again", "4" = "queue" }

[nodes.gone]
type = "play"
prompts = "zh/deleted-later.wav"
next = "bye"

[nodes.divide]
type = "set"
vars = { x = "10 / 0" }
next = "bye"

[nodes.again]
type = "play"
prompts = "zh/menu.wav"
next = "menu"

[nodes.queue]
type = "transfer"
to = "queue:nobody"

[nodes.bye]
type = "hangup"
prompts = "zh/bye.wav"
"""


@pytest.mark.long
async def test_runtime_failures_give_the_fallback_and_the_next_call_works(tmp_path, caplog):
    caplog.set_level(logging.INFO, "telephonist.ivrd")
    async with running_ivrd(tmp_path, {"main.toml": FLOW}, ["zh/menu.wav", "zh/deleted-later.wav", "zh/bye.wav"],
                            ivrd={"max_steps": 12}) as ivr:
        os.unlink(os.path.join(ivr.prompts_dir, "zh", "deleted-later.wav"))     # after the flow was loaded
        out = await ivr.call([{"press": "1"}])
        assert out.prompts == ["zh/menu.wav", "zh/try-later.wav"]
        assert ivr.session(out.call_id)["outcome"] == "fallback"
        assert ivr.steps(out.call_id)[-1] == ("gone", None, "error")
        errors = [r.getMessage() for r in caplog.records if "ivr_flow_error" in r.getMessage()]
        assert "prompt file missing" in errors[-1] and "main.toml:10" in errors[-1]

        out = await ivr.call([{"press": "2"}])                    # an expression fails on the caller's data
        assert out.prompts[-1] == "zh/try-later.wav"
        assert "ZeroDivisionError" in caplog.records[-1].getMessage() or \
            any("ZeroDivisionError" in r.getMessage() for r in caplog.records)

        out = await ivr.call([{"press": "3"}] * 10)               # a caller going round in circles
        assert out.prompts[-1] == "zh/try-later.wav"
        assert any("it loops" in r.getMessage() for r in caplog.records)

        out = await ivr.call([{"press": "4"}])                    # a queue nobody serves
        assert out.prompts[-1] == "zh/try-later.wav"
        assert ivr.session(out.call_id)["outcome"] == "fallback"

        out = await ivr.call([{"press": "9"}, {"press": "1"}])    # the daemon is fine: a wrong key, then bye...
        assert out.prompts[:2] == ["zh/menu.wav", "zh/menu.wav"]


async def test_a_caller_hanging_up_mid_menu_is_logged_as_abandoned(tmp_path):
    async with running_ivrd(tmp_path, {"main.toml": FLOW}, ["zh/menu.wav", "zh/deleted-later.wav", "zh/bye.wav"]) as ivr:
        out = await ivr.call([{"hangup": True}])
        assert out.hung_up_by_caller
        assert ivr.session(out.call_id)["outcome"] == "abandoned"
        assert ivr.steps(out.call_id) == [("menu", None, "hangup")]
