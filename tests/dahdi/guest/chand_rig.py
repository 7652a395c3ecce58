"""chand on the loopback DAHDI spans, and the far ends the tests play against it.

The real daemon (`telephonist chand`) runs from a configuration file on span 1's channels:
  pstn   = 11-12 fxsks (lines from the exchange; mg2 echo canceller)  faced by 35-36 fxoks
  phones = 13-14 fxoks (agents' phones, extensions 8001-8002)         faced by 37-38 fxsks
  e1     = 7-8   cas   (raw ABCD bits)                                faced by 31-32 cas
The test process plays the exchange, the phones and the E1 far end with an engine of its own
(AsyncRig) on the facing channels of span 2, and talks to chand through its control API.
DAHDI runs on real time and debounces hook changes (up to ~1.3 s): deadlines are seconds.
"""
from __future__ import annotations

import asyncio
import math
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import textwrap
import time
import wave
from pathlib import Path
from typing import Any, Callable, TypeVar

from telephonist.engine import Clock, Codec, Engine, Event, Hook

DEADLINE_S = 30.0
E = TypeVar("E", bound=Event)


def has(ev: Event, fields: dict[str, Any]) -> bool:
    """Whether the event's fields have those values (the rigs' event_on filters)."""
    return all(getattr(ev, k) == v for k, v in fields.items())


def print_timing(engine: Engine, channos: list[int]) -> None:
    """How late the media thread woke at worst, against the 60 ms of audio the DAHDI driver keeps
    ahead of the card: the margin the emulated guest left (docs/performance.md, "DAHDI guest")."""
    st = engine.stats()
    print(f"engine on DAHDI channels {channos}: {st.ticks} ticks, woke at worst {st.wake_ns_max / 1e6:.1f} ms "
          f"late, {st.deadline_misses} deadline misses")


# Real time in the guest as on a server: chand as its unit runs it, the far ends' media threads above
# it (they stand for the exchange and the phones, which never wait for our CPU).
CHAND_RR_PRIORITY = 20
FAR_END_PRIORITY = 30
START_S = 400
PROMPT_HZ = 1000
PROMPT_MS = 1500

CONFIG = """\
[system]
node = "dahdi-vm"
state_dir = "state"
recordings_dir = "state/recordings"
prompts_dir = "prompts"
tone_zone = "cn"
codec = "alaw"

[database]
url = "sqlite:///state/calls.db"

[control]
socket = "state/chand.sock"
app_timeout_ms = 10000          # the test process shares two emulated CPUs with chand and DAHDI

[routing]
default = "app:reception"

[[spans]]
name = "pstn"
driver = "dahdi"
type = "fxo"
channels = "11-12"
signalling = "kewlstart"
cid = "bell202"
echocancel = 128

[[spans.ports]]
channel = 12
rx_gain_db = -3.0
tx_gain_db = 1.5

[[spans]]
name = "phones"
driver = "dahdi"
type = "fxs"
channels = "13-14"
signalling = "fxo_ks"
extensions = ["8001", "8002"]

[[spans]]
name = "e1"
driver = "dahdi"
type = "e1"
channels = "7-8"
signalling = "cas"

[[trunk_groups]]
name = "agents"
lines = ["phones/1"]
"""


def write_prompt(path: Path) -> None:
    """A 1 kHz tone as the prompt: what the far end must hear, and easy to find in its recording."""
    n = PROMPT_MS * 8
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * PROMPT_HZ * i / 8000))) for i in range(n))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(frames)


def tone_ms(path: str, hz: int = PROMPT_HZ) -> int:
    """How many milliseconds of a 16-bit WAV carry mostly the tone hz (Goertzel over 20 ms blocks)."""
    with wave.open(path, "rb") as w:
        raw = w.readframes(w.getnframes())
    samples = struct.unpack(f"<{len(raw) // 2}h", raw)
    k = 2 * math.cos(2 * math.pi * hz / 8000)
    found = 0
    for start in range(0, len(samples) - 160, 160):
        block = samples[start:start + 160]
        s1 = s2 = 0.0
        for x in block:
            s1, s2 = x + k * s1 - s2, s1
        tone = s1 * s1 + s2 * s2 - k * s1 * s2
        energy = sum(x * x for x in block) * 160 / 2
        if energy > 160 * 1000 ** 2 / 2 and tone > 0.8 * energy:
            found += 20
    return found


def echo_cancellers() -> dict[int, str]:
    """/proc/dahdi/1's line of each channel: "(EC: MG2 - ACTIVE)" when its canceller runs."""
    lines = open("/proc/dahdi/1").read().splitlines()
    return {int(ln.split()[0]): ln for ln in lines if ln.strip() and ln.split()[0].isdigit()}


class ChandProcess:
    """`telephonist chand` in a subprocess, on its own state directory."""

    def __init__(self, root: Path, config: str = CONFIG, rr_priority: int | None = CHAND_RR_PRIORITY) -> None:
        """rr_priority: the whole process at SCHED_RR (chrt); None: as its systemd unit runs it, at normal
        priority, with only its media thread real-time ([engine] realtime_priority, SCHED_FIFO 20, set by chand)."""
        self.root = root
        self.rr_priority = rr_priority
        self.config = root / "telephonist.toml"
        self.socket = str(root / "state" / "chand.sock")
        self.db = str(root / "state" / "calls.db")
        self.log = root / "chand.log"
        (root / "prompts").mkdir(parents=True, exist_ok=True)
        write_prompt(root / "prompts" / "prompt.wav")
        self.config.write_text(config)
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        site = os.environ.get("TELEPHONIST_HOST_SITE")
        if not site:
            raise RuntimeError("TELEPHONIST_HOST_SITE is not set: chand's dependencies (SQLAlchemy, Alembic) "
                               "come from the tree's .venv (guest-main.sh)")
        # chand's own command module only (telephonist.cli would import every command's dependencies)
        boot = textwrap.dedent(f"""\
            import argparse, sys, time
            t0 = time.monotonic()
            sys.path.append({site!r})
            from telephonist.chand import cli, daemon
            print(f"boot: chand's modules imported in {{time.monotonic() - t0:.1f}} s", flush=True)
            parser = argparse.ArgumentParser(prog="telephonist chand")
            cli.add_arguments(parser)
            sys.exit(cli.main(parser.parse_args(["--config", {str(self.config)!r}, "--log-level", "info"])))
            """)
        started = time.monotonic()
        # the whole process at SCHED_RR under chrt, or (rr_priority None) as systemd/telephonist-chand.service runs it
        rr = ["chrt", "--rr", str(self.rr_priority)] if self.rr_priority else []
        self.proc = subprocess.Popen([*rr, sys.executable, "-u", "-c", boot], cwd=self.root, stdout=open(self.log, "wb"),
                                     stderr=subprocess.STDOUT)
        # under emulation the imports (SQLAlchemy, Alembic over 9p) and the migrations take a while
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None:
                raise RuntimeError(f"chand exited with {self.proc.returncode}:\n{self.log_text()}")
            if time.monotonic() - started > START_S:
                raise RuntimeError(f"chand did not open its socket within {START_S} s:\n{self.log_text()}")
            time.sleep(0.2)
        print(f"chand up in {time.monotonic() - started:.1f} s")

    def log_text(self, tail: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-tail:]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """An operator command against this chand (`telephonist status --socket ...`)."""
        return subprocess.run([sys.executable, "-m", "telephonist.cli", *args], capture_output=True, text=True,
                              timeout=60, cwd=self.root)

    def legs(self, span: str) -> list[sqlite3.Row]:
        con = sqlite3.connect(self.db)
        con.row_factory = sqlite3.Row
        try:
            return con.execute("SELECT * FROM call_legs WHERE span = ? ORDER BY id", (span,)).fetchall()
        finally:
            con.close()

    def event_kinds(self, leg_id: int) -> list[str]:
        con = sqlite3.connect(self.db)
        try:
            return [r[0] for r in con.execute("SELECT kind FROM call_events WHERE leg_id = ? ORDER BY id", (leg_id,))]
        finally:
            con.close()

    async def ended_leg(self, span: str, count: int) -> sqlite3.Row:
        """The span's count-th call record once it is closed (the writer commits in the background)."""
        return await self.closed_leg(span, lambda legs: legs[count - 1] if len(legs) >= count else None,
                                     f"record #{count}")

    async def closed_leg(self, span: str, pick: Callable[[list[sqlite3.Row]], sqlite3.Row | None],
                         what: str) -> sqlite3.Row:
        """The record pick() chooses among the span's records, once it is closed. chand is another process
        here and says nothing when its writer has committed, so its database is read again until then."""
        end = time.monotonic() + DEADLINE_S
        while True:
            legs = self.legs(span)
            leg = pick(legs)
            if leg is not None and leg["ended_at"] is not None:
                return leg
            if time.monotonic() > end:
                raise AssertionError(f"no closed {what} on {span}: {[dict(r) for r in legs]}")
            await asyncio.sleep(0.2)


class AsyncRig:
    """The far ends: an engine of the test's own on the facing DAHDI channels, read from asyncio."""

    def __init__(self, channos: list[int], zone: str = "cn") -> None:
        self.engine = Engine(frame_ms=20, max_channels=16)
        ids = self.engine.add_dahdi_span(channos, Codec.ALAW, zone)
        self.chan = dict(zip(channos, ids))
        self.events: list[Event] = []
        self._changed = asyncio.Event()
        self.engine.set_realtime(FAR_END_PRIORITY)
        self.engine.start(Clock.REALTIME)
        asyncio.get_running_loop().add_reader(self.engine.fileno(), self._readable)

    def _readable(self) -> None:
        self.events.extend(self.engine.read_events())
        self._changed.set()

    def hook(self, channo: int, state: Hook) -> None:
        self.engine.hook(self.chan[channo], state)

    async def wait_for(self, pred: Callable[[Event], bool], what: str, timeout: float = DEADLINE_S) -> Event:
        end = time.monotonic() + timeout
        while True:
            for ev in self.events:
                if pred(ev):
                    self.events.remove(ev)
                    return ev
            left = end - time.monotonic()
            if left <= 0:
                seen = "\n  ".join(repr(e) for e in self.events)
                raise AssertionError(f"no {what} within {timeout:.0f} s; events seen:\n  {seen or '(none)'}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(left, 0.5))
            except asyncio.TimeoutError:
                pass

    async def event_on(self, channo: int, kind: type[E], timeout: float = DEADLINE_S, **fields: Any) -> E:
        """The next event of that kind on the channel whose fields have the values given."""
        cid = self.chan[channo]
        ev = await self.wait_for(lambda e: e.chan == cid and isinstance(e, kind) and has(e, fields),
                                 f"{kind.__name__} {fields or ''} on DAHDI channel {channo}", timeout)
        assert isinstance(ev, kind)
        return ev

    def close(self) -> None:
        print_timing(self.engine, list(self.chan))
        asyncio.get_running_loop().remove_reader(self.engine.fileno())
        self.engine.stop()
        self.engine.close()
