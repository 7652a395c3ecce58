"""Conference rooms: named conferences with a PIN, a size limit, a lock, muting and one recording per session.

A room ([[conferences]] in the configuration) is a named conference of `bridges.py` ("conf:NAME") with
rules around it. An application (ivrd's `conference` node) asks to `enter` a caller with the PIN it
collected; the room refuses a wrong PIN, a locked room (unless the leader's PIN) and a full one. Those
in it hear a short tone when someone enters or leaves. A supervisor mutes (the party only listens),
unmutes, kicks (the call is hung up) and locks or unlocks the room through the control API.

A session lasts from the first party to the last. Its recording is one file: the engine records a
channel, not a conference, so the room records the mix as one party hears and says it (RecMode.MIX) on
one party at a time, the anchor; a muted anchor records only what it hears (RecMode.TX: the room without
its own voice, so nobody muted is ever in the recording), in a new segment from the moment it is muted
to the moment it is not; when the anchor leaves, the next party takes over in a new segment,
and when the session ends and the engine has closed every segment, they are joined into the session's
file (on a worker thread: chand's loop never touches the disk) and the segments removed.

Every change is told to the subscribers (`conference` events with the room as `describe` says), which is
what the web console's Conferences page streams.
"""
from __future__ import annotations

import asyncio
import enum
import logging
import os
import time
import wave
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telephonist.config.conference import MAX_PARTIES, ConferenceConfig
from telephonist.engine import Codec, ConfRole, EngineError, RecMode

if TYPE_CHECKING:
    from telephonist.chand.line import Line
    from telephonist.chand.switchboard import Switchboard

log = logging.getLogger(__name__)
ENTRY_TONE = [("tone", "callwaiting", 250)]
EXIT_TONE = [("tone", "stutter", 400)]


class Refusal(enum.Enum):
    """Why a room turns a caller away (the control API's error codes)."""
    NO_ROOM = "no_such_conference"
    WRONG_PIN = "wrong_pin"
    LOCKED = "conference_locked"
    FULL = "conference_full"


class RoomRefused(Exception):
    def __init__(self, why: Refusal, message: str) -> None:
        super().__init__(message)
        self.why = why


@dataclass
class Party:
    line: "Line"
    call_id: str
    caller: str
    joined_ms: int
    leader: bool
    muted: bool = False

    def describe(self, origin_ms: int | None) -> dict[str, Any]:
        return {"chan": self.line.name, "call_id": self.call_id, "caller": self.caller, "leader": self.leader,
                "muted": self.muted, "joined_ms": self.joined_ms,
                "joined_at": (origin_ms + self.joined_ms) / 1000.0 if origin_ms is not None else None}


@dataclass
class SessionRecording:
    """One session's recording: the segments recorded on its anchors, joined when the last one is closed."""
    path: str                                   # the session's file, once joined
    segments: list[str] = field(default_factory=list)
    open: dict[tuple[int, int], str] = field(default_factory=dict)   # (chan, recording id) -> segment path
    anchor: "Line | None" = None
    ended: bool = False                         # the session is over: join once nothing is open


@dataclass
class Room:
    cfg: ConferenceConfig
    locked: bool
    parties: dict["Line", Party] = field(default_factory=dict)
    session: int = 0                            # sessions so far (a session: first party to last)
    started_ms: int | None = None
    recording: SessionRecording | None = None

    @property
    def name(self) -> str:
        return self.cfg.name

    @property
    def limit(self) -> int:
        return min(self.cfg.max_parties, MAX_PARTIES)


class ConferenceRooms:
    """Every room of a switchboard; the only code that puts callers in rooms or changes them."""

    def __init__(self, board: "Switchboard") -> None:
        self.board = board
        self.rooms: dict[str, Room] = {}
        self.configured: set[str] = set()
        self.joins: set[asyncio.Future] = set()     # recordings being joined (tests and the stop wait for them)
        self._closing: list[SessionRecording] = []  # ended sessions whose segments the engine is still closing

    # ---- configuration ---------------------------------------------------------------------
    def configure(self, configs: tuple[ConferenceConfig, ...] | list[ConferenceConfig]) -> None:
        """The rooms the configuration names; a room in session keeps its parties and lock across a reload,
        a room taken out of the configuration lives on until its last party leaves."""
        wanted = {c.name: c for c in configs}
        self.configured = set(wanted)
        for name, cfg in wanted.items():
            room = self.rooms.get(name)
            if room is None:
                self.rooms[name] = Room(cfg, locked=cfg.locked)
            else:
                room.cfg = cfg
        for name in [n for n, r in self.rooms.items() if n not in wanted and not r.parties]:
            del self.rooms[name]

    def room(self, name: str) -> Room:
        room = self.rooms.get(name)
        if room is None:
            raise RoomRefused(Refusal.NO_ROOM, f"no conference room {name!r}")
        return room

    def room_of(self, line: "Line") -> Room | None:
        for room in self.rooms.values():
            if line in room.parties:
                return room
        return None

    # ---- entering and leaving ------------------------------------------------------------------
    def check_pin(self, room: Room, pin: str) -> bool:
        """True: the leader's PIN; False: the room's (or none needed). RoomRefused for anything else."""
        if room.cfg.leader_pin and pin == room.cfg.leader_pin:
            return True
        if room.cfg.pin and pin != room.cfg.pin:
            raise RoomRefused(Refusal.WRONG_PIN, f"wrong PIN for conference {room.name}")
        return False

    def enter(self, line: "Line", name: str, pin: str = "") -> Party:
        room = self.room(name)
        leader = self.check_pin(room, pin)
        if room.locked and not leader:
            raise RoomRefused(Refusal.LOCKED, f"conference {name} is locked")
        if len(room.parties) >= room.limit and line not in room.parties:
            raise RoomRefused(Refusal.FULL, f"conference {name} is full ({room.limit} parties)")
        return self._put(room, line, leader)

    def enter_vouched(self, leader: "Line", name: str, companion: "Line | None" = None) -> list[Party]:
        """An application that answers for its callers (the ACD: an agent taking its call into the room) puts
        `leader` in without a PIN, as the room's leader (a locked room too), and `companion` (the agent's
        customer) beside it; both or neither: the limit is checked for the two at once."""
        room = self.room(name)
        coming = [ln for ln in (leader, companion) if ln is not None and ln not in room.parties]
        if len(room.parties) + len(coming) > room.limit:
            raise RoomRefused(Refusal.FULL, f"conference {name} is full ({room.limit} parties)")
        parties = [self._put(room, leader, True)]
        if companion is not None:
            parties.append(self._put(room, companion, False))
        return parties

    def leader_lines(self, name: str) -> list["Line"]:
        return [p.line for p in self.room(name).parties.values() if p.leader]

    def _put(self, room: Room, line: "Line", leader: bool) -> Party:
        call = line.call
        assert call is not None
        old = self.room_of(line)
        if old is not None:
            self._gone(old, line)
        others = list(room.parties)
        self.board.bridges.conference(line, room.name, ConfRole.SPEAK)
        party = Party(line, call.call_id, call.caller or "", self.board.now(), leader)
        room.parties[line] = party
        if len(room.parties) == 1:
            room.session += 1
            room.started_ms = party.joined_ms
            if room.cfg.record:
                room.recording = SessionRecording(self._session_path(room))
        if room.recording is not None:
            if room.recording.anchor is None:
                self._record_on(room, line)
            self.board.record_event(line, "conference_recording", conf=room.name, path=room.recording.path)
        if room.cfg.entry_tone:
            for other in others:
                self._tone(other, ENTRY_TONE)
        self.board.record_event(line, "conference_enter", conf=room.name, leader=leader,
                                parties=len(room.parties))
        log.info("event=conference_enter room=%s line=%s parties=%d leader=%s", room.name, line.name,
                 len(room.parties), leader)
        self._changed(room)
        return party

    def left(self, line: "Line") -> None:
        """The line left its room's conference (hung up, kicked, moved elsewhere by its application)."""
        room = self.room_of(line)
        if room is not None:
            self._gone(room, line)

    def _gone(self, room: Room, line: "Line") -> None:
        room.parties.pop(line, None)
        if line.bridge is not None and line.bridge.name == "conf:" + room.name:
            self.board.bridges.leave(line)
        rec = room.recording
        if rec is not None and rec.anchor is line:
            self._stop_segment(rec, line)
            if room.parties:
                self._record_on(room, next(iter(room.parties)))
        if room.cfg.exit_tone:
            for other in room.parties:
                self._tone(other, EXIT_TONE)
        if line.call is not None:
            self.board.record_event(line, "conference_leave", conf=room.name, parties=len(room.parties))
        log.info("event=conference_leave room=%s line=%s parties=%d", room.name, line.name, len(room.parties))
        if not room.parties:
            room.started_ms = None
            if rec is not None:
                rec.ended = True
                room.recording = None
                self._join_when_closed(rec)
            if room.name not in self.configured:
                self.rooms.pop(room.name, None)
        self._changed(room)

    # ---- what a supervisor does ----------------------------------------------------------------
    def party(self, name: str, chan: str) -> tuple[Room, Party]:
        room = self.room(name)
        for party in room.parties.values():
            if party.line.name == chan:
                return room, party
        raise KeyError(f"{chan} is not in conference {name}")

    def mute(self, name: str, chan: str, muted: bool) -> None:
        room, party = self.party(name, chan)
        if party.muted != muted:
            self.board.bridges.set_role(party.line, ConfRole.LISTEN if muted else ConfRole.SPEAK)
            party.muted = muted
            rec = room.recording
            if rec is not None and rec.anchor is party.line:     # its own voice in or out of the recording
                self._stop_segment(rec, party.line)
                self._record_on(room, party.line)
            self.board.record_event(party.line, "conference_mute" if muted else "conference_unmute", conf=name)
            self._changed(room)

    def kick(self, name: str, chan: str) -> None:
        room, party = self.party(name, chan)
        line = party.line
        self.board.record_event(line, "conference_kick", conf=name)
        self._gone(room, line)
        line.sig.hangup("normal")

    def lock(self, name: str, locked: bool) -> None:
        room = self.room(name)
        if room.locked != locked:
            room.locked = locked
            log.info("event=conference_%s room=%s", "locked" if locked else "unlocked", name)
            self._changed(room)

    # ---- what is said about rooms --------------------------------------------------------------------
    def describe(self, room: Room) -> dict[str, Any]:
        origin = self.board.origin_ms
        return {"name": room.name, "locked": room.locked, "max_parties": room.limit, "session": room.session,
                "record": room.cfg.record, "pin": bool(room.cfg.pin), "started_ms": room.started_ms,
                "recording": room.recording.path if room.recording else None,
                "parties": [p.describe(origin) for p in room.parties.values()]}

    def describe_all(self) -> list[dict[str, Any]]:
        return [self.describe(r) for r in sorted(self.rooms.values(), key=lambda r: r.name)]

    def _changed(self, room: Room) -> None:
        self.board.tell_subscribers("conference", room=self.describe(room), time_ms=self.board.now())

    def _tone(self, line: "Line", items: list[Any]) -> None:
        try:
            self.board.engine.play(line.chan, items)
        except EngineError as exc:
            log.warning("event=conference_tone_failed line=%s error=%s", line.name, exc)

    # ---- recording ---------------------------------------------------------------------------------------
    def _session_path(self, room: Room) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return os.path.join(self.board.media.recordings_dir, time.strftime("%Y/%m/%d"),
                            f"conf-{room.name}-{stamp}-{room.session}.wav")

    def _record_on(self, room: Room, line: "Line") -> None:
        rec = room.recording
        assert rec is not None
        seg = f"{rec.path[:-4]}.part{len(rec.segments) + 1}.wav"
        try:
            os.makedirs(os.path.dirname(seg), exist_ok=True)
            party = room.parties.get(line)
            mode = RecMode.TX if party is not None and party.muted else RecMode.MIX
            rid = self.board.engine.record(line.chan, seg, mode, Codec.LINEAR)
        except (OSError, EngineError) as exc:
            log.error("event=conference_recording_failed room=%s line=%s error=%s", room.name, line.name, exc)
            rec.anchor = None
            return
        rec.anchor = line
        rec.segments.append(seg)
        rec.open[(line.chan, rid)] = seg

    def _stop_segment(self, rec: SessionRecording, line: "Line") -> None:
        for (chan, rid) in [k for k in rec.open if k[0] == line.chan]:
            self.board.engine.record_stop(chan, rid)
        rec.anchor = None

    def _recordings(self) -> list[SessionRecording]:
        recs = [r.recording for r in self.rooms.values() if r.recording is not None]
        return recs + list(self._closing)

    def rec_done(self, chan: int, recording: int) -> bool:
        """The engine closed a recording; True if it was a room's segment."""
        for rec in self._recordings():
            if rec.open.pop((chan, recording), None) is not None:
                if rec.ended:
                    self._join_when_closed(rec)
                return True
        return False

    def _join_when_closed(self, rec: SessionRecording) -> None:
        if rec.open:
            if rec not in self._closing:
                self._closing.append(rec)
            return
        if rec in self._closing:
            self._closing.remove(rec)
        fut = asyncio.get_running_loop().run_in_executor(None, join_segments, rec.path, list(rec.segments))
        self.joins.add(fut)

        def done(f: asyncio.Future) -> None:
            self.joins.discard(f)
            ms = f.result() if not f.exception() else None
            if ms is None:
                log.error("event=conference_recording_join_failed path=%s error=%s", rec.path, f.exception())
                return
            log.info("event=conference_recorded path=%s ms=%d segments=%d", rec.path, ms, len(rec.segments))
            self.board.tell_subscribers("conference_recorded", path=rec.path, ms=ms, time_ms=self.board.now())
        fut.add_done_callback(done)


def join_segments(path: str, segments: list[str]) -> int:
    """The session's segments (8 kHz 16-bit WAV) one after another in `path`; the segments are removed.
    Returns the milliseconds written."""
    frames = 0
    tmp = path + ".tmp"
    with wave.open(tmp, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        for seg in segments:
            try:
                with wave.open(seg, "rb") as w:
                    data = w.readframes(w.getnframes())
            except (OSError, EOFError, wave.Error) as exc:
                log.warning("event=conference_segment_unreadable path=%s error=%s", seg, exc)
                continue
            out.writeframes(data)
            frames += len(data) // 2
    os.replace(tmp, path)
    for seg in segments:
        try:
            os.remove(seg)
        except OSError:
            pass
    return frames // 8
