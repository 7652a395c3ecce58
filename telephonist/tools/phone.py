"""`telephonist phone`: call the system from the computer's headset (a span with driver "local").

Lift the phone, dial, then type keys (each line typed is sent as DTMF);
an empty line or Ctrl-D hangs up. What the line does is printed as it happens.
"""
from __future__ import annotations

import argparse
import asyncio
import sys

from telephonist.tools.common import add_config_argument, socket_path


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_config_argument(p)
    p.add_argument("--line", default=None, help="the sound-card line (default: the first local span's line)")
    p.add_argument("--dial", default="", help="digits to dial after lifting (e.g. 8001 or a 400 number)")
    p.add_argument("--seconds", type=float, default=0.0, help="hang up after this long (0: when you say so)")


async def _run(args: argparse.Namespace) -> int:
    from telephonist.client import ApiCallError, Client
    c = await Client.connect_unix(socket_path(args), app="phone", role="monitor")
    st = await c.call("status")
    await c.close()
    local = [s["name"] for s in st["spans"] if s.get("driver") == "local"]
    line = args.line or (f"{local[0]}/1" if local else None)
    if not line:
        print("telephonist phone: no span with driver = \"local\" is configured", file=sys.stderr)
        return 2
    c = await Client.connect_unix(socket_path(args), app="phone")
    await c.call("subscribe")
    c.on("line_state", lambda ev: print(f"  {ev['chan']}: {ev['state']}") if ev["chan"] == line else None)
    try:
        await c.call("local.lift", chan=line)
        print(f"{line}: off hook" + (f", dialling {args.dial}" if args.dial else ""))
        if args.dial:
            await asyncio.sleep(1.0)              # a moment of dial tone, as a person would wait
            await c.call("local.keys", chan=line, digits=args.dial + "#")
        if args.seconds:
            await asyncio.sleep(args.seconds)
        else:
            loop = asyncio.get_running_loop()
            while True:
                text = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
                if not text:
                    break
                await c.call("local.keys", chan=line, digits=text)
        await c.call("local.hangup", chan=line)
        print(f"{line}: on hook")
        return 0
    except ApiCallError as exc:
        print(f"telephonist phone: {exc}", file=sys.stderr)
        return 2
    finally:
        await c.close()


def main(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))
