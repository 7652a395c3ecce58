"""The website's click-to-call widget: a visitor's browser calls the hotline through Kamailio's widget listener
(WITH_WIDGET in the shipped etc/kamailio/kamailio.cfg) to a sip trunk span, chand's routes send the call to an
ivrd flow, the flow's prompt is heard in the page and the digits keyed on the widget's keypad (RFC 4733 events
through rtpengine) reach the flow. Kamailio alone: anonymous requests on that listener reach the widget's number
and nothing else (403), from allowed Origins only, and one address's flood of INVITEs is refused (503, pike)."""
from __future__ import annotations

import asyncio
import os
import re
import socket
import struct

import pytest

from telephonist.chand.routing import Route
from telephonist.config.sip import SipTrunkConfig
from telephonist.engine import Clock
from telephonist.webadmin import create_app, db
from telephonist.webadmin.config import WebConfig
from tests.sip.support import free_udp_ports
from tests.sip.test_webrtc_softphone import HEARS, NEEDS_CHROMIUM, handshake, this_host
from tests.sip.webrtc import Edge, need_edge
from tests.support.chand_harness import SpanSpec
from tests.support.ivrd_harness import make_prompt, running_ivrd
from tests.webadmin.support import FAST_HASH, Served
from tests.webadmin.test_browser import ARGS, CHROMIUM

HOTLINE = "4008000"

FLOW = f"""
[flow]
numbers = ["{HOTLINE}"]
start = "account"

[nodes.account]
type = "collect"
prompts = "widget/welcome.wav"
var = "account"
min_digits = 4
max_digits = 4
next = "bye"

[nodes.bye]
type = "hangup"
prompts = "widget/thanks.wav"
"""


class WsSip:
    """A SIP client over a WebSocket (RFC 7118) as a page would be: masked text frames out, text frames in."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.r, self.w = reader, writer

    @classmethod
    async def connect(cls, port: int, origin: str) -> WsSip:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                 f"Sec-WebSocket-Protocol: sip\r\nOrigin: {origin}\r\n\r\n").encode())
        await w.drain()
        status = (await asyncio.wait_for(r.readline(), 10)).decode()
        assert status.startswith("HTTP/1.1 101"), status
        while (await asyncio.wait_for(r.readline(), 10)).strip():
            pass
        return cls(r, w)

    async def send(self, text: str) -> None:
        data, mask = text.encode(), os.urandom(4)
        head = bytes([0x81]) + (bytes([0x80 | len(data)]) if len(data) < 126 else
                                struct.pack("!BH", 0x80 | 126, len(data)))
        self.w.write(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
        await self.w.drain()

    async def recv(self, timeout: float = 10) -> str:
        while True:
            head = await asyncio.wait_for(self.r.readexactly(2), timeout)
            size = head[1] & 0x7F
            if size == 126:
                size = struct.unpack("!H", await self.r.readexactly(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", await self.r.readexactly(8))[0]
            payload = await self.r.readexactly(size)
            if head[0] & 0x0F == 1:
                return payload.decode()

    async def reply_to(self, method: str, user: str, n: int, timeout: float = 10) -> str:
        """Send a request out of dialog to sip:user@127.0.0.1; the first final reply's status line."""
        await self.send(f"{method} sip:{user}@127.0.0.1 SIP/2.0\r\n"
                        f"Via: SIP/2.0/WS visitor.invalid;branch=z9hG4bK-widget-{n}\r\nMax-Forwards: 70\r\n"
                        f"From: <sip:visitor@127.0.0.1>;tag=w{n}\r\nTo: <sip:{user}@127.0.0.1>\r\n"
                        f"Call-ID: widget-{n}@test\r\nCSeq: 1 {method}\r\nContact: <sip:visitor@visitor.invalid;transport=ws>\r\n"
                        f"Content-Length: 0\r\n\r\n")
        while True:
            line = (await self.recv(timeout)).split("\r\n", 1)[0]
            if not line.startswith("SIP/2.0 1"):
                return line

    def close(self) -> None:
        self.w.close()


async def test_the_widget_listener_takes_anonymous_calls_to_the_hotline_only(tmp_path):
    """On the widget's listener: an INVITE to the hotline goes to the widget's span (a UDP socket of the test's),
    and so does a request inside that call that names another destination; an INVITE to any other number, a REGISTER and a MESSAGE get 403; a handshake from a page of a site not in
    WIDGET_ORIGINS gets 403; a flood of INVITEs from one address gets 503."""
    need_edge()
    span = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    span.bind(("127.0.0.1", 0))
    span.settimeout(10)
    target = f"127.0.0.1:{span.getsockname()[1]}"
    edge = Edge(tmp_path, f"127.0.0.1:{free_udp_ports(1, even=False)}", widget_target=target,
                widget_numbers=f"^{HOTLINE}$")
    ws = None
    try:
        await edge.start('WIDGET_ORIGINS="^https://(www|shop)[.]example[.]com$"', "WIDGET_RATE=6")
        assert (await handshake(edge.widget_port, "https://evil.example.net")).startswith("HTTP/1.1 403")
        ws = await WsSip.connect(edge.widget_port, "https://www.example.com")
        await ws.send(f"INVITE sip:{HOTLINE}@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS visitor.invalid;branch=z9hG4bK-w0\r\n"
                      f"Max-Forwards: 70\r\nFrom: <sip:visitor@127.0.0.1>;tag=w0\r\nTo: <sip:{HOTLINE}@127.0.0.1>\r\n"
                      f"Call-ID: widget-0@test\r\nCSeq: 1 INVITE\r\nContact: <sip:visitor@visitor.invalid;transport=ws>\r\n"
                      f"Content-Length: 0\r\n\r\n")
        came = (await asyncio.to_thread(span.recv, 4000)).decode()
        assert came.startswith(f"INVITE sip:{HOTLINE}@127.0.0.1 SIP/2.0"), came
        assert "Record-Route:" in came and "widget-0@test" in came
        # inside that call, a request naming somebody else still goes to the widget's span only
        routes = ", ".join(line.split(":", 1)[1].strip() for line in came.split("\r\n")
                           if line.lower().startswith("record-route:"))
        await ws.send(f"BYE sip:intruder@127.0.0.1:9 SIP/2.0\r\nVia: SIP/2.0/WS visitor.invalid;branch=z9hG4bK-w0b\r\n"
                      f"Max-Forwards: 70\r\nRoute: {routes}\r\nFrom: <sip:visitor@127.0.0.1>;tag=w0\r\n"
                      f"To: <sip:{HOTLINE}@127.0.0.1>;tag=span\r\nCall-ID: widget-0@test\r\nCSeq: 2 BYE\r\n"
                      f"Content-Length: 0\r\n\r\n")
        while not came.startswith("BYE "):          # the INVITE's retransmissions first, maybe
            came = (await asyncio.to_thread(span.recv, 4000)).decode()
        assert came.startswith("BYE sip:intruder@127.0.0.1:9 "), came
        assert await ws.reply_to("INVITE", "110", 1) == "SIP/2.0 403 Forbidden"
        assert await ws.reply_to("INVITE", "8001", 2) == "SIP/2.0 403 Forbidden"
        assert await ws.reply_to("REGISTER", "8001", 3) == "SIP/2.0 403 Forbidden"
        assert await ws.reply_to("MESSAGE", HOTLINE, 4) == "SIP/2.0 403 Forbidden"
        # a flood: pike refuses this address once it sends more than WIDGET_RATE a unit (2 s)
        replies = [await ws.reply_to("INVITE", "110", 10 + i) for i in range(40)]
        assert "SIP/2.0 503 Too Many Calls" in replies, replies
        assert set(replies) <= {"SIP/2.0 403 Forbidden", "SIP/2.0 503 Too Many Calls"}, replies
    except BaseException:
        print("--- kamailio\n" + edge.log("kamailio"))
        raise
    finally:
        if ws is not None:
            ws.close()
        span.close()
        await edge.stop()


@pytest.mark.long
@pytest.mark.browser
@NEEDS_CHROMIUM
async def test_a_visitor_calls_the_hotline_from_the_widget_and_keys_digits_into_the_ivr(tmp_path):
    """Chromium opens /call (no login), calls; Kamailio's widget listener relays the INVITE to the sip trunk span
    "web", whose route sends it to the ivrd flow of the hotline; the page hears the flow's prompt (a 450 Hz tone),
    the visitor keys 4271 on the widget's keypad (RFC 4733 through rtpengine), the flow collects those digits and
    hangs up, and the page's call ends."""
    from playwright.async_api import async_playwright, expect
    need_edge()
    make_prompt(str(tmp_path / "prompts" / "widget" / "welcome.wav"), ms=15000, freq=450)
    make_prompt(str(tmp_path / "prompts" / "widget" / "thanks.wav"), ms=300, freq=600)
    span = SpanSpec("web", "e1", 2, driver="sip", codec="alaw",
                    sip=SipTrunkConfig(bind=f"127.0.0.1:{free_udp_ports(1, even=False)}", rtp_host="127.0.0.1",
                                       rtp_port=free_udp_ports(4)))
    edge = Edge(tmp_path, f"127.0.0.1:{free_udp_ports(1, even=False)}", widget_target=span.sip.bind,
                widget_numbers=f"^{HOTLINE}$")
    (tmp_path / "recordings").mkdir()
    try:
        await edge.start()
        async with running_ivrd(tmp_path, {"main.toml": FLOW}, spans=[span], clock=Clock.REALTIME, records=True,
                                routes=[Route("ivr:", dialled=HOTLINE, lines=("web/*",))]) as ivr:
            app = await asyncio.to_thread(create_app, WebConfig(
                database_url=f"sqlite:///{tmp_path / 'console.db'}", control_socket=ivr.chand.socket,
                recordings_dir=str(tmp_path / "recordings"), live_feed=False, testing=True,
                password_method=FAST_HASH, widget_ws=edge.widget_url, widget_number=HOTLINE))
            served = await asyncio.to_thread(Served, app)
            try:
                async with async_playwright() as pw:
                    browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS + [
                        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                        "--allow-loopback-in-peer-connection"])
                    try:
                        page = await browser.new_page()
                        page.set_default_timeout(20000)
                        problems: list[str] = []
                        page.on("pageerror", lambda e: problems.append(str(e)))
                        page.on("console", lambda m: problems.append(m.text)
                                if "Content Security Policy" in m.text else None)
                        resp = await page.goto(served.url + "/call")
                        assert resp.status == 200 and page.url.endswith("/call")      # no login
                        assert f"connect-src 'self' {edge.widget_url}" in resp.headers["content-security-policy"]
                        status = page.locator("#wg-status")
                        await page.click("#wg-call")
                        await expect(status).to_have_attribute("data-state", "in_call", timeout=20000)
                        heard = await page.evaluate(HEARS.replace("sp-audio", "wg-audio"), 450)
                        for key in "4271":
                            await page.click(f"#wg-keypad .key[data-key='{key}']")
                        await expect(status).to_have_attribute("data-state", "ended", timeout=20000)
                        assert problems == []
                    finally:
                        await browser.close()
            finally:
                await asyncio.to_thread(served.close)
                db.engine(app).dispose()
            await ivr.service_idle()
            sessions = ivr.rows("SELECT call_id, flow, outcome FROM ivr_sessions")
            assert len(sessions) == 1 and sessions[0]["flow"] == "main", sessions
            steps = ivr.steps(sessions[0]["call_id"])
    except BaseException:
        print("--- kamailio\n" + edge.log("kamailio") + "\n--- rtpengine\n" + edge.log("rtpengine"))
        raise
    finally:
        await edge.stop()
    signalling = (tmp_path / "edge" / "kamailio.log").read_text()
    assert "request INFO" not in signalling             # the digits went as RTP events (RFC 4733), not SIP INFO
    relay = (tmp_path / "edge" / "rtpengine.log").read_text()
    assert "DTLS-SRTP successfully negotiated" in relay, relay[-3000:]
    peers = set(re.findall(r"ICE negotiated: (?:new )?peer for component 1 is ([0-9.]+):", relay))
    assert peers and all(this_host(p) for p in peers), peers
    print(f"widget: the page heard {heard:.2f} of the prompt's 450 Hz; steps {steps}")
    assert heard > 0.5, f"the page heard {heard:.2f} of the flow's 450 Hz prompt"
    assert steps == [("account", "4271", "ok"), ("bye", None, "ok")], steps
