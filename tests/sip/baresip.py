"""baresip (Debian's baresip-core) as a SIP phone for the sip tests: a process with its own configuration folder,
speaking SIP over TLS (it listens for TLS on its SIP port + 1), sending a WAV file as its microphone (aufile) and
dumping what it hears to a WAV (sndfile's decoder dump); its console output is read to wait for what it says."""
from __future__ import annotations

import asyncio
import glob
import math
import os
import shutil
import struct
import wave

import pytest

from tests.sip.support import free_udp_ports

DTMF = {"1": (697, 1209), "4": (770, 1209), "7": (852, 1209), "#": (941, 1477), "5": (770, 1336)}


def need_baresip() -> str:
    path = shutil.which("baresip")
    if not path or not os.path.exists("/usr/lib/baresip/modules/srtp.so"):
        pytest.skip("baresip is not installed (Debian: baresip-core; scripts/bootstrap.sh installs it)")
    return path


def write_source(path, tone_hz: int = 1000, tone_ms: int = 1500, digits: str = "47#", tail_s: int = 30) -> None:
    """What the phone says: a tone, then in-band DTMF digits (120 ms on, 100 ms off), then silence."""
    s = [int(8000 * math.sin(2 * math.pi * tone_hz * i / 8000)) for i in range(8 * tone_ms)] + [0] * 1600
    for d in digits:
        lo, hi = DTMF[d]
        s += [int(6000 * math.sin(2 * math.pi * lo * i / 8000) + 6000 * math.sin(2 * math.pi * hi * i / 8000))
              for i in range(8 * 120)] + [0] * 800
    s += [0] * 8000 * tail_s
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(struct.pack(f"<{len(s)}h", *s))


class Baresip:
    """One baresip with one account. account: the account line's parameters after the address
    (";auth_pass=...;mediaenc=srtp-mand"); the address is sip:user@server;transport=tls."""

    def __init__(self, tmp_path, name: str, user: str, server: str, account: str, cafile: str, cert: str) -> None:
        self.dir = tmp_path / f"baresip-{name}"
        self.dump = self.dir / "dump"
        self.dump.mkdir(parents=True)
        self.port = free_udp_ports(2)               # SIP on port (UDP/TCP), TLS on port + 1
        rtp = free_udp_ports(20)
        self.source = self.dir / "source.wav"
        write_source(self.source)
        (self.dir / "config").write_text(
            "poll_method epoll\n"
            f"sip_listen 127.0.0.1:{self.port}\n"
            f"sip_certificate {cert}\n"
            f"sip_cafile {cafile}\n"
            "audio_player aubridge,nowhere\n"
            f"audio_source aufile,{self.source}\n"
            "audio_alert aubridge,nowhere\n"
            f"rtp_ports {rtp}-{rtp + 19}\n"
            "module_path /usr/lib/baresip/modules\n"
            "module g711.so\nmodule aufile.so\nmodule aubridge.so\nmodule sndfile.so\nmodule srtp.so\n"
            "module_tmp account.so\nmodule_app menu.so\n"
            f"snd_path {self.dump}\n")
        (self.dir / "accounts").write_text(
            f"<sip:{user}@{server};transport=tls>;audio_codecs=pcma;answermode=auto{account}\n")
        self.proc: asyncio.subprocess.Process | None = None
        self.out = ""
        self._more = asyncio.Event()
        self._reader: asyncio.Task | None = None

    async def start(self, *commands: str) -> None:
        """commands: console commands run once it is ready ("/dial sip:...")."""
        args = [need_baresip(), "-f", str(self.dir), "-n", "127.0.0.1"]
        for c in commands:
            args += ["-e", c]
        self.proc = await asyncio.create_subprocess_exec(*args, cwd=str(self.dir), stdin=asyncio.subprocess.DEVNULL,
                                                         stdout=asyncio.subprocess.PIPE,
                                                         stderr=asyncio.subprocess.STDOUT)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc and self.proc.stdout
        while chunk := await self.proc.stdout.read(4096):
            self.out += chunk.decode(errors="replace")
            self._more.set()
        self._more.set()

    async def said(self, text: str, timeout: float = 20.0) -> None:
        """Returns once its output holds text."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while text not in self.out:
            if self.proc and self.proc.returncode is not None and self._reader and self._reader.done():
                raise AssertionError(f"baresip ended without saying {text!r}:\n{self.tail()}")
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"baresip did not say {text!r} in {timeout} s:\n{self.tail()}")
            self._more.clear()
            try:
                await asyncio.wait_for(self._more.wait(), left)
            except asyncio.TimeoutError:
                pass

    def tail(self) -> str:
        return "\n".join(line for line in self.out.replace("\r", "\n").splitlines()
                         if line.strip() and "audio=" not in line)[-3000:]

    async def stop(self) -> None:
        if self.proc and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader:
            await self._reader
        (self.dir / "output.txt").write_text(self.out)     # kept with the test's files, for a failure

    def heard(self) -> str:
        """The WAV of what it heard in its last call (sndfile's decoder dump, closed when the call ended)."""
        dumps = sorted(glob.glob(str(self.dump / "*-dec.wav")))
        assert dumps, f"baresip dumped no audio:\n{self.tail()}"
        return dumps[-1]
