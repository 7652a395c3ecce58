"""`telephonist learn-busy` against a running chand (a daemon, as systemd runs it) on a sim PBX line whose
disconnect tone no zone knows: it measures the tone, writes conf.d/92-busy-tones.toml, chand reloads and
the line shows the tone; bad arguments and a refused configuration change nothing."""
import json
import os
import subprocess
import sys

import pytest

from telephonist.busytone.conf_file import OWNED_FILE
from telephonist.config import load_config
from tests.support.chand_process import start_chand

CONFIG = """\
[system]
node = "t1"
state_dir = "state"
recordings_dir = "state/rec"
prompts_dir = "state/prompts"

[database]
url = "sqlite:///state/telephonist.db"

[control]
socket = "state/chand.sock"

[engine]
clock = "lockstep"

[[spans]]
name = "pstn"
driver = "sim"
type = "fxo"
channels = 2
far_busy_tone = { frequencies = [500], cadence_ms = [250, 250], level_dbm0 = -15 }

[routing]
default = "app:desk"

[[sim.numbers]]
pattern = "5550000"
behaviour = "answer"
hangup_after_ms = 300
"""


def learn_busy(config, *args):
    return subprocess.run([sys.executable, "-m", "telephonist.cli", "learn-busy", "--config", config, *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def chand(tmp_path):
    config = tmp_path / "telephonist.toml"
    config.write_text(CONFIG)
    proc = start_chand(str(config))
    assert proc.poll() is None, proc.communicate()[0]
    yield str(config)
    proc.terminate()
    proc.communicate(timeout=30)


@pytest.mark.long
def test_learn_busy_measures_writes_and_chand_applies_it(chand, tmp_path):
    r = learn_busy(chand, "pstn/2", "--number", "5550000", "--write")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "disconnect tone on pstn/2: 500 Hz at -15 dBm0, 250/250 ms" in r.stdout, r.stdout
    assert "chand reloaded" in r.stdout
    owned = tmp_path / "conf.d" / OWNED_FILE
    cfg = load_config(chand)
    tone = cfg.busy_tones["pstn"]
    assert tone.frequencies == (500,) and tone.cadence_ms == (250, 250) and "learn-busy pstn/2" in tone.learnt
    assert str(owned) in cfg.files
    status = subprocess.run([sys.executable, "-m", "telephonist.cli", "status", "--json", "--config", chand],
                            capture_output=True, text=True, timeout=60)
    lines = {ln["chan"]: ln for ln in json.loads(status.stdout)["lines"]}
    assert [lines[n].get("busy_tone") for n in ("pstn/1", "pstn/2")] == ["500 Hz at -15 dBm0, 250/250 ms"] * 2
    # the line knows the tone now: chand ends the next such call by itself, and nothing more is learnt
    before = owned.read_text()
    r = learn_busy(chand, "pstn/1", "--number", "5550000", "--write", "--line-only")
    assert r.returncode == 1 and "by itself (busy_tone)" in r.stderr, r.stdout + r.stderr
    assert owned.read_text() == before


@pytest.mark.long
def test_learn_busy_refuses_what_it_cannot_do(chand, tmp_path):
    r = learn_busy(chand, "pstn", "--number", "5550000")
    assert r.returncode == 2 and "is not SPAN/N" in r.stderr
    r = learn_busy(chand, "pstn/9", "--number", "5550000")
    assert r.returncode == 1 and "nothing learnt" in r.stderr and "pstn/9" in r.stderr
    r = learn_busy(chand, "pstn/1", "--number", "5550000", "--seconds", "1")
    assert r.returncode == 2 and "--seconds" in r.stderr
    r = learn_busy(chand, "pstn/1", "--listen", "--minutes", "0")
    assert r.returncode == 2 and "--minutes" in r.stderr
    r = learn_busy(chand, "pstn/1", "--listen", "--number", "5550000")
    assert r.returncode == 2 and "not allowed with" in r.stderr
    assert not os.path.exists(tmp_path / "conf.d" / OWNED_FILE)


@pytest.mark.long
async def test_learn_busy_listen_learns_from_the_next_calls_and_writes_it_for_the_line(chand, tmp_path):
    """--listen: chand measures the line's next calls left up by the far end; the tool prints each, and the
    same tone at the end of two is written (--line-only) and applied by chand's reload."""
    import asyncio

    from telephonist.client import Client
    from tests.chand.test_busy_tone_learning import engine_wait, inbound_call
    tool = subprocess.Popen([sys.executable, "-m", "telephonist.cli", "learn-busy", "--config", chand, "pstn/1",
                             "--listen", "--minutes", "1440", "--write", "--line-only"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = await asyncio.to_thread(tool.stdout.readline)
        assert first.startswith("listening to pstn/1"), first
        sock = str(tmp_path / "state" / "chand.sock")
        desk = await Client.connect_unix(sock, app="desk", keep_events=True)
        tester = await Client.connect_unix(sock, app="tester", keep_events=True)
        for _ in range(2):
            far, _ = await inbound_call(desk, tester)
            mark = desk.mark()
            await tester.call("sim.hangup", far=far)
            await engine_wait(tester, 8000)
            await desk.call("hangup", chan="pstn/1")
            await desk.wait_for("ended", chan="pstn/1", since=mark, timeout=60)
        out, _ = await asyncio.to_thread(tool.communicate, timeout=120)
        await desk.close()
        await tester.close()
    finally:
        tool.kill()
    assert tool.returncode == 0, out
    assert out.count("a call's end: 500 Hz") == 1, out        # the first is a candidate, the second teaches
    assert "disconnect tone on pstn/1: 500 Hz" in out and "chand reloaded" in out, out
    tones = load_config(chand).busy_tones
    assert "pstn/1" in tones and "pstn" not in tones and "listening" in tones["pstn/1"].learnt
