"""The control API over TCP needs a token (and can use TLS); the operator commands talk to a running chand."""
import asyncio
import signal
import ssl
import subprocess
import sys

import pytest

from telephonist.client import ApiCallError, Client
from tests.chand.test_daemon import CONFIG
from tests.support.chand_process import connect, start_chand

TOKEN = "s3cret-token-for-the-crm-0123"
BOARD_TOKEN = "wallboard-token-0123456789"


@pytest.fixture
def tls_files(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return str(cert), str(key)


TOKENS = f"""
[[control.tokens]]
name = "crm"
token = "{TOKEN}"
role = "app"
apps = ["crm", "crm-*"]

[[control.tokens]]
name = "board"
token = "{BOARD_TOKEN}"
role = "monitor"
apps = ["wallboard"]
"""


def free_port() -> int:
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.long
async def test_tcp_needs_a_token_for_its_applications_and_tls_works(tmp_path, tls_files):
    cert, key = tls_files
    cfg = tmp_path / "telephonist.toml"
    port = free_port()
    text = CONFIG.replace("[engine]", f'tcp = "127.0.0.1:{port}"\ntls_cert = "{cert}"\ntls_key = "{key}"\n'
                                      'hello_timeout_ms = 1000\n' + TOKENS + "\n[engine]")
    cfg.write_text(text)
    proc = start_chand(str(cfg))
    try:
        ctx = ssl.create_default_context(cafile=cert)
        c = await Client.connect_tcp("127.0.0.1", port, app="crm", token=TOKEN, ssl=ctx)
        st = await c.call("status")
        assert len(st["lines"]) == 60
        with pytest.raises(ApiCallError) as e:
            await c.call("reload")                     # the token allows role app only
        assert e.value.code == "forbidden"
        crm2 = await Client.connect_tcp("127.0.0.1", port, app="crm-2", token=TOKEN, ssl=ctx)
        board = await Client.connect_tcp("127.0.0.1", port, app="wallboard", token=BOARD_TOKEN, role="monitor",
                                         ssl=ctx)
        for bad in (dict(app="crm", token="wrong-token-wrong-token"),            # no such token
                    dict(app="crm", token=TOKEN, role="admin"),                  # more than the token allows
                    dict(app="ivr", token=TOKEN),                                # the CRM's token is not ivrd's
                    dict(app="wallboard", token=BOARD_TOKEN)):                   # a monitor token as an app
            with pytest.raises(ApiCallError) as e:
                await Client.connect_tcp("127.0.0.1", port, ssl=ctx, **bad)
            assert e.value.code == "forbidden", bad

        # silent connections are closed after hello_timeout_ms; long lines before hello too
        r, w = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
        line = await asyncio.wait_for(r.readline(), 30)
        assert b"say hello within 1 s" in line and await r.read() == b""
        w.close()
        r, w = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
        w.write(b'{"cmd": "hello", "app": "' + b"x" * 5000 + b'"}\n')
        line = await asyncio.wait_for(r.readline(), 30)
        assert b"longer than 4096 bytes before hello" in line and await r.read() == b""
        w.close()

        # the CRM's token is taken out of the file: its sessions are closed by the reload, the others stay
        cfg.write_text(text.replace(TOKEN, "another-token-for-the-crm-99"))
        gone = [c.closed.wait(), crm2.closed.wait()]
        admin = await connect(str(tmp_path / "state" / "chand.sock"), "ops", role="admin")
        assert (await admin.call("reload"))["applied"]
        await asyncio.wait_for(asyncio.gather(*gone), 30)
        assert (await board.call("status"))["node"]
        with pytest.raises(ApiCallError):
            await Client.connect_tcp("127.0.0.1", port, app="crm", token=TOKEN, ssl=ctx)
        await board.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)


def test_plaintext_tcp_beyond_this_machine_is_refused_at_start(tmp_path):
    from telephonist.config import ConfigError, load_config
    cfg = tmp_path / "telephonist.toml"
    for host, ok in (("127.0.0.1", True), ("[::1]", True), ("0.0.0.0", False), ("10.1.2.3", False), ("", False)):
        cfg.write_text(CONFIG.replace("[engine]", f'tcp = "{host}:7070"\n' + TOKENS + "\n[engine]"))
        if ok:
            load_config(str(cfg))
            continue
        with pytest.raises(ConfigError) as e:
            load_config(str(cfg))
        assert "without TLS" in str(e.value) and "telephonist.toml:" in str(e.value)
    cfg.write_text(CONFIG.replace("[engine]", 'tcp = "0.0.0.0:7070"\nallow_plaintext = true\n' + TOKENS + "\n[engine]"))
    load_config(str(cfg))
    cfg.write_text(CONFIG.replace("[engine]", 'tcp = "127.0.0.1:7070"\n[[control.tokens]]\nname = "x"\n'
                                  f'token = "{TOKEN}"\n\n[engine]'))
    with pytest.raises(ConfigError, match="needs apps"):
        load_config(str(cfg))


@pytest.mark.long
async def test_operator_commands(tmp_path):
    cfg = tmp_path / "telephonist.toml"
    cfg.write_text(CONFIG + '\n[[sim.numbers]]\npattern = "138*"\nbehaviour = "answer"\nafter_rings = 1\n')
    proc = start_chand(str(cfg))
    exe = [sys.executable, "-m", "telephonist.cli"]
    try:

        def run(*args):
            return subprocess.run(exe + list(args) + ["--config", str(cfg)], capture_output=True, text=True,
                                  timeout=120)
        r = await asyncio.to_thread(run, "originate", "out", "13800138000", "--timeout", "30")
        assert r.returncode == 0, r.stdout + r.stderr
        assert "answered" in r.stdout and "done" in r.stdout
        r = await asyncio.to_thread(run, "status", "--all")
        assert r.returncode == 0 and "span ea" in r.stdout and "eb/1" in r.stdout
        r = await asyncio.to_thread(run, "calls", "-n", "5")
        assert r.returncode == 0 and "13800138000" in r.stdout and "answered" in r.stdout
        r = await asyncio.to_thread(run, "reload")
        assert r.returncode == 0 and "configuration applied" in r.stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
