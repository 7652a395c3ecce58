"""A prompt name that is not a regular file (a FIFO in the prompts folder) ends that playback with an
error play_done; chand's event loop never waits on it, so every other call, and that one, go on."""
import os

import pytest

from tests.chand.test_api_limits import answered_call
from tests.chand.test_api_errors_fallback import write_tone
from tests.support.chand_harness import SpanSpec, running_chand


@pytest.mark.timeout(60)
async def test_a_fifo_named_as_a_prompt_gets_an_error_play_done_and_calls_go_on(tmp_path):
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    os.mkfifo(prompts / "hold.wav")
    write_tone(prompts / "menu.wav", 1000, 300)
    async with running_chand(tmp_path, [SpanSpec("e1a", "e1", 2)], prompts_dir=str(prompts),
                             default_route="app:ivr") as chand:
        ivr = await chand.client("ivr")
        tester = await chand.client("tester")
        first = await answered_call(chand, tester, ivr)
        second = await answered_call(chand, tester, ivr)
        bad = (await ivr.call("play", chan=first, items=["hold.wav"]))["playback"]
        good = (await ivr.call("play", chan=second, items=["menu.wav"]))["playback"]
        done = await ivr.wait_for("play_done", chan=first, playback=bad, since=0)
        assert done["reason"] == "error" and "hold.wav: not a regular file (a FIFO)" in done["error"], done
        done = await ivr.wait_for("play_done", chan=second, playback=good, since=0)
        assert (done["reason"], done["played_ms"]) == ("done", 300), done
        # the call whose prompt failed plays on
        again = (await ivr.call("play", chan=first, items=["menu.wav"]))["playback"]
        done = await ivr.wait_for("play_done", chan=first, playback=again, since=0)
        assert (done["reason"], done["played_ms"]) == ("done", 300), done
