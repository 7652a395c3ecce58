"""`telephonist originate`: place a call on a trunk group and play something to whoever answers."""
from __future__ import annotations

import argparse
import asyncio
import sys

from telephonist.tools.common import add_config_argument, socket_path


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_config_argument(p)
    p.add_argument("trunk_group")
    p.add_argument("number")
    p.add_argument("--caller-id", default="")
    p.add_argument("--play", action="append", default=[], help="prompt to play on answer (repeatable)")
    p.add_argument("--timeout", type=int, default=45, help="seconds to wait for an answer")


async def _run(args: argparse.Namespace) -> int:
    from telephonist.client import ApiCallError, Client
    c = await Client.connect_unix(socket_path(args), app="originate")
    try:
        r = await c.call("dial", trunk_group=args.trunk_group, number=args.number, caller_id=args.caller_id,
                         timeout_ms=args.timeout * 1000)
        chan = r["chan"]
        print(f"dialling {args.number} on {chan} (call {r['call_id']})")
        ev = await c.wait_for(lambda e: e.get("chan") == chan and e["event"] in ("answered", "dial_failed", "ended"),
                              timeout=args.timeout + 30)
        if ev["event"] != "answered":
            print(f"not answered: {ev.get('disposition')} ({ev.get('cause')})")
            return 1
        print("answered")
        if args.play:
            await c.call("play", chan=chan, items=args.play)
            await c.wait_for("play_done", chan=chan, timeout=600)
        await c.call("hangup", chan=chan)
        await c.wait_for("ended", chan=chan, timeout=30)
        print("done")
        return 0
    except ApiCallError as exc:
        print(f"telephonist originate: {exc}", file=sys.stderr)
        return 2
    finally:
        await c.close()


def main(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))
