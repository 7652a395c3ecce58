"""An agent in the browser: the agent desktop's softphone (JsSIP in Debian's Chromium, its microphone a WAV of a
1 kHz tone) registers as the agent's extension through Kamailio's WebSocket (the shipped etc/kamailio/kamailio.cfg)
with the span of phones, which challenges it; a caller on a sim E1 line is put through to that extension, the
call rings in the page and the agent answers there. The media goes through rtpengine (ICE and DTLS-SRTP to the
browser, plain RTP to the engine): the caller must hear the browser's 1 kHz tone and the browser the caller's
450 Hz one (a WebAudio analyser on what the page plays). Kamailio and rtpengine run as real processes."""
from __future__ import annotations

import asyncio
import math
import re
import socket
import struct
import textwrap
import wave

import pytest

from telephonist.chand.routing import Route
from telephonist.config.sip import SipTrunkConfig
from telephonist.engine import Clock
from telephonist.webadmin import create_app, db
from telephonist.webadmin.config import WebConfig
from tests.sip.support import free_udp_ports, samples_of, tone_heard, tone_share
from tests.sip.test_sip_tls import certificate
from tests.sip.webrtc import Edge, need_edge
from tests.support.chand_harness import SpanSpec, TrunkGroupSpec, running_chand
from tests.webadmin.support import FAST_HASH, Served, make_users, password
from tests.webadmin.test_browser import ARGS, CHROMIUM, SHOTS

NEEDS_CHROMIUM = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

EXTENSION = "8001"                  # agent1 is agent 1001 (tests/webadmin/support.py), working at 8001
SECRET = "Browser-Desk-8q2!x"

# What the page hears: the share of the analyser's power near `hz` once it has some sound, waited for in the page.
HEARS = """async (hz) => {
  const audio = document.getElementById("sp-audio");
  const ctx = new AudioContext();
  await ctx.resume();
  const an = ctx.createAnalyser();
  an.fftSize = 4096;
  ctx.createMediaStreamSource(audio.srcObject).connect(an);
  const bins = new Float32Array(an.frequencyBinCount);
  const width = ctx.sampleRate / an.fftSize;
  let best = 0;
  for (let i = 0; i < 100 && best < 0.6; i++) {
    await new Promise((r) => setTimeout(r, 100));
    an.getFloatFrequencyData(bins);
    let total = 0, near = 0;
    bins.forEach((db, k) => {
      const p = Math.pow(10, db / 10);
      total += p;
      if (Math.abs(k * width - hz) < 40) near += p;
    });
    if (total > 1e-7) best = Math.max(best, near / total);
  }
  ctx.close();
  return best;
}"""


def this_host(ip: str) -> bool:
    """An address of this host: a socket can be bound to it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind((ip, 0))
        except OSError:
            return False
    return True


def tone_power(samples: list[int], hz: float) -> float:
    """The mean power of the signal at hz (the share of tone_share times the mean power)."""
    return tone_share(samples, hz) * sum(x * x for x in samples) / max(len(samples), 1)


def tone_wav(path, hz: int = 1000, seconds: int = 2, rate: int = 48000) -> None:
    """The fake microphone: a steady tone (Chromium plays the file round and round)."""
    s = [int(9000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(rate * seconds)]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack(f"<{len(s)}h", *s))


def console_config(tmp_path, span: SpanSpec, outbound: bool = False) -> str:
    """The telephonist.toml the console reads: the agent's extension and the span of phones holding its password."""
    conf = tmp_path / "telephonist.toml"
    conf.write_text(textwrap.dedent(f"""
        [system]
        prompts_dir = "{tmp_path / 'prompts'}"
        state_dir = "{tmp_path}"
        [database]
        url = "sqlite:///{tmp_path / 'telephonist.db'}"
        [[spans]]
        name = "pstn"
        driver = "sim"
        type = "e1"
        channels = 1
        [[spans]]
        name = "phones"
        driver = "sip"
        type = "e1"
        channels = 1
        extensions = ["{EXTENSION}"]
        [spans.sip]
        bind = "{span.sip.bind}"
        rtp_host = "127.0.0.1"
        rtp_port = {span.sip.rtp_port}
        [spans.sip.passwords]
        {EXTENSION} = "{SECRET}"
        [[trunk_groups]]
        name = "agents"
        lines = ["phones/*"]
        [acd]
        agents_trunk_group = "agents"
        """) + ('outbound_trunk_group = "out"\n[[trunk_groups]]\nname = "out"\nlines = ["pstn/*"]\n' if outbound else "")
        + textwrap.dedent(f"""
        [[queues]]
        name = "sales"
        [[agents]]
        number = "1001"
        name = "Li Wei"
        extension = "{EXTENSION}"
        queues = ["sales"]
        """))
    return str(conf)


async def put_through_to_the_agent(chand):
    """The application: a caller on the sim E1 is answered once the agent's extension answers, and bridged to it."""
    ivr = await chand.client("ivr")
    pending: dict[str, str] = {}
    ivr.bridged = asyncio.Queue()

    async def on_offer(ev):
        r = await ivr.call("dial", trunk_group="agents", number=EXTENSION, caller_id=ev["caller"])
        pending[r["chan"]] = ev["chan"]

    partner: dict[str, str] = {}

    async def on_answered(ev):
        caller = pending.pop(ev["chan"], None)
        if caller:
            await ivr.call("answer", chan=caller)
            await ivr.call("bridge", chans=[caller, ev["chan"]])
            partner.update({caller: ev["chan"], ev["chan"]: caller})
            await ivr.bridged.put((caller, ev["chan"]))

    async def on_ended(ev):             # one side gone: the other is cleared
        other = partner.pop(ev["chan"], None)
        if other and partner.pop(other, None):
            await ivr.call("hangup", chan=other)

    ivr.on("offer", on_offer)
    ivr.on("answered", on_answered)
    ivr.on("ended", on_ended)
    return ivr


async def start_acd(chand, config_path: str, db_url: str):
    """The ACD on chand, as `telephonist acd` runs it: queue "sales" (its number 4008000*), agent 1001 at 8001."""
    from telephonist.acd.requests import RequestHandler
    from telephonist.acd.service import AcdService
    from telephonist.acd.store import AcdStore
    from telephonist.config import load_config
    from telephonist.storage import migrate
    await asyncio.to_thread(migrate, db_url)
    store = AcdStore(db_url)
    client = await chand.client("queue")
    service = AcdService(client, load_config(config_path), store)
    client.serve_requests(RequestHandler(service))
    await service.start()
    return service, store


@pytest.mark.long
@pytest.mark.browser
@NEEDS_CHROMIUM
@pytest.mark.parametrize("through,transport", [("dial", "ws"), ("acd", "wss")])
async def test_an_agent_answers_in_the_browser_and_hears_and_is_heard(tmp_path, through, transport):
    """through: "dial" — an application dials the agent's extension and bridges the caller; "acd" — the caller
    rings queue "sales" and the ACD offers the call to agent 1001, signed in and ready at the desk. transport: the
    browser's WebSocket to Kamailio, plain or over TLS (a self-signed certificate the browser is told to take)."""
    from playwright.async_api import async_playwright, expect
    need_edge()
    mic = tmp_path / "mic.wav"
    tone_wav(mic)
    span = SpanSpec("phones", "e1", 1, driver="sip", codec="alaw", extensions=[EXTENSION],
                    sip=SipTrunkConfig(bind=f"127.0.0.1:{free_udp_ports(1, even=False)}", rtp_host="127.0.0.1",
                                       rtp_port=free_udp_ports(2), passwords={EXTENSION: SECRET}))
    edge = Edge(tmp_path, span.sip.bind, certs=certificate(tmp_path) if transport == "wss" else "")
    (tmp_path / "recordings").mkdir()
    db_url = f"sqlite:///{tmp_path / 'telephonist.db'}"
    config_path = console_config(tmp_path, span)
    routing = {"default_route": "app:ivr"} if through == "dial" else \
        {"routes": [Route("queue:sales", dialled="4008000*")]}
    acd = store = None
    try:
        await edge.start()
        async with running_chand(tmp_path, [SpanSpec("pstn", "e1", 1), span], clock=Clock.REALTIME,
                                 trunk_groups=[TrunkGroupSpec("agents", ["phones/*"])], records=True,
                                 **routing) as chand:
            ivr = await put_through_to_the_agent(chand) if through == "dial" else None
            if through == "acd":
                acd, store = await start_acd(chand, config_path, db_url)
            watch = await chand.client("watch")
            await watch.call("subscribe", lines=True)
            tester = await chand.client("tester")
            app = await asyncio.to_thread(create_app, WebConfig(
                database_url=db_url, control_socket=chand.socket, recordings_dir=str(tmp_path / "recordings"),
                config_path=config_path, live_feed=through == "acd", testing=True, password_method=FAST_HASH,
                softphone_ws=edge.ws_url))
            make_users(app)
            feed = app.extensions["chand_feed"]
            if through == "acd":
                assert await asyncio.to_thread(feed.wait_connected, 15), "the console did not reach chand"
            served = await asyncio.to_thread(Served, app)
            try:
                async with async_playwright() as pw:
                    browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS + [
                        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                        f"--use-file-for-fake-audio-capture={mic}", "--allow-loopback-in-peer-connection",
                        *(["--ignore-certificate-errors"] if transport == "wss" else [])])
                    try:
                        page = await browser.new_page()
                        page.set_default_timeout(20000)
                        problems: list[str] = []
                        page.on("pageerror", lambda e: problems.append(str(e)))
                        page.on("console", lambda m: problems.append(m.text)
                                if "Content Security Policy" in m.text else None)
                        await page.goto(served.url + "/agent/")
                        await page.fill("input[name=username]", "agent1")
                        await page.fill("input[name=password]", password("agent1"))
                        await page.click("button[type=submit]")
                        await page.wait_for_url("**/agent/")
                        status = page.locator("#sp-status")

                        # registered through Kamailio: the span's contact points back at Kamailio's UDP socket
                        await expect(status).to_have_attribute("data-state", "registered", timeout=15000)
                        reg = await watch.wait_for("sip_registration", chan="phones/1", since=0, timeout=10)
                        assert f"@127.0.0.1:{edge.sip_port};alias=127.0.0.1~" in reg["contact"], reg
                        assert reg["contact"].endswith("~6" if transport == "wss" else "~5"), reg     # Kamailio's ws/wss

                        state = page.locator("#state")
                        if through == "acd":        # the agent signs in at its extension and is ready
                            await expect(page.locator("#seat")).to_have_value(EXTENSION)
                            await page.click("#login")
                            await expect(state).to_have_attribute("data-state", "not_ready")
                            await page.click("#ready")
                            await expect(state).to_have_attribute("data-state", "ready")

                        # a caller on the E1 line, put through to the extension: it rings in the page
                        r = await tester.call("sim.call", span="pstn", caller="13912345678",
                                              dialled="500" if through == "dial" else "40080001234")
                        far = r["far"]
                        await expect(status).to_have_attribute("data-state", "ringing", timeout=15000)
                        await page.click("#sp-answer")
                        await expect(status).to_have_attribute("data-state", "in_call", timeout=15000)
                        if through == "dial":
                            caller, agent_line = await asyncio.wait_for(ivr.bridged.get(), 20)
                            assert (caller, agent_line) == ("pstn/1", "phones/1")
                        else:
                            await expect(state).to_have_attribute("data-state", "on_call", timeout=15000)

                        # the caller speaks (450 Hz) and records what it hears; the page listens meanwhile
                        mark = tester.mark()
                        await tester.call("sim.play", far=far, items=[{"tone": "dial", "ms": 20000}])
                        await tester.call("sim.record", far=far, path=str(tmp_path / "caller.wav"), max_ms=4000)
                        heard_in_page = await page.evaluate(HEARS, 450)
                        await tester.wait_for("far", far=far, what="rec_done", since=mark, timeout=20)
                        heard_by_caller = tone_heard(samples_of(tmp_path / "caller.wav"), 1000)
                        loud = tone_power(samples_of(tmp_path / "caller.wav")[4000:], 1000)
                        SHOTS.mkdir(parents=True, exist_ok=True)
                        await page.screenshot(path=str(SHOTS / f"softphone-{through}.png"))

                        # muted in the page: the caller hears the browser no more; the volume is the headset's
                        await page.click("#sp-mute")
                        await expect(page.locator("#sp-mute")).to_have_attribute("aria-pressed", "true")
                        mark = tester.mark()
                        await tester.call("sim.record", far=far, path=str(tmp_path / "muted.wav"), max_ms=2000)
                        await tester.wait_for("far", far=far, what="rec_done", since=mark, timeout=20)
                        muted = tone_power(samples_of(tmp_path / "muted.wav")[4000:], 1000)    # after 0.5 s
                        await page.fill("#sp-volume", "25")
                        assert await page.eval_on_selector("#sp-audio", "a => a.volume") == 0.25

                        # the end: "dial" — the caller hangs up, and the span's BYE reaches the browser through
                        # Kamailio; "acd" — the agent hangs up in the page (and the ACD's agent wraps up)
                        mark = watch.mark()
                        if through == "dial":
                            await tester.call("sim.hangup", far=far)
                        else:
                            await page.click("#sp-hangup")
                        await expect(status).to_have_attribute("data-state", "registered")
                        await watch.wait_for(lambda e: e.get("event") == "line_state" and e.get("chan") == "phones/1"
                                             and e.get("state") == "idle", since=mark, timeout=10)
                        if through == "acd":
                            await expect(state).to_have_attribute("data-state", "wrap_up")
                        assert problems == []
                        # the engine's side of the media was plain RTP with rtpengine
                        await chand.board.recorder.drain()
                        rtps = [e.data for leg in await chand.store.recent(5) for e in await chand.store.events(leg.id)
                                if e.kind == "rtp"]
                        assert len(rtps) == 1 and rtps[0]["srtp"] == "", rtps
                        host, port = rtps[0]["remote"].split(":")
                        assert host == "127.0.0.1" and edge.media <= int(port) < edge.media + 100, rtps
                    finally:
                        await browser.close()
            finally:
                await asyncio.to_thread(served.close)
                await asyncio.to_thread(feed.stop)
                db.engine(app).dispose()
                if acd is not None:
                    await acd.roster.drain()
                    await store.close()
    except BaseException:
        print("--- kamailio\n" + edge.log("kamailio") + "\n--- rtpengine\n" + edge.log("rtpengine"))
        raise
    finally:
        await edge.stop()
    # the browser's side: ICE and DTLS-SRTP, as rtpengine tells it; the browser's address one of this host's (the
    # loopback, or the host's own address Chromium sent its checks from: either way no packet left the host)
    relay = (tmp_path / "edge" / "rtpengine.log").read_text()
    assert "DTLS-SRTP successfully negotiated" in relay, relay[-3000:]
    peers = set(re.findall(r"ICE negotiated: (?:new )?peer for component 1 is ([0-9.]+):", relay))
    print(f"heard: by the caller {heard_by_caller:.2f} (1 kHz power {loud:.0f}, muted {muted:.0f}), "
          f"in the page {heard_in_page:.2f}; ICE peers {sorted(peers)}")
    assert peers and all(this_host(p) for p in peers), peers
    assert heard_by_caller > 0.5, f"the caller heard {heard_by_caller:.2f} of 1 kHz from the browser"
    assert heard_in_page > 0.5, f"the page heard {heard_in_page:.2f} of 450 Hz from the caller"
    assert muted < loud / 1000, f"muted, the caller still heard the 1 kHz tone at {muted:.0f} (unmuted {loud:.0f})"


async def handshake(port: int, origin: str) -> str:
    """A WebSocket handshake for SIP (RFC 7118) from a page of `origin`: Kamailio's status line."""
    r, w = await asyncio.open_connection("127.0.0.1", port)
    try:
        w.write((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                 f"Sec-WebSocket-Protocol: sip\r\nOrigin: {origin}\r\n\r\n").encode())
        await w.drain()
        return (await asyncio.wait_for(r.readline(), 10)).decode().strip()
    finally:
        w.close()


async def test_kamailio_takes_browsers_of_its_origin_and_calls_to_them_from_telephonist_only(tmp_path):
    """WS_ORIGIN: a handshake from a page of another site is refused (403), one of the console's is upgraded (101).
    On the UDP side, an INVITE naming a browser's alias from anywhere but Telephonist's address gets 403."""
    need_edge()
    telephonist = f"127.0.0.1:{free_udp_ports(1, even=False)}"
    edge = Edge(tmp_path, telephonist)
    try:
        await edge.start('WS_ORIGIN="https://console.example.com"')
        assert (await handshake(edge.ws_port, "https://evil.example.net")).startswith("HTTP/1.1 403")
        assert (await handshake(edge.ws_port, "https://console.example.com")).startswith("HTTP/1.1 101")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            s.settimeout(10)
            here = s.getsockname()[1]
            s.sendto((f"INVITE sip:x@127.0.0.1:{edge.sip_port};alias=127.0.0.1~40000~5 SIP/2.0\r\n"
                      f"Via: SIP/2.0/UDP 127.0.0.1:{here};branch=z9hG4bK-webrtc-1\r\nMax-Forwards: 70\r\n"
                      f"From: <sip:intruder@127.0.0.1>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: webrtc-1@test\r\n"
                      f"CSeq: 1 INVITE\r\nContact: <sip:intruder@127.0.0.1:{here}>\r\nContent-Length: 0\r\n\r\n").encode(),
                     ("127.0.0.1", edge.sip_port))
            answer = s.recv(4000).decode()
        assert answer.startswith("SIP/2.0 403"), answer
    except BaseException:
        print("--- kamailio\n" + edge.log("kamailio"))
        raise
    finally:
        await edge.stop()


@pytest.mark.long
@pytest.mark.browser
@NEEDS_CHROMIUM
async def test_the_softphone_registers_again_after_kamailio_restarts_and_still_rings(tmp_path):
    """Kamailio keeps nothing: when it restarts, the page's WebSocket closes, JsSIP connects again and registers
    anew (the span's contact now names the new connection), and the next call still rings in the page."""
    from playwright.async_api import async_playwright, expect
    need_edge()
    span = SpanSpec("phones", "e1", 1, driver="sip", codec="alaw", extensions=[EXTENSION],
                    sip=SipTrunkConfig(bind=f"127.0.0.1:{free_udp_ports(1, even=False)}", rtp_host="127.0.0.1",
                                       rtp_port=free_udp_ports(2), passwords={EXTENSION: SECRET}))
    edge = Edge(tmp_path, span.sip.bind)
    (tmp_path / "recordings").mkdir()
    try:
        await edge.start()
        async with running_chand(tmp_path, [SpanSpec("pstn", "e1", 1), span], clock=Clock.REALTIME,
                                 trunk_groups=[TrunkGroupSpec("agents", ["phones/*"])], default_route="app:ivr") as chand:
            ivr = await put_through_to_the_agent(chand)
            watch = await chand.client("watch")
            await watch.call("subscribe", lines=True)
            tester = await chand.client("tester")
            app = await asyncio.to_thread(create_app, WebConfig(
                database_url=f"sqlite:///{tmp_path / 'telephonist.db'}", control_socket=chand.socket,
                recordings_dir=str(tmp_path / "recordings"), config_path=console_config(tmp_path, span),
                live_feed=False, testing=True, password_method=FAST_HASH, softphone_ws=edge.ws_url))
            make_users(app)
            served = await asyncio.to_thread(Served, app)
            try:
                async with async_playwright() as pw:
                    browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS + [
                        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                        "--allow-loopback-in-peer-connection"])
                    try:
                        page = await browser.new_page()
                        await page.goto(served.url + "/agent/")
                        await page.fill("input[name=username]", "agent1")
                        await page.fill("input[name=password]", password("agent1"))
                        await page.click("button[type=submit]")
                        await page.wait_for_url("**/agent/")
                        status = page.locator("#sp-status")
                        await expect(status).to_have_attribute("data-state", "registered", timeout=15000)
                        first = await watch.wait_for("sip_registration", chan="phones/1", since=0, timeout=10)

                        mark = watch.mark()
                        await edge.restart_kamailio()
                        again = await watch.wait_for("sip_registration", chan="phones/1", since=mark, timeout=30)
                        assert again["contact"] != first["contact"]          # the new WebSocket's port
                        await expect(status).to_have_attribute("data-state", "registered", timeout=15000)

                        await tester.call("sim.call", span="pstn", caller="13912345678", dialled="500")
                        await expect(status).to_have_attribute("data-state", "ringing", timeout=15000)
                        await page.click("#sp-answer")
                        await expect(status).to_have_attribute("data-state", "in_call", timeout=15000)
                        await asyncio.wait_for(ivr.bridged.get(), 20)
                        await page.click("#sp-hangup")
                        await expect(status).to_have_attribute("data-state", "registered")
                    finally:
                        await browser.close()
            finally:
                await asyncio.to_thread(served.close)
                db.engine(app).dispose()
    except BaseException:
        print("--- kamailio\n" + edge.log("kamailio") + "\n--- kamailio again\n" + edge.log("kamailio-again"))
        raise
    finally:
        await edge.stop()


@pytest.mark.long
@pytest.mark.browser
@NEEDS_CHROMIUM
async def test_an_agent_calls_out_from_the_desk_with_the_softphone(tmp_path):
    """The desk's call out with the browser as the phone: the ACD rings the softphone first, the agent answers in
    the page, the customer (a sim E1 number) is dialled and answers; each hears the other's tone; the customer
    hangs up and the page's call ends (our BYE through Kamailio)."""
    from playwright.async_api import async_playwright, expect

    from telephonist.drivers.sim.far_end import NumberBehaviour
    need_edge()
    mic = tmp_path / "mic.wav"
    tone_wav(mic)
    span = SpanSpec("phones", "e1", 1, driver="sip", codec="alaw", extensions=[EXTENSION],
                    sip=SipTrunkConfig(bind=f"127.0.0.1:{free_udp_ports(1, even=False)}", rtp_host="127.0.0.1",
                                       rtp_port=free_udp_ports(2), passwords={EXTENSION: SECRET}))
    edge = Edge(tmp_path, span.sip.bind)
    (tmp_path / "recordings").mkdir()
    db_url = f"sqlite:///{tmp_path / 'telephonist.db'}"
    config_path = console_config(tmp_path, span, outbound=True)
    acd = store = None
    try:
        await edge.start()
        async with running_chand(tmp_path, [SpanSpec("pstn", "e1", 1), span], clock=Clock.REALTIME,
                                 trunk_groups=[TrunkGroupSpec("agents", ["phones/*"]), TrunkGroupSpec("out", ["pstn/*"])],
                                 numbers=[NumberBehaviour("138*", "answer", after_rings=1)]) as chand:
            acd, store = await start_acd(chand, config_path, db_url)
            watch = await chand.client("watch")
            await watch.call("subscribe", lines=True)
            tester = await chand.client("tester")
            await tester.call("sim.take", far="pstn/1~far")
            app = await asyncio.to_thread(create_app, WebConfig(
                database_url=db_url, control_socket=chand.socket, recordings_dir=str(tmp_path / "recordings"),
                config_path=config_path, live_feed=True, testing=True, password_method=FAST_HASH,
                softphone_ws=edge.ws_url))
            make_users(app)
            feed = app.extensions["chand_feed"]
            assert await asyncio.to_thread(feed.wait_connected, 15), "the console did not reach chand"
            served = await asyncio.to_thread(Served, app)
            try:
                async with async_playwright() as pw:
                    browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS + [
                        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                        f"--use-file-for-fake-audio-capture={mic}", "--allow-loopback-in-peer-connection"])
                    try:
                        page = await browser.new_page()
                        page.set_default_timeout(20000)
                        await page.goto(served.url + "/agent/")
                        await page.fill("input[name=username]", "agent1")
                        await page.fill("input[name=password]", password("agent1"))
                        await page.click("button[type=submit]")
                        await page.wait_for_url("**/agent/")
                        status, state = page.locator("#sp-status"), page.locator("#state")
                        await expect(status).to_have_attribute("data-state", "registered", timeout=15000)
                        await page.click("#login")
                        await expect(state).to_have_attribute("data-state", "not_ready")

                        # call out: the softphone rings first, the agent answers, then the customer is dialled
                        mark = tester.mark()
                        await page.fill("#dial-number", "13800001111")
                        await page.click("#dial")
                        await expect(status).to_have_attribute("data-state", "ringing", timeout=15000)
                        await page.click("#sp-answer")
                        await expect(status).to_have_attribute("data-state", "in_call", timeout=15000)
                        dialled = await tester.wait_for(lambda e: e.get("what") == "dialled"
                                                        and e.get("number") == "13800001111", since=mark, timeout=20)
                        far = dialled["far"]
                        await tester.wait_for("far", far=far, what="answered", since=mark, timeout=20)

                        mark = tester.mark()
                        await tester.call("sim.play", far=far, items=[{"tone": "dial", "ms": 20000}])
                        await tester.call("sim.record", far=far, path=str(tmp_path / "customer.wav"), max_ms=4000)
                        heard_in_page = await page.evaluate(HEARS, 450)
                        await tester.wait_for("far", far=far, what="rec_done", since=mark, timeout=20)
                        heard_by_customer = tone_heard(samples_of(tmp_path / "customer.wav"), 1000)

                        await tester.call("sim.hangup", far=far)
                        await expect(status).to_have_attribute("data-state", "registered", timeout=15000)
                    finally:
                        await browser.close()
            finally:
                await asyncio.to_thread(served.close)
                await asyncio.to_thread(feed.stop)
                db.engine(app).dispose()
                if acd is not None:
                    await acd.roster.drain()
                    await store.close()
    except BaseException:
        print("--- kamailio\n" + edge.log("kamailio") + "\n--- rtpengine\n" + edge.log("rtpengine"))
        raise
    finally:
        await edge.stop()
    print(f"call out: the customer heard {heard_by_customer:.2f} of 1 kHz, the page {heard_in_page:.2f} of 450 Hz")
    assert heard_by_customer > 0.5 and heard_in_page > 0.5
