"""`telephonist learn-busy SPAN/N --number N [--write]`: learn the disconnect tone of an analog line.

Calls a number whose callee hangs up on the line, measures the tone the exchange plays then
(frequencies, level, cadence), prints it, and with --write puts it in conf.d/92-busy-tones.toml for
the span (or, with --line-only, for that line) and has the running chand reload."""
from __future__ import annotations

import argparse
import asyncio
import sys

from telephonist.tools.common import add_config_argument, socket_path


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_config_argument(p)
    p.add_argument("line", help="the analog line to learn on, SPAN/N (e.g. pstn/1)")
    p.add_argument("--number", required=True, help="a number whose callee hangs up at once (a test number)")
    p.add_argument("--seconds", type=int, default=12, help="how long to listen from the dial (default 12)")
    p.add_argument("--write", action="store_true", help="write the tone to the configuration and reload chand")
    p.add_argument("--line-only", action="store_true", help="write it for this line only, not its whole span")


async def _learn(args: argparse.Namespace):
    from telephonist.busytone.learn import learn_by_calling
    from telephonist.client import Client
    c = await Client.connect_unix(socket_path(args), app="learn-busy", role="admin", keep_events=True)
    try:
        return await learn_by_calling(c, args.line, args.number, args.seconds)
    finally:
        await c.close()


def main(args: argparse.Namespace) -> int:
    from telephonist.busytone.conf_file import write_tone
    from telephonist.busytone.learn import LearnError
    from telephonist.busytone.measure import NoToneFound
    from telephonist.config import ConfigError
    from telephonist.tools.common import run_request
    span, sep, port = args.line.partition("/")
    if not (span and sep and port.isdigit()):
        print(f"telephonist learn-busy: {args.line!r} is not SPAN/N", file=sys.stderr)
        return 2
    if not 3 <= args.seconds <= 120:
        print("telephonist learn-busy: --seconds must be from 3 to 120", file=sys.stderr)
        return 2
    try:
        learnt = asyncio.run(_learn(args))
    except (FileNotFoundError, ConnectionRefusedError):
        print("telephonist learn-busy: chand is not running (no control socket)", file=sys.stderr)
        return 1
    except (LearnError, NoToneFound) as exc:
        print(f"telephonist learn-busy: nothing learnt: {exc}", file=sys.stderr)
        return 1
    m = learnt.measurement
    t = m.tone
    print(f"disconnect tone on {args.line}: {t.describe()}")
    print(f"  frequencies {', '.join(f'{f} Hz' for f in t.frequencies)}; level {t.level_dbm0:.1f} dBm0 "
          f"(line noise {m.noise_dbm0:.1f} dBm0)")
    print(f"  cadence {'/'.join(map(str, t.cadence_ms)) or 'continuous'} ms over {m.cycles} cycles, "
          f"jitter {m.jitter_ms} ms, tolerance {t.tolerance_ms} ms")
    print(f"  measured from {learnt.recording}")
    if not args.write:
        print("run again with --write to keep it")
        return 0
    key = args.line if args.line_only else span
    try:
        path = write_tone(args.config, key, t)
    except ConfigError as exc:
        print(f"telephonist learn-busy: not written, the configuration would be refused:\n{exc}", file=sys.stderr)
        return 2
    print(f"written to {path} as busy_tones.\"{key}\"")
    r = run_request(args, "reload", role="admin")
    if r is None or not r.get("applied"):
        print("chand did not apply it yet: run `telephonist reload`", file=sys.stderr)
        return 1
    print("chand reloaded: the line hangs up on this tone from now on")
    return 0
