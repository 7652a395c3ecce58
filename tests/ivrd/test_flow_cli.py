"""`telephonist flow check` and `telephonist flow test` as an operator runs them."""
from __future__ import annotations

import asyncio
import hashlib
import http.server
import json
import os
import shutil
import sqlite3
import sys
import threading

import pytest

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
    conf.write_text("""
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


@pytest.mark.long
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


@pytest.mark.long
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


# ---- a flow test never touches the customers' systems -------------------------------------------------

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sha256_of(path) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.mark.long
async def test_the_shipped_bank_script_twice_passes_and_leaves_the_bank_database_alone(tmp_path):
    """The issue's run: `telephonist flow --config etc/telephonist/telephonist.toml test bank
    etc/telephonist/flow-tests/bank.toml`, twice (on a copy of etc/, so var/ is the test's own)."""
    from telephonist.config import load_config
    from telephonist.demo.sample_data import build_customer_databases
    from telephonist.prompts import PROMPTS
    from tests.ivrd.test_demo_flows import stand_in_prompts
    etc = tmp_path / "etc" / "telephonist"
    shutil.copytree(os.path.join(ROOT, "etc", "telephonist"), etc)
    conf = str(etc / "telephonist.toml")
    cfg = load_config(conf)
    stand_in_prompts(cfg)                              # stand-ins: espeak-ng need not speak the demo
    for name in PROMPTS:
        make_prompt(os.path.join(cfg.system.prompts_dir, name + ".wav"))
    build_customer_databases(cfg)
    bank = tmp_path / "var" / "demo" / "bank.db"
    before = sha256_of(bank)
    outs = []
    for _ in range(2):
        rc, out, err = await telephonist("flow", "--config", conf, "test", "bank", str(etc / "flow-tests" / "bank.toml"))
        assert rc == 0, out + err
        outs.append(out)
    assert outs[0] == outs[1], outs
    assert "PASS  balance" in outs[1] and "bank (seeded)" in outs[1]
    assert sha256_of(bank) == before and not os.path.exists(str(bank) + "-wal")


async def test_flow_test_without_a_configuration_says_so_in_one_line(tmp_path):
    (tmp_path / "ok.toml").write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k != "TELEPHONIST_CONFIG"}
    for args in (("--config", str(tmp_path / "missing.toml")), ()):
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "telephonist.cli", "flow", *args, "test",
                                                    "main", str(tmp_path / "ok.toml"), env=env,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        lines = err.decode().strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and "cannot read" in lines[0], err.decode()
        assert "Traceback" not in err.decode() and "--config" in lines[0]


ORDERS_FLOW = """
[flow]
numbers = ["4008005555"]

[nodes.acct]
type = "collect"
prompts = "{lang}/acct.wav"
var = "account"
min_digits = 6
max_digits = 6
next = "save"

[nodes.save]
type = "lookup"
source = "orders"
query = "INSERT INTO orders (account) VALUES (:account)"
params = { account = "${account}" }
next = "count"

[nodes.count]
type = "lookup"
source = "orders"
query = "SELECT count(*) AS n FROM orders"
into = { n = "orders" }
next = "crm"

[nodes.crm]
type = "lookup"
source = "crm"
path = "/customers/${account}"
into = { "name" = "name" }
next = "bye"
on_error = "bye"

[nodes.bye]
type = "hangup"
prompts = "{lang}/bye.wav"
"""

ORDERS_SCRIPT = """
[[calls]]
name = "an order"
dialled = "4008005555"
actions = [ { press = "123456" } ]
[calls.expect]
vars = { orders = "1" }
steps = ["acct", "save", "count", "crm", "bye"]
"""


class Crm(http.server.BaseHTTPRequestHandler):
    asked: list[str] = []

    def do_GET(self):
        Crm.asked.append(self.path)
        body = json.dumps({"name": "Zhang Wei"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.long
async def test_lookups_in_a_flow_test_reach_the_runs_copy_and_no_service_the_script_does_not_allow(tmp_path):
    conf = setup_site(tmp_path)
    (tmp_path / "flows" / "orders.toml").write_text(ORDERS_FLOW)
    (tmp_path / "state").mkdir()
    orders = tmp_path / "state" / "orders.db"
    with sqlite3.connect(orders) as db:
        db.execute("CREATE TABLE orders (account TEXT NOT NULL)")
    db.close()
    crm = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Crm)
    threading.Thread(target=crm.serve_forever, daemon=True).start()
    Crm.asked = []
    try:
        with open(conf, "a") as f:
            f.write(f'[[ivrd.sources]]\nname = "orders"\nurl = "sqlite:///state/orders.db"\nwrites = true\n'
                    f'[[ivrd.sources]]\nname = "crm"\nkind = "http"\nurl = "http://127.0.0.1:{crm.server_port}/api"\n')
        before = sha256_of(orders)
        (tmp_path / "orders.toml").write_text(ORDERS_SCRIPT)
        for _ in range(2):                         # the copy starts empty each run: one order, every time
            rc, out, err = await telephonist("flow", "--config", conf, "test", "orders", str(tmp_path / "orders.toml"),
                                             "--json")
            assert rc == 0, out + err
            report = json.loads(out)
            assert report["sources"] == ["orders (copy)", "crm (not reached)"]
            assert report["calls"][0]["steps"][3] == ["crm", None, "error"]
        assert sha256_of(orders) == before and Crm.asked == []
        (tmp_path / "live.toml").write_text('[sources.crm]\nlive = true\n' + ORDERS_SCRIPT.replace(
            'vars = { orders = "1" }', 'vars = { orders = "1", name = "Zhang Wei" }'))
        rc, out, err = await telephonist("flow", "--config", conf, "test", "orders", str(tmp_path / "live.toml"))
        assert rc == 0, out + err
        assert Crm.asked == ["/api/customers/123456"] and sha256_of(orders) == before
        (tmp_path / "unknown.toml").write_text('[sources.billing]\nlive = true\n' + ORDERS_SCRIPT)
        rc, out, err = await telephonist("flow", "--config", conf, "test", "orders", str(tmp_path / "unknown.toml"))
        assert rc == 1 and "unknown.toml:1: sources.billing: no such lookup source; configured: crm, orders" in err
    finally:
        crm.shutdown()
        crm.server_close()
