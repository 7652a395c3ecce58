"""The control API over TCP needs a token (and can use TLS); the operator commands talk to a running chand."""
import asyncio
import os
import signal
import ssl
import subprocess
import sys

import pytest

from telephonist.client import ApiCallError, Client
from tests.chand.test_daemon import CONFIG, connect, start_chand

TOKEN = "s3cret-token-for-the-crm-0123"


@pytest.fixture
def tls_files(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return str(cert), str(key)


async def test_tcp_needs_a_token_and_tls_works(tmp_path, tls_files):
    cert, key = tls_files
    cfg = tmp_path / "telephonist.toml"
    text = CONFIG.replace("[engine]", f'tcp = "127.0.0.1:0"\ntls_cert = "{cert}"\ntls_key = "{key}"\n'
                                      f'[[control.tokens]]\nname = "crm"\ntoken = "{TOKEN}"\nrole = "app"\n\n[engine]')
    # port 0 is not knowable from outside: pick a free one
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    cfg.write_text(text.replace("127.0.0.1:0", f"127.0.0.1:{port}"))
    proc = start_chand(str(cfg))
    try:
        await connect(str(tmp_path / "state" / "chand.sock"), "probe")      # up
        ctx = ssl.create_default_context(cafile=cert)
        c = await Client.connect_tcp("127.0.0.1", port, app="crm", token=TOKEN, ssl=ctx)
        st = await c.call("status")
        assert len(st["lines"]) == 60
        with pytest.raises(ApiCallError) as e:
            await c.call("reload")                     # the token allows role app only
        assert e.value.code == "forbidden"
        await c.close()
        with pytest.raises(ApiCallError) as e:
            await Client.connect_tcp("127.0.0.1", port, app="crm", token="wrong-token-wrong-token", ssl=ctx)
        assert e.value.code == "forbidden"
        with pytest.raises(ApiCallError):
            await Client.connect_tcp("127.0.0.1", port, app="crm", token=TOKEN, role="admin", ssl=ctx)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)


async def test_operator_commands(tmp_path):
    cfg = tmp_path / "telephonist.toml"
    cfg.write_text(CONFIG + '\n[[sim.numbers]]\npattern = "138*"\nbehaviour = "answer"\nafter_rings = 1\n')
    proc = start_chand(str(cfg))
    exe = [sys.executable, "-m", "telephonist.cli"]
    try:
        await connect(str(tmp_path / "state" / "chand.sock"), "probe")

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
