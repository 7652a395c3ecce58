"""SIP over TLS on a span of phones with tls_only: a phone registering over TLS (sofia-sip's TLS transport, a
certificate made by openssl for the test) is challenged and registered; the same phone over UDP (SIPp) is
refused with 403 and chand logs why. This SIPp is built without OpenSSL (`sipp -t l1` says so) and no other
SIP client with TLS is installed, so the TLS side of the test is a few lines of SIP written here over Python's
ssl module, the digest answer computed as RFC 2617 says."""
from __future__ import annotations

import asyncio
import hashlib
import re
import shutil
import ssl
import subprocess

import pytest

from telephonist.config.sip import SipTrunkConfig
from telephonist.engine import Clock
from tests.sip.sipp import need_sipp, run_sipp
from tests.sip.support import free_udp_ports
from tests.support.chand_harness import SpanSpec, running_chand

PASSWORD = "Desk-Phone-7f3a!"


def certificate(tmp_path, name: str = "tls") -> str:
    """A directory with sofia-sip's agent.pem (key and certificate) and cafile.pem, for 127.0.0.1 (self-signed:
    cafile.pem is the certificate itself)."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    d = tmp_path / name
    d.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(d / "key.pem"),
                    "-out", str(d / "cert.pem"), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    (d / "agent.pem").write_bytes((d / "key.pem").read_bytes() + (d / "cert.pem").read_bytes())
    (d / "cafile.pem").write_bytes((d / "cert.pem").read_bytes())
    return str(d)


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


async def exchange(reader, writer, request: str) -> str:
    writer.write(request.encode())
    await writer.drain()
    head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)).decode()
    length = int(re.search(r"(?im)^content-length:\s*(\d+)", head).group(1))
    if length:
        await reader.readexactly(length)
    return head


def register(tls_port: int, local_port: int, cseq: int, authorization: str = "") -> str:
    return (f"REGISTER sips:127.0.0.1:{tls_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/TLS 127.0.0.1:{local_port};branch=z9hG4bK-tls-{cseq}\r\n"
            f"From: <sips:201@127.0.0.1:{tls_port}>;tag=tls-phone\r\n"
            f"To: <sips:201@127.0.0.1:{tls_port}>\r\n"
            f"Call-ID: tls-register@127.0.0.1\r\nCSeq: {cseq} REGISTER\r\n"
            f"Contact: <sips:201@127.0.0.1:{local_port}>\r\nExpires: 120\r\nMax-Forwards: 70\r\n"
            f"{authorization}Content-Length: 0\r\n\r\n")


async def test_phones_register_over_tls_and_are_refused_in_plain_text(tmp_path):
    need_sipp()
    port, tls_port = free_udp_ports(1, even=False), free_udp_ports(1, even=False)
    span = SpanSpec("phones", "e1", 1, driver="sip", codec="alaw", extensions=["201"],
                    sip=SipTrunkConfig(bind=f"127.0.0.1:{port}", rtp_host="127.0.0.1", rtp_port=free_udp_ports(2),
                                       passwords={"201": PASSWORD}, tls_bind=f"127.0.0.1:{tls_port}",
                                       tls_cert_dir=certificate(tmp_path), tls_only=True))
    async with running_chand(tmp_path, [span], clock=Clock.REALTIME) as chand:
        app = await chand.client("acd")
        await app.call("subscribe", lines=True)
        # over UDP: 403 at once, no challenge (SIPp wants 401 and fails), and chand says why
        rc, said = await run_sipp("phone_register", f"127.0.0.1:{port}", "-s", "201", "-au", "201", "-ap", PASSWORD,
                                  "-key", "contact_port", "5999", "-p", str(free_udp_ports(1, even=False)),
                                  tmp_path=tmp_path)
        assert rc != 0 and "403" in said, said
        refused = await app.wait_for("sip_refused", since=0, timeout=10)
        assert refused["why"] == "not_tls" and refused["user"] == "201"

        # over TLS, the server's certificate checked against ours: 401, then 200 with the contact
        ctx = ssl.create_default_context(cafile=f"{span.sip.tls_cert_dir}/cafile.pem")
        reader, writer = await asyncio.open_connection("127.0.0.1", tls_port, ssl=ctx)
        local_port = writer.get_extra_info("sockname")[1]
        try:
            head = await exchange(reader, writer, register(tls_port, local_port, 1))
            assert head.startswith("SIP/2.0 401"), head
            challenge = re.search(r"(?im)^www-authenticate:\s*digest\s+(.*)$", head).group(1)
            params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
            uri = f"sips:127.0.0.1:{tls_port}"
            ha1, ha2 = md5(f"201:{params['realm']}:{PASSWORD}"), md5(f"REGISTER:{uri}")
            response = md5(f"{ha1}:{params['nonce']}:00000001:c0ffee:auth:{ha2}")
            auth = (f'Authorization: Digest username="201", realm="{params["realm"]}", nonce="{params["nonce"]}", '
                    f'uri="{uri}", response="{response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="c0ffee"'
                    + (f', opaque="{params["opaque"]}"' if "opaque" in params else "") + "\r\n")
            head = await exchange(reader, writer, register(tls_port, local_port, 2, auth))
            assert head.startswith("SIP/2.0 200"), head
        finally:
            writer.close()
        reg = await app.wait_for("sip_registration", chan="phones/1", since=0, timeout=10)
        assert reg["contact"].startswith("sips:201@127.0.0.1")
