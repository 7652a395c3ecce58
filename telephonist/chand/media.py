"""What a call's channel plays, records, collects and faxes, and the engine's answers about it.

The control API's media commands come here once checked (api/commands/media.py);
each starts one thing in the engine and notes its id in the call's `Media`
(call.py). The engine's media events come back through `on_event`: an event
for something the call started goes to the call's owner and into its record;
one left over from an earlier call on the line (a playback stopped at its
hang-up that reports after it) goes nowhere.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telephonist.chand.api.errors import BadRequest, Forbidden, NotFound
from telephonist.chand.call import RecordingRun
from telephonist.chand.collect import CollectSpec, DigitCollector
from telephonist.chand.line import Line, LineState
from telephonist.engine import (AmdEvent, Codec, Dsp, DtmfEvent, DtmfSent, EndReason, EngineError, ErrorEvent, Event, FaxDone,
                                FaxPage, FaxTone, PlayDone, RecDone, RecMode, ToneEvent, VadEvent)

if TYPE_CHECKING:
    from telephonist.chand.switchboard import Switchboard

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recording:
    id: int
    path: str


def _inside(path: str, root: str) -> bool:
    root = os.path.normpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class MediaFolders:
    """Where applications' files may be: prompts and what they may play, recordings, faxes.

    The check is on the path as written (normalised, so `..` cannot climb out); the folders are the
    operator's, and a link placed inside one is the operator's choice."""

    def __init__(self, prompts: str, recordings: str, play: tuple[str, ...] = (), fax: tuple[str, ...] = ()) -> None:
        self.prompts = os.path.normpath(prompts)
        self.recordings = os.path.normpath(recordings)
        self.play = tuple(os.path.normpath(d) for d in (prompts, *play) if d)
        self.fax = tuple(os.path.normpath(d) for d in fax if d)

    def prompt(self, name: str) -> str:
        """A prompt named by an application: a name relative to the prompts folder, or a path inside
        one of the folders applications may play from (voicemail, text-to-speech ...)."""
        path = os.path.normpath(name if os.path.isabs(name) else os.path.join(self.prompts, name))
        if not any(_inside(path, root) for root in self.play):
            raise Forbidden(f"prompt {name!r} is outside the folders applications may play from")
        return path

    def fax_file(self, path: str) -> str:
        if not os.path.isabs(path):
            raise BadRequest(f"fax: {path!r} must be an absolute path")
        path = os.path.normpath(path)
        if not any(_inside(path, root) for root in self.fax):
            raise Forbidden(f"fax: {path!r} is outside the fax folders" if self.fax else
                            "fax: no fax folder is configured ([faxd] spool_dir)")
        return path


class CallMedia:
    def __init__(self, board: "Switchboard", folders: MediaFolders) -> None:
        self.board = board
        self.engine = board.engine
        self.folders = folders
        self.moh: str | None = None                 # [control] music_on_hold: a prompt file
        # recordings stopped because their call ended: (engine channel, recording id) -> the session
        # that started it, the file, the call; its record_done still goes to that session (the file is
        # complete only then)
        self.finishing: dict[tuple[int, int], tuple[str | None, str, str]] = {}

    @property
    def prompts_dir(self) -> str:
        return self.folders.prompts

    @property
    def recordings_dir(self) -> str:
        return self.folders.recordings

    def prompt_path(self, name: str) -> str:
        return self.folders.prompt(name)

    def music_on_hold(self) -> list[Any]:
        """What a held call hears: [control] music_on_hold, else the zone's call-waiting tone."""
        if self.moh and os.path.isfile(self.moh):
            return [self.moh]
        return [("tone", "callwaiting", 0)]

    # ---- what applications start ---------------------------------------------------------------------
    def play(self, line: Line, items: list[Any], barge_in: bool = False, loop: bool = False) -> int:
        if line.state in (LineState.RINGING, LineState.OFFERED):
            line.sig.before_answer_audio()     # PRI: the far end is told the channel carries in-band information
        call = self._call(line)
        pid = self.engine.play(line.chan, items, barge_in=barge_in, loop=loop)
        call.media.playbacks.add(pid)
        self.board.record_event(line, "play", playback=pid, items=_printable(items))
        return pid

    def stop(self, line: Line, playback: int = 0) -> None:
        self.engine.play_stop(line.chan, playback)

    def stop_collect(self, line: Line, collect: int) -> None:
        """The application gives up a collection (its prompt stops; collect_done says "stopped")."""
        col = line.call.media.collect if line.call else None
        if col is not None and col.id == collect:
            col.cancel("stopped")

    def send_dtmf(self, line: Line, digits: str) -> int:
        return self.engine.send_dtmf(line.chan, digits)

    def record(self, line: Line, mode: RecMode, name: str, max_ms: int, silence_ms: int,
               stop_digits: str, by: str = "") -> Recording:
        """by: the application that asked (record_start says so: an IVR waiting for speech and an ACD
        recording the agent's call look the same otherwise)."""
        call = self._call(line)
        fname = name or f"{call.call_id}-{self.engine.new_id()}"
        if not fname.endswith(".wav"):
            fname += ".wav"
        path = os.path.join(self.recordings_dir, time.strftime("%Y/%m/%d"), fname)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        rid = self.engine.record(line.chan, path, mode, Codec.ALAW, max_ms=max_ms, silence_ms=silence_ms,
                                 stop_digits=stop_digits)
        call.media.recordings[rid] = RecordingRun(path, call.owner)
        self.board.record_event(line, "record_start", recording=rid, path=path, by=by)
        return Recording(rid, path)

    def record_call(self, line: Line) -> None:
        """chand's own recording of the whole call, from the answer to the end, whoever has the call meanwhile
        (IVR, queue, agent, transfers): stereo, the line on the left, our side on the right. The call record
        names it."""
        call = self._call(line)
        if call.media.call_recording is not None:
            return
        path = os.path.join(self.recordings_dir, time.strftime("%Y/%m/%d"), f"{call.call_id}-{line.span}-{line.index}.wav")
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            rid = self.engine.record(line.chan, path, RecMode.STEREO, Codec.ALAW)
        except (OSError, EngineError) as exc:
            log.error("event=call_recording_failed line=%s call=%s error=%s", line.name, call.call_id, exc)
            return
        call.media.call_recording = rid
        call.media.recordings[rid] = RecordingRun(path, None)
        call.recording_path = path
        if self.board.recorder:
            self.board.recorder.updated(line, recording_path=path)
        self.board.record_event(line, "record_start", recording=rid, path=path, whole_call=True)

    def stop_record(self, line: Line, recording: int = 0) -> None:
        """The call's owner stops a recording it started (0: all it started; chand's whole-call recording
        and those of an application that handed the call on go on)."""
        call = self._call(line)
        own = [rid for rid, run in call.media.recordings.items() if run.by is not None and run.by == call.owner]
        for rid in own if recording == 0 else [recording] if recording in own else []:
            self.engine.record_stop(line.chan, rid)

    def collect(self, line: Line, spec: CollectSpec, initial: str, prompt: list[Any]) -> int:
        """Digits from the caller after an optional prompt they may interrupt; collect_done tells the owner."""
        call = self._call(line)
        if call.media.collect and not call.media.collect.finished:
            call.media.collect.cancel("replaced")
        pid = None
        if prompt:
            pid = self.engine.play(line.chan, prompt, barge_in=True)
            call.media.playbacks.add(pid)
        cid = self.engine.new_id()

        def done(col: DigitCollector, digits: str, reason: str) -> None:
            if call.media.collect is col:
                call.media.collect = None
            if col.prompt_id:
                self.engine.play_stop(line.chan, col.prompt_id)
            if line.call is not call:
                return          # the call ended with the collection (its cancel comes here)
            self.board.record_event(line, "collect", digits="*" * len(digits) if spec.secret else digits,
                                    reason=reason)
            self.board.tell_owner(line, "collect_done", collect=col.id, digits=digits, reason=reason)
        self.board.record_event(line, "collect_start", collect=cid, min=spec.min_digits, max=spec.max_digits,
                                prompt=_printable(prompt))
        call.media.collect = col = DigitCollector(cid, spec, self.board.timers, done, prompt_id=pid)
        if spec.secret and initial:
            self.conceal(line, len(initial))     # the keys typed ahead of a password are the password
        for d in initial:           # keys pressed before (during a barge-in prompt of the application's)
            col.digit(d)
        return cid

    def conceal(self, line: Line, keys: int) -> None:
        """The call's last `keys` keys were a secret: its record and the call-event stream say '*'."""
        hidden = self.board.recorder.conceal_digits(line, keys) if self.board.recorder else 0
        self.board.record_event(line, "conceal", keys=keys, hidden=hidden)

    def detect(self, line: Line, tones: bool, voice: bool, fax: bool) -> None:
        dsp = line.sig.media_dsp()
        if tones:
            dsp |= Dsp.PROGRESS
        if voice:
            dsp |= Dsp.VAD
        if fax:
            dsp |= Dsp.FAXTONE
        self.engine.set_dsp(line.chan, dsp)

    def amd(self, line: Line, settings: dict[str, int]) -> int:
        """Listen to who answered: a person or a machine (csrc/amd.c); the owner hears `amd` with the decision."""
        call = self._call(line)
        call.media.amd = self.engine.amd(line.chan, **settings)
        return call.media.amd

    def fax(self, line: Line, send: bool, path: str, calling: bool, ecm: bool, ident: str, header: str) -> int:
        call = self._call(line)
        self.board.echo(line, False)         # fax modems want no echo canceller on the line
        fid = self.engine.fax(line.chan, path, send=send, calling=calling, ecm=ecm, ident=ident, header=header)
        call.media.fax = fid
        return fid

    def hold(self, line: Line, music: list[Any]) -> None:
        """The call is held: out of its bridge's mix (the others hear it no more), hearing music."""
        call = self._call(line)
        in_bridge = self.board.bridges.hold(line)
        if call.media.hold_playback is None:
            call.media.hold_playback = self.engine.play(line.chan, music, loop=True)
            self.board.record_event(line, "hold", bridge=line.bridge.name if in_bridge and line.bridge else None)

    def unhold(self, line: Line) -> None:
        call = self._call(line)
        if call.media.hold_playback is not None:
            self.engine.play_stop(line.chan, call.media.hold_playback)
            call.media.hold_playback = None
            self.board.record_event(line, "unhold")
        self.board.bridges.unhold(line)

    def fallback_prompt(self, line: Line, items: list[Any]) -> None:
        """The fallback's prompt; the call is hung up when it ends."""
        call = self._call(line)
        self.engine.play_stop(line.chan, 0)
        if line.state in (LineState.RINGING, LineState.OFFERED):
            line.sig.before_answer_audio()     # PRI: an announcement before the answer reaches the caller
        call.media.fallback_playback = self.engine.play(line.chan, items)

    def stop_all(self, line: Line) -> None:
        """The call is ending: whatever it was playing, recording, collecting or faxing ends with it."""
        call = line.call
        if call is None:
            return
        media = call.media
        if media.collect:
            media.collect.cancel("hangup")
        if media.fax:
            self.engine.fax_stop(line.chan)
        if media.amd:
            self.engine.amd_stop(line.chan)
            media.amd = None
        if media.recordings:
            # the file is complete once the engine says so (record_done); the record names it now
            for rid, run in media.recordings.items():
                self.finishing[(line.chan, rid)] = (run.by, run.path, call.call_id)
            if media.call_recording is None:
                call.recording_path = list(media.recordings.values())[-1].path
            if self.board.recorder:
                self.board.recorder.updated(line, recording_path=call.recording_path)
            self.engine.record_stop(line.chan, 0)
        if media.playbacks or media.fallback_playback or media.hold_playback:
            self.engine.play_stop(line.chan, 0)

    # ---- what the engine says ------------------------------------------------------------------------
    def on_event(self, line: Line, ev: Event) -> None:
        call = line.call
        if isinstance(ev, DtmfEvent):
            collect = call.media.collect if call else None
            secret = collect is not None and collect.spec.secret
            self.board.record_event(line, "dtmf", digit="*" if secret else ev.digit, duration_ms=ev.duration_ms)
            # the key first, then the collection it may end: an application then knows which keys
            # a collect_done used up, and which came after it (typed ahead for the next question)
            self.board.tell_owner(line, "dtmf", digit=ev.digit, duration_ms=ev.duration_ms)
            if collect:
                collect.digit(ev.digit)
        elif isinstance(ev, PlayDone):
            self._play_done(line, ev)
        elif isinstance(ev, RecDone):
            self._rec_done(line, ev)
        elif isinstance(ev, FaxPage) and call and call.media.fax == ev.fax:
            self.board.tell_owner(line, "fax_page", fax=ev.fax, page=ev.page, bit_rate=ev.bit_rate)
        elif isinstance(ev, FaxDone) and call and call.media.fax == ev.fax:
            call.media.fax = None
            self.board.record_event(line, "fax", code=ev.code, pages=ev.pages, bit_rate=ev.bit_rate, ecm=ev.ecm,
                                    result=ev.result)
            self.board.tell_owner(line, "fax_done", fax=ev.fax, code=ev.code, ok=ev.ok, pages=ev.pages,
                                  bit_rate=ev.bit_rate, ecm=ev.ecm, result=ev.result, remote_ident=ev.remote_ident)
        elif isinstance(ev, ToneEvent):
            self.board.tell_owner(line, "tone", tone=ev.tone, on=ev.on)
        elif isinstance(ev, VadEvent):
            self.board.tell_owner(line, "voice", on=ev.on, length_ms=ev.length_ms)
        elif isinstance(ev, AmdEvent) and call and call.media.amd == ev.amd:
            call.media.amd = None
            self.board.record_event(line, "amd", result=ev.result, cause=ev.cause, words=ev.words, ms=ev.ms)
            self.board.tell_owner(line, "amd", amd=ev.amd, result=ev.result, cause=ev.cause, words=ev.words, ms=ev.ms)
        elif isinstance(ev, FaxTone):
            self.board.tell_owner(line, "fax_tone", tone=ev.tone)
            if ev.tone == "CNG" and line.state == LineState.UP:
                self.board.fax_heard(line)
        elif isinstance(ev, DtmfSent):
            self.board.tell_owner(line, "dtmf_sent", id=ev.id)
        elif isinstance(ev, ErrorEvent):
            log.error("event=channel_error line=%s text=%s", line.name, ev.text)
            self.board.tell_owner(line, "error", message=ev.text)

    def _play_done(self, line: Line, ev: PlayDone) -> None:
        call = line.call
        if ev.reason == EndReason.ERROR:
            log.error("event=playback_error line=%s playback=%s error=%s", line.name, ev.playback, ev.error)
        if call is None:
            return
        media = call.media
        if media.collect:
            media.collect.prompt_done(ev.playback)
        if ev.playback == media.fallback_playback:
            media.fallback_playback = None
            if line.busy:
                line.sig.hangup("fallback")
            return
        if ev.playback not in media.playbacks:
            return              # not the call's own (a tone of the signalling's, an earlier call's prompt)
        media.playbacks.discard(ev.playback)
        self.board.tell_owner(line, "play_done", playback=ev.playback, reason=ev.reason.name.lower(),
                              played_ms=ev.played_ms, error=ev.error or None)

    def _rec_done(self, line: Line, ev: RecDone) -> None:
        if self.board.conferences.rec_done(line.chan, ev.recording):
            return                          # a segment of a conference room's recording
        call = line.call
        finishing = self.finishing.pop((line.chan, ev.recording), None)
        run = call.media.recordings.pop(ev.recording, None) if call else None
        if run is None:
            if finishing is not None:        # its call has ended: the session that started it is told
                by, path, call_id = finishing
                if by is None:               # chand's whole-call recording: its file is complete now
                    self.board.tell_call_followers(line.name, call_id, "record", recording=ev.recording,
                                                   reason=ev.reason.name.lower(), ms=ev.recorded_ms, path=path)
                    return
                self._tell_recorder(line, by, call_id, path, ev)
            return
        assert call is not None
        path, reason = run.path, ev.reason.name.lower()
        whole = ev.recording == call.media.call_recording
        if ev.reason != EndReason.ERROR and (whole or call.media.call_recording is None):
            call.recording_path = path
            if self.board.recorder:
                self.board.recorder.updated(line, recording_path=path)
        if whole:
            call.media.call_recording = None
        self.board.record_event(line, "record", recording=ev.recording, reason=reason, ms=ev.recorded_ms, path=path)
        if run.by is not None:          # chand's own recording is nobody's to hear about
            self._tell_recorder(line, run.by, call.call_id, path, ev)

    def _tell_recorder(self, line: Line, by: str, call_id: str, path: str, ev: RecDone) -> None:
        """record_done to the session that started the recording, whoever has the call now."""
        sess = self.board.session_by_name(by)
        if sess:
            sess.send_event("record_done", chan=line.name, call_id=call_id, recording=ev.recording,
                            reason=ev.reason.name.lower(), duration_ms=ev.recorded_ms, path=path,
                            error=ev.error or None, time_ms=self.board.now())

    @staticmethod
    def _call(line: Line):
        if line.call is None:
            raise NotFound(f"{line.name} has no call")
        return line.call


def _printable(items: list[Any]) -> list[Any]:
    return [i if isinstance(i, str) else list(i) for i in items]
