"""Learn a line's disconnect tone by calling out on it: a number whose callee hangs up at once (a test
number, a colleague's phone put down) makes the exchange play the tone our side must learn.

Through chand's control API as an admin session: dial on the named line, record what the line hears
for a few seconds (a finished recording; no live frames in Python), hang up, measure the end of the
recording (measure.py). If chand ends the call by itself first, the tone is one the line already
knows (the zone's busy, or a tone learnt before): there is nothing to learn.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from telephonist.busytone.measure import Measurement, measure, read_wav

DEFAULT_LISTEN_S = 12            # from the dial: dial tone, digits, ringback, answer, hang-up, then the tone


class LearnError(Exception):
    """Why nothing was learnt (the line refused the call, the line already knows the tone ...)."""


@dataclass(frozen=True)
class Learnt:
    measurement: Measurement
    recording: str              # what it was measured from (kept: the operator may listen to it)


async def learn_by_calling(client: Any, line: str, number: str, listen_s: int = DEFAULT_LISTEN_S) -> Learnt:
    """Call number on line, record listen_s seconds of the line and measure the tone at their end."""
    from telephonist.client import ApiCallError
    mark = client.mark()
    try:
        await client.call("dial", chan=line, number=number, timeout_ms=(listen_s + 30) * 1000)
        rec = await client.call("record", chan=line, mode="rx", max_ms=listen_s * 1000,
                                name=f"learn-busy-{line.replace('/', '-')}-{int(time.time())}")
    except ApiCallError as exc:
        raise LearnError(f"cannot call {number} on {line}: {exc}") from exc
    done = await client.wait_for(lambda e: e.get("chan") == line and e.get("event") in ("record_done", "ended"),
                                 since=mark, timeout=listen_s * 4 + 60)
    ended = done["event"] == "ended" or await _ended_by_chand(client, line, mark)
    if not ended:
        await client.call("hangup", chan=line)
    await client.wait_for("ended", chan=line, since=mark, timeout=60)
    if ended:
        why = next((e for e in client.events.since(mark) if e.get("chan") == line
                    and e.get("event") in ("hangup", "dial_failed", "ended")), {})
        raise LearnError(f"chand ended the call on {line} by itself ({why.get('cause') or why.get('disposition')}): "
                         "the line already recognises how this exchange signals the hang-up, or the call failed")
    measured = measure(read_wav(rec["path"]), learnt=f"learn-busy {line} calling {number}, "
                                                      f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    return Learnt(measured, rec["path"])


async def _ended_by_chand(client: Any, line: str, mark: int) -> bool:
    """Whether the call ended (a far hang-up chand heard, a failure) before its recording did."""
    return any(e.get("chan") == line and e.get("event") in ("hangup", "dial_failed", "ended")
               for e in client.events.since(mark))
