"""One caller in a flow: the API node types use to act on the call.

A Call wraps chand's control API for one channel: play, collect, record,
hand off, transfer, hang up, each awaiting the event that ends it. Events for
the channel arrive through `deliver` (from the service's handlers); the node
coroutine runs in its own task. When an event resolves what the node was
waiting for, `deliver` waits until the node has issued its next command (or
is waiting again) before returning: chand acknowledges events only after
that, so a lockstep engine clock cannot run ahead of the flow.

A caller who hangs up makes every pending and later wait raise CallerHungUp;
a problem in the flow itself (a missing prompt, a failed lookup ...) is a
FlowRuntimeError: the runner logs it and the caller gets the fallback.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable
from zoneinfo import ZoneInfo

from telephonist.client import ApiCallError, Client
from telephonist.ivrd.expressions import interpolate

if TYPE_CHECKING:
    from telephonist.ivrd.flow_model import Flow, Node
    from telephonist.ivrd.services import IvrServices

log = logging.getLogger("telephonist.ivrd")

# How long `deliver` waits for the flow to react to an event before acknowledging anyway
# (below chand's 2 s app_timeout, after which it would take the call away).
REACT_TIMEOUT_S = 1.2
RECORDING_CLOSE_S = 10.0      # a recording cut by the hang-up: how long to wait for its file to be complete


class CallerHungUp(Exception):
    """The caller hung up (or chand ended the call); the flow stops here."""


class FlowRuntimeError(Exception):
    """The flow cannot go on (a missing prompt, a lookup error, a loop ...); the caller gets the fallback."""


@dataclass
class PlayResult:
    reason: str                  # done, dtmf, stopped, error
    digit: str = ""              # the key that interrupted it (reason dtmf)
    played_ms: int = 0


@dataclass
class CollectResult:
    digits: str
    reason: str                  # max_digits, terminator, timeout, complete, too_short


@dataclass
class RecordResult:
    path: str
    duration_ms: int
    reason: str                  # max_duration, silence, dtmf, stopped, hangup ...
    digit: str = ""


@dataclass
class Call:
    client: Client
    chan: str
    call_id: str
    caller: str
    dialled: str
    flow: "Flow"
    services: "IvrServices"
    lang: str = "zh"
    vars: dict[str, Any] = field(default_factory=dict)
    current: "Node | None" = None
    outcome: str | None = None             # set by the node that ends the call (queue, voicemail ...)
    outcome_detail: str = ""
    steps: int = 0
    typeahead: str = ""                    # keys pressed during a barge-in prompt, for the next collect
    history: list[dict[str, Any]] = field(default_factory=list)   # events of this call, in order
    _full_entry: bool = False              # the last collection ended at its maximum (a # may follow)
    _waiters: list[tuple[Callable[[dict], bool], asyncio.Future]] = field(default_factory=list)
    _gone: asyncio.Event = field(default_factory=asyncio.Event)
    _idle: asyncio.Event = field(default_factory=asyncio.Event)
    _finished: bool = False                # the flow's task is over: nothing more will react to an event
    _step_logged: bool = False
    _flows: dict[str, "Flow"] = field(default_factory=dict)    # the flow set this call runs in
    clock: Callable[[], datetime] | None = None      # the call's time, when fixed (flow tests); else now
    # an agent's IVR step (the ACD's ivr_step): {"app": the ACD, "step": its token}; the flow's end hands the
    # caller back there instead of hanging up
    returns_to: dict[str, str] | None = None

    def __post_init__(self) -> None:
        self._idle.set()
        self.vars.update(caller=self.caller, dialled=self.dialled, chan=self.chan, call_id=self.call_id,
                         lang=self.lang)

    # ---- values --------------------------------------------------------------------------------
    def expand(self, value: Any) -> Any:
        """A string with ${var} references filled in from the call's variables (other values as they are)."""
        return interpolate(value, self.vars) if isinstance(value, str) else value

    def now(self) -> datetime:
        """The time of day for this call (schedules), in the system's time zone."""
        if self.clock is not None:
            return self.clock()
        return datetime.now(ZoneInfo(self.services.time_zone))

    def set_language(self, lang: str) -> None:
        self.lang = lang
        self.vars["lang"] = lang

    def prompt_items(self, prompts: Any) -> list[Any]:
        """Play items from a node's `prompts` value: names get {lang} and ${var} filled in and must exist."""
        if prompts is None:
            return []
        if isinstance(prompts, (str, dict)):
            prompts = [prompts]
        items: list[Any] = []
        for p in prompts:
            if isinstance(p, dict):
                items.append(p)
                continue
            name = self.expand(p).replace("{lang}", self.lang)
            path = name if os.path.isabs(name) else os.path.join(self.services.prompts_dir, name)
            if not os.path.exists(path):
                raise FlowRuntimeError(f"prompt file missing: {path}")
            items.append(name)
        return items

    # ---- events ---------------------------------------------------------------------------------
    async def deliver(self, ev: dict[str, Any]) -> None:
        """An event of this call's channel (called from the client's handler, before the ack)."""
        kind = ev["event"]
        self.history.append(ev)
        if kind == "dtmf":
            # every key lands here; a collection's own keys are dropped when it ends (chand sends
            # a key's dtmf before the collect_done it causes), what is left was typed ahead
            self.typeahead += ev.get("digit", "")
        if kind in ("hangup", "ended"):
            self._gone.set()
        woke = False
        for pred, fut in list(self._waiters):
            if not fut.done() and pred(ev):
                fut.set_result(ev)
                self._waiters.remove((pred, fut))
                woke = True
        if woke or kind in ("hangup", "ended") and not self._finished:
            await self.reacted()

    async def reacted(self) -> None:
        """Once the flow has reacted to what it was just told (it waits on chand again, or is done), or
        REACT_TIMEOUT_S: what an event's handler waits for before its acknowledgement, so that a lockstep
        engine clock stands still meanwhile."""
        self._idle.clear()
        try:
            await asyncio.wait_for(self._idle.wait(), REACT_TIMEOUT_S)
        except asyncio.TimeoutError:
            pass

    def mark_idle(self) -> None:
        """The flow is done with the call (or waits on something other than chand)."""
        self._idle.set()

    def mark_finished(self) -> None:
        """The flow's task is over (its session written and published): events that still come for the call
        have nothing to wait for."""
        self._finished = True
        self._idle.set()

    @property
    def hung_up(self) -> bool:
        return self._gone.is_set()

    def mark(self) -> int:
        """A position in the call's events: take it before a command, wait with since=mark."""
        return len(self.history)

    async def wait_event(self, pred: Callable[[dict], bool], timeout_s: float | None = None,
                         raise_on_hangup: bool = True, since: int | None = None) -> dict[str, Any]:
        """The next event of this call that `pred` accepts (looking back to `since` first);
        CallerHungUp if the caller goes first."""
        if since is not None:
            for ev in self.history[since:]:
                if pred(ev):
                    return ev
        if self._gone.is_set() and raise_on_hangup:
            raise CallerHungUp()
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self._waiters.append((pred, fut))
        gone = asyncio.ensure_future(self._gone.wait()) if raise_on_hangup else None
        self._idle.set()
        try:
            waits = {fut} | ({gone} if gone else set())
            done, _ = await asyncio.wait(waits, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
            if fut in done:
                return fut.result()
            if gone is not None and gone in done:
                raise CallerHungUp()
            raise FlowRuntimeError("no answer from chand in time")
        finally:
            if gone is not None:
                gone.cancel()
            if not fut.done():
                fut.cancel()
                if (pred, fut) in self._waiters:
                    self._waiters.remove((pred, fut))

    async def command(self, cmd: str, **args: Any) -> dict[str, Any]:
        """A control API command on this call's channel; a refusal is a FlowRuntimeError (or
        CallerHungUp when the call is gone)."""
        try:
            return await self.client.call(cmd, chan=self.chan, **args)
        except ApiCallError as exc:
            if self._gone.is_set() or exc.code in ("not_found", "not_owner"):
                raise CallerHungUp() from exc
            raise FlowRuntimeError(f"{cmd} refused: {exc}") from exc
        except ConnectionError as exc:
            raise CallerHungUp() from exc

    # ---- media ------------------------------------------------------------------------------------
    async def play(self, prompts: Any, barge_in: bool = False) -> PlayResult:
        items = self.prompt_items(prompts)
        if not items:
            return PlayResult("done")
        if barge_in and self.typeahead:
            return PlayResult("dtmf", self.typeahead[-1])
        start = len(self.typeahead)
        mark = self.mark()
        r = await self.command("play", items=items, barge_in=barge_in)
        pid = r["playback"]
        ev = await self.wait_event(lambda e: e["event"] == "play_done" and e.get("playback") == pid, since=mark)
        if ev.get("reason") == "error":
            raise FlowRuntimeError(f"playback failed: {ev.get('error', '')}")
        digit = self.typeahead[start:start + 1] if ev.get("reason") == "dtmf" else ""
        if not barge_in:
            self.typeahead = self.typeahead[:start]      # keys during a prompt that cannot be interrupted
        return PlayResult(ev.get("reason", "done"), digit, ev.get("played_ms", 0))

    async def collect(self, prompts: Any = None, min_digits: int = 1, max_digits: int = 1,
                      terminators: str = "#", first_timeout_ms: int = 5000, inter_timeout_ms: int = 3000,
                      barge_in: bool = True, secret: bool = False) -> CollectResult:
        """Digits from the caller, after an optional prompt the caller may interrupt. Keys pressed
        during an earlier barge-in prompt count as the first digits."""
        # Callers often press # after an entry that was already complete (six digits of six): that #
        # is no answer to the next question, whether it was typed ahead or reached this collection.
        hash_may_follow, self._full_entry = self._full_entry, False
        result = await self._collect_once(prompts, min_digits, max_digits, terminators, first_timeout_ms,
                                          inter_timeout_ms, barge_in, secret,
                                          "#" if hash_may_follow and "#" not in terminators else "")
        self._full_entry = result.reason == "max_digits"
        return result

    async def _collect_once(self, prompts: Any, min_digits: int, max_digits: int, terminators: str,
                            first_timeout_ms: int, inter_timeout_ms: int, barge_in: bool,
                            secret: bool, skip_leading: str) -> CollectResult:
        ahead, self.typeahead = self.typeahead.lstrip(skip_leading) if skip_leading else self.typeahead, ""
        if ahead:
            done = _typed_ahead(ahead, min_digits, max_digits, terminators)
            if done is not None:
                if secret:          # keys typed ahead of a password are the password: not in the record
                    await self.command("conceal", keys=min(64, len(ahead)))
                return done
        items = [] if ahead else self.prompt_items(prompts)
        if items and not barge_in:
            await self.play(items)
            ahead, self.typeahead, items = self.typeahead, "", []
        args: dict[str, Any] = dict(min=min_digits, max=max_digits, terminators=terminators,
                                    first_timeout_ms=first_timeout_ms, inter_timeout_ms=inter_timeout_ms)
        if secret:
            args["secret"] = True
        if skip_leading:
            args["skip_leading"] = skip_leading
        if items:
            args["prompt"] = items
        if ahead:
            args["initial"] = ahead
        mark = self.mark()
        r = await self.command("collect", **args)
        cid = r["collect"]
        ev = await self.wait_event(lambda e: e["event"] == "collect_done" and e.get("collect") == cid, since=mark)
        self.typeahead = ""
        return CollectResult(ev.get("digits", ""), ev.get("reason", "timeout"))

    async def record(self, name: str, max_ms: int, silence_ms: int = 0, stop_digits: str = "#",
                     mode: str = "rx", beep: bool = True) -> RecordResult:
        if beep:
            await self.play([{"tone": "callwaiting", "ms": 400}])
        start = len(self.typeahead)
        mark = self.mark()
        r = await self.command("record", mode=mode, max_ms=max_ms, silence_ms=silence_ms,
                               stop_digits=stop_digits, name=name)
        rid = r["recording"]
        # A caller who hangs up ends the recording too: the file is what was said, complete once chand's
        # record_done for it comes (after the hang-up).
        def done(e: dict[str, Any]) -> bool:
            return e["event"] == "record_done" and e.get("recording") == rid
        ev = await self.wait_event(lambda e: done(e) or e["event"] in ("hangup", "ended"), raise_on_hangup=False,
                                   since=mark)
        digit = self.typeahead[start:start + 1]
        self.typeahead = self.typeahead[:start]
        if ev["event"] != "record_done":
            try:
                ev = await self.wait_event(done, timeout_s=RECORDING_CLOSE_S, raise_on_hangup=False, since=mark)
            except FlowRuntimeError:
                log.warning("event=ivr_recording_not_closed chan=%s recording=%s", self.chan, rid)
                return RecordResult(r.get("path", ""), 0, "hangup")
            return RecordResult(ev.get("path") or r.get("path", ""), ev.get("duration_ms", 0), "hangup")
        return RecordResult(ev.get("path") or r.get("path", ""), ev.get("duration_ms", 0),
                            ev.get("reason", ""), digit)

    async def answer(self) -> None:
        mark = self.mark()
        await self.command("answer")
        await self.wait_event(lambda e: e["event"] == "answered", since=mark, timeout_s=60)

    async def send_dtmf(self, digits: str) -> None:
        await self.command("send_dtmf", digits=digits)

    # ---- where the call goes --------------------------------------------------------------------
    async def handoff(self, app: str, reason: str = "ivr", data: dict[str, Any] | None = None) -> None:
        """Give the call to another application (queue:claims, fax:demand, app:crm ...)."""
        await self.command("handoff", app=app, reason=reason, data={**(data or {}), "ivr": self.ivr_summary()})

    async def give_back(self, error: str = "") -> None:
        """An agent's IVR step is over: the caller goes back to the agent's application with the variables set."""
        ret = self.returns_to or {}
        self.end("returned", ret.get("app", ""))
        await self.handoff(ret.get("app", ""), reason="ivr_step",
                           data={"step": ret.get("step", ""), **({"error": error} if error else {})})

    async def transfer(self, number: str, trunk_group: str, caller_id: str = "", timeout_ms: int = 30000) -> str:
        """Blind transfer to a number on a trunk group; chand bridges the two legs. Returns the new leg."""
        r = await self.command("transfer", number=number, trunk_group=trunk_group,
                               caller_id=caller_id or self.caller, timeout_ms=timeout_ms)
        return r.get("chan", "")

    async def hangup(self, cause: str = "normal") -> None:
        try:
            await self.command("hangup", cause=cause)
        except CallerHungUp:
            pass

    def end(self, outcome: str, detail: str = "") -> None:
        """Say how the call left the flow (the session row and the reports use it)."""
        self.outcome = outcome
        self.outcome_detail = detail

    def enter_flow(self, name: str) -> str:
        """Continue in another flow (transfer to flow:NAME); returns the node to go on with."""
        flow = self._flows.get(name)
        if flow is None:
            raise FlowRuntimeError(f"no flow named {name!r}")
        self.flow = flow
        self.vars["flow"] = name
        return flow.start

    def ivr_summary(self) -> dict[str, Any]:
        """What the next application should know: the flow, the language and the variables set."""
        keep = {k: v for k, v in self.vars.items() if isinstance(v, (str, int, float, bool)) and
                not k.startswith("_") and "password" not in k and "pin" not in k}
        return {"flow": self.flow.name, "language": self.lang, "vars": keep}

    # ---- the record of what happened -------------------------------------------------------------
    def step(self, result: str, digits: str | None = None, detail: dict[str, Any] | None = None,
             tag: str | None = None) -> None:
        """Log this node's step (node, digits, result): the IVR path of the call and the reports'
        self-service counts. A node that does not log one gets result "ok" from the runner."""
        node = self.current
        assert node is not None
        self._step_logged = True
        row = dict(call_id=self.call_id, chan=self.chan, flow=self.flow.name, node=node.name,
                   node_type=node.type, tag=tag or node.tag, digits=digits, result=result,
                   detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
                   caller=self.caller, dialled=self.dialled, at=datetime.now(timezone.utc))
        self.services.steps.add(row)
        log.info("event=ivr_step call=%s chan=%s flow=%s node=%s type=%s digits=%s result=%s",
                 self.call_id, self.chan, self.flow.name, node.name, node.type, digits or "", result)

    async def in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Blocking work (a database query, a file) off the event loop."""
        return await asyncio.to_thread(fn, *args)


def _typed_ahead(keys: str, min_digits: int, max_digits: int, terminators: str) -> CollectResult | None:
    """A collection that the keys already pressed complete, or None when more are needed."""
    digits = ""
    for k in keys:
        if k in terminators:
            return CollectResult(digits, "terminator" if len(digits) >= min_digits else "too_short")
        digits += k
        if len(digits) >= max_digits:
            return CollectResult(digits, "max_digits")
    return None
