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


def test_a_tls_peer_whose_certificate_we_do_not_trust_fails_the_call_at_once(tmp_path):
    """sofia-sip closes the connection when the peer's certificate does not verify, and tells no transaction: the
    call would fail at the INVITE's timeout (32 s). The engine hears its transport's log line and fails the call
    there and then, cause 38, with an error saying why. The peer: Python's ssl with another self-signed
    certificate for the same address."""
    import socket
    import threading

    from telephonist.engine import ErrorEvent, SigMsg, SipParams
    from tests.support.live_engine import LiveEngine

    ours, theirs = certificate(tmp_path), certificate(tmp_path, "theirs")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(f"{theirs}/cert.pem", f"{theirs}/key.pem")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                server.wrap_socket(conn, server_side=True).recv(1)      # our side gives up in the handshake
            except (ssl.SSLError, OSError):
                pass
            finally:
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    lv = LiveEngine()
    try:
        (line,) = lv.engine.add_sip_span(SipParams(
            bind=f"127.0.0.1:{free_udp_ports(1, even=False)}", rtp_host="127.0.0.1", rtp_port=free_udp_ports(2),
            peer=f"127.0.0.1:{listener.getsockname()[1]}", transport=2,
            tls_bind=f"127.0.0.1:{free_udp_ports(1, even=False)}", tls_cert_dir=ours), 1)
        lv.engine.start()
        lv.engine.sigmsg(line, "SETUP calling=4008001 called=201")
        gone = lv.wait(lambda e: isinstance(e, SigMsg) and e.kind == "DISCONNECT", 20)
        assert gone.chan == line and gone.fields["cause"] == "38"
        why, = [e for e in lv.events if isinstance(e, ErrorEvent) and "TLS" in e.text]
        assert "TLS connection to the far end failed" in why.text and "certificate verify failed" in why.text
    finally:
        lv.close()
        listener.close()
