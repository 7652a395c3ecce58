"""What the media engine reports, as one typed record per kind of event.

`Engine.read_events()` (telephonist/engine.py, the one module that sees the C structure) decodes each
event once into one of these; nothing else reads positional fields or splits the engine's text.
Every record has the channel it happened on (`chan`, -1 for the engine's own) and the engine time
(`time_ms`). Match on the class:

    match ev:
        case DtmfEvent(digit=d): ...
        case PlayDone(playback=pid, reason=EndReason.ERROR, error=why): ...

The text formats the engine carries (caller ID fields, the sim E1 trunks' signalling messages) are
read and written here too, so each is known in one place.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from telephonist.engine import CidStandard, EndReason, Hook

__all__ = [
    "Event", "HookEvent", "RingEvent", "DtmfBegin", "DtmfEvent", "ToneEvent", "VadEvent", "CidEvent",
    "PlayDone", "RecDone", "DtmfSent", "CidSent", "FaxPage", "FaxDone", "FaxTone", "Timer", "CasEvent",
    "AlarmEvent", "SigMsg", "Polarity", "ErrorEvent", "Overrun", "Stopped", "AmdEvent", "cid_fields",
    "parse_sigmsg", "format_sigmsg",
]


@dataclass(frozen=True, slots=True)
class Event:
    chan: int           # the engine channel; -1 for the engine's own events, -N for DAHDI span N's alarms
    time_ms: int        # engine clock


# ---- the line ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class HookEvent(Event):
    """What the other end of the line did: OFF, ON, FLASH, or OPEN_LOOP (a trunk's loop current
    stopped: the exchange hung up)."""
    state: Hook


@dataclass(frozen=True, slots=True)
class RingEvent(Event):
    on: bool            # a ring begins (True) or ends


@dataclass(frozen=True, slots=True)
class Polarity(Event):
    """The line's polarity was reversed (an answer or a hang-up signal on some exchanges)."""


@dataclass(frozen=True, slots=True)
class CasEvent(Event):
    bits: int           # ABCD bits received


@dataclass(frozen=True, slots=True)
class SigMsg(Event):
    """A signalling message of a digital (E1) trunk, sim, PRI (csrc/pri.c) or MFC-R2 (csrc/r2.c): "SETUP calling=...",
    as kind and fields."""
    kind: str           # upper case: SETUP, ALERTING, CONNECT, DISCONNECT ...
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class AlarmEvent(Event):
    """A DAHDI span's alarms changed (chan is -span)."""
    span: int           # the DAHDI span number
    bits: int           # DAHDI_ALARM_* bits; 0: none
    text: str           # "OK" or "RED,YELLOW,..."


# ---- what was heard ----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DtmfBegin(Event):
    digit: str


@dataclass(frozen=True, slots=True)
class DtmfEvent(Event):
    digit: str
    duration_ms: int
    level_dbm0: int


@dataclass(frozen=True, slots=True)
class ToneEvent(Event):
    tone: str           # a tone of the line's zone: dial, busy, ringback, congestion, sit ...
    on: bool


@dataclass(frozen=True, slots=True)
class VadEvent(Event):
    on: bool            # voice starts (True) or ended
    length_ms: int      # when it ended: how long the voice lasted


@dataclass(frozen=True, slots=True)
class CidEvent(Event):
    """Caller ID or message waiting received: fields such as number, name, datetime, absence, mwi,
    messages (values never hold ';' or '=')."""
    standard: CidStandard
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class FaxTone(Event):
    tone: str           # CNG (a calling fax machine) or CED (an answering one)


@dataclass(frozen=True, slots=True)
class AmdEvent(Event):
    """What answering-machine detection decided (csrc/amd.c)."""
    amd: int            # the detection's id
    result: str         # human | machine | notsure | stopped
    cause: str          # initial_silence, long_greeting, max_words, max_word_length, after_greeting_silence,
                        # too_long; stopped, hangup
    words: int          # words heard
    ms: int             # how long it listened


# ---- ends of what was started --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PlayDone(Event):
    playback: int
    reason: EndReason
    played_ms: int
    error: str          # reason ERROR: why; else ""


@dataclass(frozen=True, slots=True)
class RecDone(Event):
    recording: int
    reason: EndReason
    recorded_ms: int
    path: str           # the file, whole on disk ("" when reason is ERROR)
    error: str          # reason ERROR: why; else ""


@dataclass(frozen=True, slots=True)
class DtmfSent(Event):
    id: int
    reason: EndReason   # DONE, STOPPED (another send replaced it) or HANGUP


@dataclass(frozen=True, slots=True)
class CidSent(Event):
    id: int
    reason: EndReason   # DONE, HANGUP, or ERROR (then error says why)
    error: str


@dataclass(frozen=True, slots=True)
class FaxPage(Event):
    fax: int
    page: int           # pages done so far
    bit_rate: int


@dataclass(frozen=True, slots=True)
class FaxDone(Event):
    fax: int
    code: int           # spandsp's T.30 completion code: 0 success; < 0 the engine ended it (result says why)
    pages: int
    bit_rate: int
    ecm: bool
    result: str         # T.30's text for code, or why the engine ended the fax
    remote_ident: str   # the other machine's station ident

    @property
    def ok(self) -> bool:
        return self.code == 0


@dataclass(frozen=True, slots=True)
class Timer(Event):
    id: int


# ---- the engine itself ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ErrorEvent(Event):
    id: int             # the playback, timer ... it concerns; 0 if none
    code: int           # an ENG_E* value, 0 if none
    text: str


@dataclass(frozen=True, slots=True)
class Overrun(Event):
    count: int          # events lost because nobody read them


@dataclass(frozen=True, slots=True)
class Stopped(Event):
    """The media thread ended."""


# ---- the texts the engine carries --------------------------------------------------------------------------

def cid_fields(text: str) -> dict[str, str]:
    """The engine's caller ID text, "number=...;name=...;...", as fields (parts without '=' are skipped)."""
    fields: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            fields[key.strip()] = value
    return fields


def parse_sigmsg(text: str) -> tuple[str, dict[str, str]]:
    """A sim E1 signalling message: "KIND key=value ..." as (KIND, fields); ("", {}) for an empty one."""
    kind, *rest = text.split() or [""]
    fields = {}
    for part in rest:
        key, _, value = part.partition("=")
        fields[key] = value
    return kind.upper(), fields


def format_sigmsg(kind: str, **fields: object) -> str:
    """The message parse_sigmsg reads: fields that are None or "" are left out."""
    return " ".join([kind] + [f"{k}={v}" for k, v in fields.items() if v not in (None, "")])
