"""What the sip tests share: free UDP ports, what was heard in a recording, and what went on the wire."""
from __future__ import annotations

import math
import os
import random
import socket
import struct
import threading

# Below Linux's ephemeral range (32768-60999: the kernel's own choice for every client socket of the run), and a
# range of its own for each pytest-xdist worker, so that two tests running at once never pick the same ports.
PORTS_FROM, PORTS_TO = 20000, 32000


def _worker_range() -> tuple[int, int]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    index = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    width = (PORTS_TO - PORTS_FROM) // max(count, 1)
    return PORTS_FROM + index * width, PORTS_FROM + (index + 1) * width


_next_port: int | None = None      # where this process hands out ports next (its worker's range, in turn)


def _free(port: int) -> bool:
    """Free on 127.0.0.1 for UDP and TCP (sofia-sip's transport=* binds both on a SIP port)."""
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def free_udp_ports(count: int = 2, even: bool = True) -> int:
    """A first port p with p .. p+count-1 free on 127.0.0.1 now (p even if asked), from this worker's range.
    Ports are handed out in turn, never twice until the range wraps: a test asks for several sets before
    anything binds them, and sets drawn at random could overlap."""
    global _next_port
    low, high = _worker_range()
    if _next_port is None or not low <= _next_port < high:
        _next_port = random.randrange(low, high)
    for _ in range((high - low) // max(count, 1) + 1):
        p = _next_port + (_next_port % 2 if even else 0)
        if p + count > high:
            p = low + (low % 2 if even else 0)
        _next_port = p + count
        if all(_free(q) for q in range(p, p + count)):
            return p
    raise RuntimeError("no free UDP ports")


def _alaw(b: int) -> int:
    b ^= 0x55
    t = (b & 0x0F) << 4
    seg = (b & 0x70) >> 4
    t = t + 8 if seg == 0 else (t + 0x108) << (seg - 1)
    return t if b & 0x80 else -t


def _ulaw(b: int) -> int:
    b = ~b & 0xFF
    t = (((b & 0x0F) << 3) + 0x84) << ((b & 0x70) >> 4)
    return (0x84 - t) if b & 0x80 else (t - 0x84)


def samples_of(path) -> list[int]:
    """The mono samples of a WAV the engine recorded (16-bit linear, A-law or µ-law), as linear values."""
    with open(path, "rb") as f:
        data = f.read()
    fmt, pos, body = 1, 12, b""
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        if cid == b"fmt ":
            fmt = int.from_bytes(data[pos + 8:pos + 10], "little")
        elif cid == b"data":
            body = data[pos + 8:pos + 8 + size]
            break
        pos += 8 + size + (size & 1)
    if fmt == 6:
        return [_alaw(b) for b in body]
    if fmt == 7:
        return [_ulaw(b) for b in body]
    return [int.from_bytes(body[i:i + 2], "little", signed=True) for i in range(0, len(body) - 1, 2)]


def tone_share(samples: list[int], freq: float, rate: int = 8000) -> float:
    """How much of the signal's power is at freq (Goertzel over 20 ms blocks): 0..1."""
    block, total, at = 160, 0.0, 0.0
    k = 2 * math.cos(2 * math.pi * freq / rate)
    for start in range(0, len(samples) - block, block):
        s1 = s2 = 0.0
        energy = 0.0
        for x in samples[start:start + block]:
            s0 = x + k * s1 - s2
            s2, s1 = s1, s0
            energy += x * x
        power = s1 * s1 + s2 * s2 - k * s1 * s2
        at += 2 * power / block
        total += energy
    return at / total if total else 0.0


def seen(lv, pred, within_s: float = 10.0):
    """The first event read so far, or read from now, that satisfies pred and no earlier seen() took (two
    ends of a call answer each other faster than a test reads them)."""
    taken = lv.__dict__.setdefault("taken", set())
    for i, ev in enumerate(lv.events):
        if i not in taken and pred(ev):
            taken.add(i)
            return ev
    start = len(lv.events)
    ev = lv.wait(pred, within_s)
    taken.add(lv.events.index(ev, start))
    return ev


def tone_heard(samples: list[int], freq: float, window: int = 4000) -> float:
    """The most of the signal's power at freq over any half second (windows of `window` samples, half overlapping)."""
    best = 0.0
    for start in range(0, max(len(samples) - window, 0) + 1, window // 2):
        best = max(best, tone_share(samples[start:start + window], freq))
    return best


class UdpTap:
    """Copies of the UDP datagrams this host receives to or from `port` (a raw socket, as tcpdump would see them on
    the loopback; needs CAP_NET_RAW, else the test is skipped). to_port / from_port hold their UDP payloads."""

    def __init__(self, port: int) -> None:
        import pytest
        try:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
        except PermissionError:
            pytest.skip("capturing packets needs CAP_NET_RAW")
        self.sock.settimeout(0.2)
        self.port = port
        self.to_port: list[bytes] = []
        self.from_port: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65535)
            except (socket.timeout, OSError):
                continue
            ihl = (data[0] & 0x0F) * 4
            sport, dport, ulen = struct.unpack("!HHH", data[ihl:ihl + 6])
            payload = data[ihl + 8:ihl + ulen]
            if dport == self.port:
                self.to_port.append(payload)
            elif sport == self.port:
                self.from_port.append(payload)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def rtp_audio(packets: list[bytes]) -> tuple[list[bytes], list[int]]:
    """The packets of the main stream (the SSRC of most packets), and their payloads read as plain A-law RTP (what
    a listener on the wire would hear if the stream were not encrypted)."""
    stream = [p for p in packets if len(p) >= 12 and p[0] >> 6 == 2]
    if not stream:
        return [], []
    ssrcs = [p[8:12] for p in stream]
    ssrc = max(set(ssrcs), key=ssrcs.count)
    stream = [p for p in stream if p[8:12] == ssrc]
    samples = [_alaw(b) for p in stream if (p[1] & 0x7F) == 8 for b in p[12:12 + 160]]
    return stream, samples
