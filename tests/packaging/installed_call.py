"""One short sim call through an installed Telephonist, run by the installed copy's own Python
(`VENV/bin/python -I installed_call.py ...`): it imports nothing of the source tree and nothing but
the standard library and the installed package.

With --start-chand it starts the installed `telephonist chand` (systemd's way: NOTIFY_SOCKET, ready at
READY=1) and stops it at the end; else it uses the chand already serving --socket (a unit's). Then,
as the application the configuration routes calls to (`app:pkgtest`): a sim E1 caller calls, the
application answers and plays a prompt holding the DTMF tones 4 and 2, the caller hangs up (a chand
it started is then stopped, which writes what the call records still hold). Prints one JSON object:
where the package was imported from, what the caller heard, how the call ended.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import wave

import telephonist
from telephonist.client import Client

APP = "pkgtest"
DIGITS = {"4": (770, 1209), "2": (697, 1336)}


def dtmf_wav(path: str, digits: str) -> None:
    """8 kHz 16-bit mono: each digit 120 ms of its two tones, then 120 ms of silence."""
    tone = 960
    frames = bytearray()
    for d in digits:
        low, high = DIGITS[d]
        for n in range(tone):
            v = 6000 * (math.sin(2 * math.pi * low * n / 8000) + math.sin(2 * math.pi * high * n / 8000))
            frames += struct.pack("<h", int(v))
        frames += bytes(2 * tone)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(frames))


def start_chand(program: str, config: str) -> subprocess.Popen:
    """The installed chand, ready (READY=1 on our notify socket) or failed (its output in the error)."""
    folder = tempfile.mkdtemp(prefix="pkg-notify-")
    path = os.path.join(folder, "notify.sock")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(path)
    ns.settimeout(0.5)
    proc = subprocess.Popen([program, "chand", "--config", config], env={**os.environ, "NOTIFY_SOCKET": path},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(240):
            try:
                if b"READY=1" in ns.recv(4096):
                    return proc
            except TimeoutError:
                if proc.poll() is not None:
                    break
        proc.kill()
        raise SystemExit(f"chand did not become ready:\n{proc.communicate()[0]}")
    finally:
        ns.close()
        shutil.rmtree(folder, ignore_errors=True)


async def one_call(sock: str, prompts_dir: str) -> dict:
    dtmf_wav(os.path.join(prompts_dir, "pkgtest-42.wav"), "42")
    app = await Client.connect_unix(sock, app=APP)
    try:
        offered = app.expect("offer")
        r = await app.call("sim.call", span="e1", caller="13912345678", dialled="4008001234")
        far, chan = r["far"], r["chan"]
        offer = await asyncio.wait_for(offered, 30)
        answered = app.expect("answered", chan=chan)
        await app.call("answer", chan=chan)
        await asyncio.wait_for(answered, 30)
        done = app.expect("play_done", chan=chan)
        await app.call("play", chan=chan, items=["pkgtest-42.wav"])
        played = await asyncio.wait_for(done, 30)
        heard = await app.call("sim.heard", far=far)         # what the caller's end detected, in order
        ended = app.expect("ended", chan=chan)
        await app.call("sim.hangup", far=far)
        end = await asyncio.wait_for(ended, 30)
    finally:
        await app.close()
    return {"offer": {k: offer.get(k) for k in ("caller", "dialled", "chan")}, "play_reason": played.get("reason"),
            "heard": heard["digits"], "call_id": end.get("call_id"), "disposition": end.get("disposition")}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--config", required=True)
    p.add_argument("--socket", required=True)
    p.add_argument("--prompts-dir", required=True)
    p.add_argument("--start-chand", action="store_true")
    args = p.parse_args()
    program = os.path.join(os.path.dirname(sys.executable), "telephonist")
    proc = start_chand(program, args.config) if args.start_chand else None
    try:
        result = asyncio.run(one_call(args.socket, args.prompts_dir))
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            out = proc.communicate(timeout=60)[0]
            if proc.returncode != 0:
                raise SystemExit(f"chand exited with {proc.returncode}:\n{out}")
    from telephonist import _engine
    result.update(package=os.path.dirname(telephonist.__file__), engine=_engine.__file__)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
