"""The sound card as one channel (driver local): a person lifts the headset phone, dials, and hears the app.

There is no sound card on a test machine; ALSA's file plugin over its null device stands in for one
(PortAudio opens it like any card), so the whole path runs: the card's callback thread, the rings,
the engine, the FXS signalling and chand's routing. The null device keeps no time, so what is
"played" goes to /dev/null rather than to a file that would grow by hundreds of MB a second, and
what is "heard" comes from /dev/zero (the null device's own capture holds stray non-zero samples,
which is no microphone's silence).
"""
import asyncio
import sys

import pytest

from tests.support.chand_process import connect, start_chand

pytestmark = pytest.mark.slow        # a sound card through ALSA in real time: `make test` runs it, `make test-fast` does not

CONFIG = """\
[system]
node = "desk"
state_dir = "state"

[database]
url = "sqlite:///state/calls.db"

[control]
socket = "state/chand.sock"

[[spans]]
name = "headset"
driver = "local"
type = "fxs"
channels = 1
device = "telephonist_test"
extensions = ["8000"]

[routing]
default = "app:answerer"
"""


@pytest.fixture
def fake_card(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    played = "/dev/null"
    (home / ".asoundrc").write_text(
        'pcm.telephonist_test {\n type file\n slave.pcm "null"\n file "%s"\n infile "/dev/zero"\n'
        ' format "raw"\n hint { show on description "test headset" }\n}\n' % played)
    monkeypatch.setenv("HOME", str(home))
    return played


async def test_a_person_dials_from_the_headset_and_the_call_is_answered(tmp_path, fake_card):
    cfg = tmp_path / "telephonist.toml"
    cfg.write_text(CONFIG)
    proc = start_chand(str(cfg))
    try:
        app = await connect(str(tmp_path / "state" / "chand.sock"), "answerer")
        offers = []

        async def on_offer(ev):
            offers.append(ev)
            await app.call("answer", chan=ev["chan"])
            await app.call("play", chan=ev["chan"], items=[{"tone": "ringback", "ms": 500}])
        app.on("offer", on_offer)
        phone = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "telephonist.cli", "phone", "--config", str(cfg), "--dial", "4008001234",
            "--seconds", "8", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(phone.communicate(), 60)
        assert phone.returncode == 0, out.decode()
        assert "headset/1: off hook" in out.decode()
        assert offers and offers[0]["dialled"] == "4008001234" and offers[0]["caller"] == "8000"
        await app.wait_for("play_done", chan="headset/1", since=0, timeout=20)
        await app.close()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert "event=chand_stopped" in out
