"""A SIP phone behind NAT, written here over UDP (no SIP client installed can say one address and send from
another): it says its private address (192.0.2.9:5060, TEST-NET-1, where nothing answers) in its Via, Contact
and SDP, and sends from 127.0.0.1 ports, as a NAT's public side would. What it is sent arrives only if the
span honours rport/received and symmetric RTP. It answers keep-alive OPTIONS while `answering` is set."""
from __future__ import annotations

import asyncio
import hashlib
import re
import socket
import struct

PRIVATE = "192.0.2.9"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def digest(head: str, method: str, uri: str, user: str, password: str) -> str:
    """The Authorization header answering the 401 in head (RFC 2617, qop=auth)."""
    challenge = re.search(r"(?im)^www-authenticate:\s*digest\s+(.*)$", head).group(1)
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    ha1, ha2 = _md5(f"{user}:{params['realm']}:{password}"), _md5(f"{method}:{uri}")
    response = _md5(f"{ha1}:{params['nonce']}:00000001:c0ffee:auth:{ha2}")
    return (f'Authorization: Digest username="{user}", realm="{params["realm"]}", nonce="{params["nonce"]}", '
            f'uri="{uri}", response="{response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="c0ffee"'
            + (f', opaque="{params["opaque"]}"' if "opaque" in params else "") + "\n")


def header(msg: str, name: str) -> str:
    m = re.search(rf"(?im)^{name}:\s*(.*?)\r?$", msg)
    return m.group(1) if m else ""


def _udp() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.setblocking(False)
    return s


class NatPhone:
    def __init__(self, server_port: int, ext: str, password: str) -> None:
        self.server = ("127.0.0.1", server_port)
        self.ext, self.password = ext, password
        self.sig, self.media = _udp(), _udp()
        self.port = self.sig.getsockname()[1]
        self.answering = True
        self.options = 0                # keep-alives answered
        self.cseq = 0

    def close(self) -> None:
        if getattr(self, "_reader", None):
            self._reader.cancel()
        self.sig.close()
        self.media.close()

    # ---- signalling ------------------------------------------------------------------------------
    def send(self, text: str) -> None:
        self.sig.sendto(text.replace("\n", "\r\n").encode(), self.server)

    def start(self) -> None:
        """Reads in the background: keep-alive OPTIONS answered at once (while answering), the rest queued."""
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._option = asyncio.Event()
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            data, _ = await loop.sock_recvfrom(self.sig, 65535)
            msg = data.decode(errors="replace")
            if msg.startswith("OPTIONS "):
                if self.answering:
                    self.options += 1
                    self.reply(msg, "200 OK")
                    self._option.set()
                continue
            self._queue.put_nowait(msg)

    async def kept_alive(self, within_s: float = 10.0) -> None:
        """Returns at the next keep-alive OPTIONS it answers."""
        self._option.clear()
        await asyncio.wait_for(self._option.wait(), within_s)

    async def receive(self, pred, within_s: float = 10.0) -> str:
        """The next message (not a keep-alive) that pred takes; those before it are dropped."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while True:
            msg = await asyncio.wait_for(self._queue.get(), max(0.0, deadline - loop.time()))
            if pred(msg):
                return msg

    def reply(self, request: str, status: str, extra: str = "", body: str = "") -> None:
        keep = "".join(f"{name}: {header(request, name)}\n" for name in ("Via", "From", "To", "Call-ID", "CSeq"))
        if "tag=" not in header(request, "To"):
            keep = keep.replace(f"To: {header(request, 'To')}", f"To: {header(request, 'To')};tag=natphone")
        self.send(f"SIP/2.0 {status}\n{keep}{extra}Content-Length: {len(body.replace(chr(10), chr(13) + chr(10)))}"
                  f"\n\n{body}")

    async def register(self, expires: int = 120) -> str:
        """REGISTER, its challenge answered; the 200."""
        uri = f"sip:127.0.0.1:{self.server[1]}"
        auth = ""
        for _ in range(2):
            self.cseq += 1
            self.send(f"REGISTER {uri} SIP/2.0\n"
                      f"Via: SIP/2.0/UDP {PRIVATE}:5060;rport;branch=z9hG4bK-nat-{self.cseq}\n"
                      f"From: <sip:{self.ext}@127.0.0.1>;tag=natphone\nTo: <sip:{self.ext}@127.0.0.1>\n"
                      f"Call-ID: nat-register@{PRIVATE}\nCSeq: {self.cseq} REGISTER\n"
                      f"Contact: <sip:{self.ext}@{PRIVATE}:5060>\nExpires: {expires}\nMax-Forwards: 70\n"
                      f"{auth}Content-Length: 0\n\n")
            head = await self.receive(lambda m: m.startswith("SIP/2.0") and "REGISTER" in header(m, "CSeq"))
            if not head.startswith("SIP/2.0 401"):
                return head
            auth = digest(head, "REGISTER", uri, self.ext, self.password)
        return head

    async def answer_invite(self) -> str:
        """Waits for an INVITE, answers 200 with media at its private address; the INVITE."""
        invite = await self.receive(lambda m: m.startswith("INVITE "))
        sdp = (f"v=0\no=- 1 1 IN IP4 {PRIVATE}\ns=-\nc=IN IP4 {PRIVATE}\nt=0 0\n"
               f"m=audio 4000 RTP/AVP 8 101\na=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/8000\na=sendrecv\n")
        self.reply(invite, "200 OK", f"Contact: <sip:{self.ext}@{PRIVATE}:5060>\nContent-Type: application/sdp\n",
                   sdp)
        return invite

    # ---- media -----------------------------------------------------------------------------------
    @staticmethod
    def media_of(invite: str) -> tuple[str, int]:
        body = invite.split("\r\n\r\n", 1)[1]
        return re.search(r"c=IN IP4 (\S+)", body).group(1), int(re.search(r"m=audio (\d+)", body).group(1))

    @staticmethod
    def rtp(seq: int, ssrc: int = 0x4E415431) -> bytes:
        return struct.pack("!BBHII", 0x80, 8, seq & 0xFFFF, seq * 160, ssrc) + bytes([0xD5]) * 160

    async def rtp_heard(self, within_s: float = 10.0) -> bytes:
        loop = asyncio.get_running_loop()
        data, _ = await asyncio.wait_for(loop.sock_recvfrom(self.media, 2048), within_s)
        return data
