"""A call as chand keeps it: one object per call, owned by the line that carries it.

Everything that belongs to one call lives here and nowhere else: who owns it
(the application session), what it is playing, recording, collecting or
faxing, the bridge or conference it is in, the transfer it is part of, the
settings that hold for this call only, and what its record still has to
write. When the call ends the line drops the object, and with it all of
that: nothing of one call can leak into the next call on the same line.
"""
from __future__ import annotations

import enum
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from telephonist.chand.bridges import Bridge
    from telephonist.chand.collect import DigitCollector
    from telephonist.chand.line import Line


class Disposition(str, enum.Enum):
    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    ABANDONED = "abandoned"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class RecordingRun:
    """A recording running on the call's channel: its file, and the session that started it, which hears
    its record_done even after a handoff (None: chand's own whole-call recording, nobody's)."""
    path: str
    by: str | None


@dataclass
class Media:
    """What the engine does on the call's channel at the call's request (ids are engine ids)."""
    playbacks: set[int] = field(default_factory=set)
    recordings: dict[int, RecordingRun] = field(default_factory=dict)     # by recording id
    fax: int | None = None
    collect: "DigitCollector | None" = None
    fallback_playback: int | None = None     # the fallback's prompt: the call is hung up at its end
    hold_playback: int | None = None         # music on hold while the call is held
    call_recording: int | None = None        # chand's own recording of the whole call (route/trunk group)
    amd: int | None = None                   # an answering-machine detection running


@dataclass(eq=False)
class Transfer:
    """A blind transfer chand looks after: the caller's line and the line dialled for it."""
    caller: "Line"
    callee: "Line"
    referrer: "Line | None" = None      # the SIP line whose REFER asked for it, told how it goes (sip_transfers.py)

    def other(self, line: "Line") -> "Line":
        return self.callee if line is self.caller else self.caller


@dataclass(eq=False)
class Call:
    """One leg of a call, on one line."""
    call_id: str
    direction: str                  # inbound | outbound
    caller: str = ""
    dialled: str = ""
    trunk_group: str | None = None
    application: str | None = None
    target: str | None = None       # what the route named: "main" of "ivr:main"
    started_ms: int = 0
    started_at: float = field(default_factory=time.time)
    answered_ms: int | None = None
    answered_at: float | None = None
    ended_ms: int | None = None
    disposition: Disposition | None = None
    cause: str | None = None
    recording_path: str | None = None
    leg_id: int | None = None
    leg_committed: bool = False
    vars: dict[str, Any] = field(default_factory=dict)
    owner: str | None = None        # the application session the call belongs to (None: chand's own)
    media: Media = field(default_factory=Media)
    bridge: "Bridge | None" = None  # the bridge or conference the call is in (bridges.py)
    transfer: Transfer | None = None
    no_answer_ms: int | None = None  # this call's no-answer time, instead of the line's
    record_whole: bool = False      # chand records the whole call from the answer (route, trunk group)
    handoff_data: dict[str, Any] | None = None   # what the last handoff passed on (given again on its return)
    orphan_of: str | None = None    # its application left while it talked in a bridge: it goes on, ownerless
    awaiting: str | None = None     # its application left: it waits (music) for it to come back
    return_timer: int | None = None
    record: Any = None              # what the call record still has to write (records.py)

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex[:16]
