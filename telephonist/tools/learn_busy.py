"""`telephonist learn-busy SPAN/N --number N | --listen [--write]`: learn the disconnect tone of an analog line.

With --number: calls a number whose callee hangs up on the line, measures the tone the exchange plays
then (frequencies, level, cadence). With --listen: has chand listen to the line's next calls (up to
--minutes) and waits until two of them, ended by our side without the far end's hang-up heard, end with
the same tone. Prints it, and with --write puts it in conf.d/92-busy-tones.toml for the span (or, with
--line-only, for that line) and has the running chand reload."""
from __future__ import annotations

import argparse
import asyncio
import sys

from telephonist.tools.common import add_config_argument, socket_path


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_config_argument(p)
    p.add_argument("line", help="the analog line to learn on, SPAN/N (e.g. pstn/1)")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--number", help="a number whose callee hangs up at once (a test number)")
    how.add_argument("--listen", action="store_true",
                     help="learn from the line's next calls that end without the far end's hang-up heard")
    p.add_argument("--seconds", type=int, default=12, help="with --number: how long to listen from the dial "
                                                           "(default 12)")
    p.add_argument("--minutes", type=int, default=60, help="with --listen: how long to wait for two such calls "
                                                           "(1-1440, default 60)")
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


async def _listen(args: argparse.Namespace):
    from telephonist.busytone.learn import Listening
    from telephonist.client import Client
    c = await Client.connect_unix(socket_path(args), app="learn-busy", role="admin", keep_events=True)
    try:
        print(f"listening to {args.line} for up to {args.minutes} minutes: calls that our side ends without the "
              "far end's hang-up heard are measured; two ending with the same tone teach it", flush=True)
        listening = await Listening.start(c, args.line, args.minutes)
        return await listening.tone(on_measured=lambda e: print(f"  a call's end: {e.get('candidate') or 'no tone'}"
                                                                f" ({e.get('why')})", flush=True))
    finally:
        await c.close()


def main(args: argparse.Namespace) -> int:
    from telephonist.busytone.learn import LearnError
    from telephonist.busytone.measure import NoToneFound
    from telephonist.client import ApiCallError
    span, sep, port = args.line.partition("/")
    if not (span and sep and port.isdigit()):
        print(f"telephonist learn-busy: {args.line!r} is not SPAN/N", file=sys.stderr)
        return 2
    if not 3 <= args.seconds <= 120:
        print("telephonist learn-busy: --seconds must be from 3 to 120", file=sys.stderr)
        return 2
    if not 1 <= args.minutes <= 1440:
        print("telephonist learn-busy: --minutes must be from 1 to 1440", file=sys.stderr)
        return 2
    try:
        learnt = asyncio.run(_listen(args) if args.listen else _learn(args))
    except (FileNotFoundError, ConnectionRefusedError):
        print("telephonist learn-busy: chand is not running (no control socket)", file=sys.stderr)
        return 1
    except (LearnError, NoToneFound) as exc:
        print(f"telephonist learn-busy: nothing learnt: {exc}", file=sys.stderr)
        return 1
    except ApiCallError as exc:
        print(f"telephonist learn-busy: chand refused: {exc}", file=sys.stderr)
        return 1
    if args.listen:
        t = learnt
        print(f"disconnect tone on {args.line}: {t.describe()}")
        print(f"  the same tone at the end of two calls; tolerance {t.tolerance_ms} ms")
    else:
        m = learnt.measurement
        t = m.tone
        print(f"disconnect tone on {args.line}: {t.describe()}")
        print(f"  frequencies {', '.join(f'{f} Hz' for f in t.frequencies)}; level {t.level_dbm0:.1f} dBm0 "
              f"(line noise {m.noise_dbm0:.1f} dBm0)")
        print(f"  cadence {'/'.join(map(str, t.cadence_ms)) or 'continuous'} ms over {m.cycles} cycles, "
              f"jitter {m.jitter_ms} ms, tolerance {t.tolerance_ms} ms")
        print(f"  measured from {learnt.recording}")
    return _keep(args, span, t)


def _keep(args: argparse.Namespace, span: str, t) -> int:
    from telephonist.busytone.conf_file import write_tone
    from telephonist.config import ConfigError
    from telephonist.tools.common import run_request
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
