"""What the sip tests share: free UDP ports, and what was heard in a recording."""
from __future__ import annotations

import math
import random
import socket
import wave


def free_udp_ports(count: int = 2, even: bool = True) -> int:
    """A first port p with p .. p+count-1 free for UDP on 127.0.0.1 now (p even if asked)."""
    for _ in range(200):
        p = random.randrange(20000, 60000 - count)
        if even:
            p -= p % 2
        socks = []
        try:
            for q in range(p, p + count):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(("127.0.0.1", q))
            return p
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free UDP ports")


def samples_of(path) -> list[int]:
    """The 16-bit mono samples of a WAV the engine recorded (linear)."""
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        data = w.readframes(w.getnframes())
    return [int.from_bytes(data[i:i + 2], "little", signed=True) for i in range(0, len(data), 2)]


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
