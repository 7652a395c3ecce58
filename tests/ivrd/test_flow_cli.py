"""`telephonist flow check` and `telephonist flow test` as an operator runs them."""
from __future__ import annotations

import asyncio
import json
import sys

from tests.support.ivrd_harness import make_prompt

FLOW = """
[flow]
numbers = ["4008001234"]

[nodes.menu]
type = "menu"
prompts = "{lang}/menu.wav"
choices = { "1" = "acct", "0" = "agent" }

[nodes.acct]
type = "collect"
prompts = "{lang}/acct.wav"
var = "account"
min_digits = 6
max_digits = 6
next = "bye"

[nodes.agent]
type = "transfer"
to = "queue:service"

[nodes.bye]
type = "hangup"
prompts = "{lang}/bye.wav"
"""

SCRIPT = """
[[calls]]
name = "account number"
dialled = "4008001234"
actions = [ { press = "1" }, { press = "123456" } ]
[calls.expect]
heard = ["zh/menu.wav", "zh/acct.wav", "zh/bye.wav"]
vars = { account = "123456" }
steps = ["menu", "acct", "bye"]
ends = "hangup"

[[calls]]
name = "to an agent"
dialled = "4008001234"
actions = [ { press = "0" } ]
[calls.expect]
ends = "queue:service"
"""


def setup_site(tmp_path):
    for lang in ("zh", "en"):
        for name in ("menu", "acct", "bye", "try-later"):
            make_prompt(str(tmp_path / "prompts" / lang / f"{name}.wav"))
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "main.toml").write_text(FLOW)
    conf = tmp_path / "telephonist.toml"
    conf.write_text(f"""
[system]
prompts_dir = "prompts"
state_dir = "state"
[database]
url = "sqlite:///state/t.db"
[control]
socket = "state/chand.sock"
[ivrd]
flows_dir = "flows"
[[spans]]
name = "phones"
driver = "sim"
type = "fxs"
channels = 2
extensions = ["8001", "8002"]
[[trunk_groups]]
name = "agents"
lines = ["phones/*"]
""")
    return str(conf)


async def telephonist(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "telephonist.cli", *args,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 180)
    return proc.returncode, out.decode(), err.decode()


async def test_flow_test_passes_and_reports_each_call(tmp_path):
    conf = setup_site(tmp_path)
    (tmp_path / "ok.toml").write_text(SCRIPT)
    rc, out, err = await telephonist("flow", "--config", conf, "test", "main", str(tmp_path / "ok.toml"))
    assert rc == 0, out + err
    assert "PASS  account number" in out and "PASS  to an agent" in out and "2 of 2 calls passed" in out
    rc, out, err = await telephonist("flow", "--config", conf, "test", "main", str(tmp_path / "ok.toml"), "--json")
    report = json.loads(out)
    assert report["passed"] and report["calls"][1]["ends"] == "queue:service"
    assert report["calls"][0]["steps"][1] == ["acct", "123456", "ok"]


async def test_flow_test_fails_with_the_reason_and_bad_scripts_say_where(tmp_path):
    conf = setup_site(tmp_path)
    (tmp_path / "wrong.toml").write_text(SCRIPT.replace('ends = "hangup"', 'ends = "voicemail"'))
    rc, out, _ = await telephonist("flow", "--config", conf, "test", "main", str(tmp_path / "wrong.toml"))
    assert rc == 1
    assert "FAIL  account number" in out and "the call ended hangup, expected voicemail" in out
    (tmp_path / "bad.toml").write_text(SCRIPT.replace("actions = [ { press = \"0\" } ]",
                                                      "actions = [ { push = \"0\" } ]"))
    rc, _, err = await telephonist("flow", "--config", conf, "test", "main", str(tmp_path / "bad.toml"))
    assert rc == 1 and "bad.toml:15:" in err and "push" in err


async def test_flow_check_a_draft_among_the_installed_flows(tmp_path):
    conf = setup_site(tmp_path)
    rc, out, _ = await telephonist("flow", "--config", conf, "check")
    assert rc == 0 and "ok: 1 flow(s): main" in out
    draft = tmp_path / "main.toml"
    draft.write_text(FLOW.replace('"0" = "agent"', '"0" = "agnet"'))
    rc, _, err = await telephonist("flow", "--config", conf, "check", str(draft))
    assert rc == 1 and f"{draft}:8:" in err and "did you mean 'agent'" in err
