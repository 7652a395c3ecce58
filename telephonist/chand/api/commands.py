"""The control API's commands: one small function each, in one table with the role each needs.

A handler validates its arguments, checks the rules (ownership, state), then
does the one thing it is for through the engine or a line's signalling.
Every refusal is a typed ApiError that becomes an error reply.
"""
from __future__ import annotations

import os
import re
import time
from typing import TYPE_CHECKING, Any, Callable

from telephonist.chand.api import PROTOCOL_VERSION
from telephonist.chand.api.errors import (ApiError, BadRequest, EngineFailure, Forbidden, UnknownCommand,
                                          Unavailable, WrongState)
from telephonist.chand.api.session import ROLES, Session
from telephonist.chand.collect import CollectSpec, DigitCollector
from telephonist.chand.line import LineState
from telephonist.drivers.sim.far_end import FarState
from telephonist.engine import Codec, ConfRole, Dsp, EngineError, Hook, RecMode

if TYPE_CHECKING:
    from telephonist.chand.switchboard import Switchboard

Handler = Callable[["Switchboard", Session, dict[str, Any]], dict[str, Any] | None]
COMMANDS: dict[str, tuple[Handler, tuple[str, ...]]] = {}
ANY = ("app", "monitor", "admin")
APP = ("app", "admin")
ADMIN = ("admin",)
ROLE_RANK = {"monitor": 0, "app": 1, "admin": 2}


def command(name: str, roles: tuple[str, ...] = APP):
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = (fn, roles)
        return fn
    return register


def arg(msg: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any = ..., *,
        check: Callable[[Any], bool] | None = None, what: str = "") -> Any:
    if key not in msg or msg[key] is None:
        if default is ...:
            raise BadRequest(f"{msg.get('cmd')}: missing '{key}'")
        return default
    value = msg[key]
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise BadRequest(f"{msg.get('cmd')}: '{key}' must be {names}")
    if check and not check(value):
        raise BadRequest(f"{msg.get('cmd')}: '{key}' {what or 'is out of range'}")
    return value


def dispatch(board: "Switchboard", sess: Session, msg: dict[str, Any]) -> dict[str, Any] | None:
    name = msg.get("cmd")
    if not isinstance(name, str):
        raise BadRequest("a command needs 'cmd'")
    if name != "hello" and sess.role is None:
        raise Forbidden("say hello first")
    entry = COMMANDS.get(name)
    if entry is None:
        raise UnknownCommand(f"unknown command {name!r}")
    fn, roles = entry
    if name != "hello" and sess.role not in roles:
        raise Forbidden(f"{name} needs role {' or '.join(roles)}; this session is {sess.role}")
    try:
        return fn(board, sess, msg)
    except EngineError as exc:
        raise EngineFailure(str(exc)) from exc


def engine_safe(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except EngineError as exc:
        raise EngineFailure(str(exc)) from exc


# ---- session ------------------------------------------------------------------------------------

@command("hello", ANY)
def hello(board, sess, msg):
    app = arg(msg, "app", str, check=lambda s: bool(re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", s)),
              what="must be 1-64 letters, digits, '_', '.' or '-'")
    role = arg(msg, "role", str, "app", check=lambda r: r in ROLES, what=f"must be one of {', '.join(ROLES)}")
    version = arg(msg, "version", int, PROTOCOL_VERSION)
    if version > PROTOCOL_VERSION:
        raise BadRequest(f"protocol version {version} is newer than this chand's {PROTOCOL_VERSION}")
    if not sess.trusted:
        token = arg(msg, "token", str, "")
        granted = board.tokens.get(token) if token else None
        if granted is None:
            raise Forbidden("a valid token is needed on TCP")
        if ROLE_RANK[role] > ROLE_RANK[granted]:
            raise Forbidden(f"the token allows role {granted}, not {role}")
    if sess.role is not None:
        raise WrongState("hello was already said")
    sess.app, sess.role = app, role
    board.register(sess)
    return {"session": sess.name, "node": board.node, "protocol": PROTOCOL_VERSION}


@command("subscribe", ANY)
def subscribe(board, sess, msg):
    sess.subscribed = bool(arg(msg, "lines", bool, True))
    sess.subscribed_calls = bool(arg(msg, "calls", bool, False))
    return None


@command("status", ANY)
def status(board, sess, msg):
    now = board.now()
    st = board.engine.stats()
    return {
        "node": board.node, "time_ms": now,
        "lines": [ln.describe(now) for ln in board.lines.values()],
        "spans": [dict(name=name, **info, **dahdi_status(board, info)) for name, info in board.spans.items()],
        "trunk_groups": [{"name": g.name, "hunting": g.hunting, "lines": [ln.name for ln in g.lines]}
                         for g in board.trunk_groups.values()],
        "applications": sorted({s.name for s in board.sessions.values()}),
        "engine": {"ticks": st.ticks, "late_ticks": st.late_ticks, "active_channels": st.active_channels,
                   "events_dropped": st.events_dropped},
    }


def dahdi_status(board, info: dict[str, Any]) -> dict[str, Any]:
    """A dahdi span's DAHDI spans as the kernel reports them now (DAHDI_SPANSTAT): alarms and counters."""
    if info.get("driver") != "dahdi":
        return {}
    out = []
    for spanno in info.get("dahdi_spans", []):
        try:
            s = board.engine.dahdi_span_status(spanno)
        except EngineError as exc:
            out.append({"spanno": spanno, "error": str(exc)})
            continue
        out.append({"spanno": s.spanno, "name": s.name, "desc": s.desc, "alarms": s.alarm_text,
                    "spantype": s.spantype, "lineconfig": s.lineconfig, "syncsrc": s.syncsrc,
                    "counters": {"bpv": s.bpvcount, "crc4": s.crc4count, "ebit": s.ebitcount, "fas": s.fascount,
                                 "errsec": s.errsec, "irqmisses": s.irqmisses}})
    return {"dahdi": out}


@command("cas", ADMIN)
def cas(board, sess, msg):
    """Set the ABCD bits an E1 CAS line sends (bits: "1101" or 13)."""
    line = board.line(msg.get("chan"))
    raw = arg(msg, "bits", (str, int))
    try:
        bits = int(raw, 2) if isinstance(raw, str) else raw
    except ValueError:
        bits = -1
    if not 0 <= bits <= 15:
        raise BadRequest("cas: 'bits' must be four bits, like \"1101\" or 13")
    if not hasattr(line.sig, "set_bits"):
        raise WrongState(f"{line.name} is not a CAS line (span signalling = \"cas\" on a dahdi E1 span)")
    line.sig.set_bits(bits)
    return {"chan": line.name, "bits": format(bits, "04b")}


# ---- call control --------------------------------------------------------------------------------

@command("answer")
def answer(board, sess, msg):
    line = board.owned_line(sess, msg.get("chan"))
    if line.state not in (LineState.RINGING, LineState.OFFERED):
        raise WrongState(f"{line.name} is {line.state.value}; only a ringing call can be answered")
    engine_safe(line.sig.answer)
    return None


@command("hangup")
def hangup(board, sess, msg):
    line = board.owned_line(sess, msg.get("chan"))
    cause = arg(msg, "cause", str, "normal")
    if line.state in (LineState.IDLE, LineState.CLEARING):
        return {"already": True}
    engine_safe(lambda: line.sig.hangup(cause))
    return None


def _play_items(board, msg: dict[str, Any]) -> list[Any]:
    items = arg(msg, "items", list, check=lambda v: 0 < len(v) <= 100, what="must list 1 to 100 items")
    out: list[Any] = []
    for it in items:
        if isinstance(it, str):
            out.append(board.prompt_path(it))
        elif isinstance(it, dict) and isinstance(it.get("tone"), str):
            out.append(("tone", it["tone"], int(it.get("ms", 0))))
        elif isinstance(it, dict) and isinstance(it.get("silence"), int):
            out.append(("silence", it["silence"]))
        else:
            raise BadRequest(f"play: item {it!r} is not a file name, {{'tone': name}} or {{'silence': ms}}")
    return out


def _media_line(board, sess, msg):
    line = board.owned_line(sess, msg.get("chan"))
    if line.state not in (LineState.UP, LineState.DIALING, LineState.PROCEEDING, LineState.RINGING,
                          LineState.OFFERED):
        raise WrongState(f"{line.name} is {line.state.value}")
    return line


@command("play")
def play(board, sess, msg):
    line = _media_line(board, sess, msg)
    items = _play_items(board, msg)
    pid = engine_safe(lambda: board.engine.play(line.chan, items, barge_in=bool(msg.get("barge_in")),
                                                loop=bool(msg.get("loop"))))
    line.playbacks.add(pid)
    board.record_event(line, "play", playback=pid, items=[i if isinstance(i, str) else list(i) for i in items])
    return {"playback": pid}


@command("stop")
def stop(board, sess, msg):
    line = board.owned_line(sess, msg.get("chan"))
    engine_safe(lambda: board.engine.play_stop(line.chan, arg(msg, "playback", int, 0)))
    return None


@command("send_dtmf")
def send_dtmf(board, sess, msg):
    line = _media_line(board, sess, msg)
    digits = arg(msg, "digits", str, check=lambda d: bool(re.fullmatch(r"[0-9*#A-Da-d]{1,64}", d)),
                 what="must be 1-64 DTMF digits")
    return {"id": engine_safe(lambda: board.engine.send_dtmf(line.chan, digits))}


@command("flash")
def flash(board, sess, msg):
    line = _media_line(board, sess, msg)
    try:
        line.sig.flash()
    except NotImplementedError as exc:
        raise WrongState(str(exc)) from exc
    return None


@command("record")
def record(board, sess, msg):
    line = _media_line(board, sess, msg)
    modes = {"rx": RecMode.RX, "tx": RecMode.TX, "mix": RecMode.MIX, "stereo": RecMode.STEREO}
    mode = arg(msg, "mode", str, "mix", check=lambda m: m in modes, what=f"must be one of {', '.join(modes)}")
    name = arg(msg, "name", str, "", check=lambda n: re.fullmatch(r"[A-Za-z0-9_.-]{0,100}", n) is not None,
               what="may hold only letters, digits, '_', '.' and '-'")
    call_id = line.call.call_id if line.call else "nocall"
    day = time.strftime("%Y/%m/%d")
    fname = (name or f"{call_id}-{board.engine.new_id()}")
    if not fname.endswith(".wav"):
        fname += ".wav"
    path = os.path.join(board.recordings_dir, day, fname)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    rid = engine_safe(lambda: board.engine.record(
        line.chan, path, modes[mode], Codec.ALAW, max_ms=arg(msg, "max_ms", int, 0),
        silence_ms=arg(msg, "silence_ms", int, 0), stop_digits=arg(msg, "stop_digits", str, "")))
    line.recordings[rid] = path
    board.record_event(line, "record_start", recording=rid, path=path)
    return {"recording": rid, "path": path}


@command("stop_record")
def stop_record(board, sess, msg):
    line = board.owned_line(sess, msg.get("chan"))
    engine_safe(lambda: board.engine.record_stop(line.chan, arg(msg, "recording", int, 0)))
    return None


@command("collect")
def collect(board, sess, msg):
    line = _media_line(board, sess, msg)
    spec = CollectSpec(
        min_digits=arg(msg, "min", int, 1, check=lambda v: 0 <= v <= 64),
        max_digits=arg(msg, "max", int, 1, check=lambda v: 1 <= v <= 64),
        terminators=arg(msg, "terminators", str, "#"),
        first_timeout_ms=arg(msg, "first_timeout_ms", int, 5000, check=lambda v: 0 < v <= 600000),
        inter_timeout_ms=arg(msg, "inter_timeout_ms", int, 3000, check=lambda v: 0 < v <= 600000),
        secret=arg(msg, "secret", bool, False),
        skip_leading=arg(msg, "skip_leading", str, "", check=lambda v: all(d in "*#" for d in v)))
    initial = arg(msg, "initial", str, "", check=lambda v: len(v) <= 64 and all(d in "0123456789*#ABCD" for d in v))
    if initial and msg.get("prompt"):
        raise BadRequest("collect: 'initial' digits and a 'prompt' exclude each other")
    if line.collect and not line.collect.finished:
        line.collect.cancel("replaced")
    pid = None
    items: list = []
    if msg.get("prompt"):
        items = _play_items(board, {"cmd": "collect", "items": msg["prompt"]})
        pid = engine_safe(lambda: board.engine.play(line.chan, items, barge_in=True))
        line.playbacks.add(pid)
    cid = board.engine.new_id()

    def done(col: DigitCollector, digits: str, reason: str) -> None:
        if line.collect is col:
            line.collect = None
        if col.prompt_id:
            board.engine.play_stop(line.chan, col.prompt_id)
        board.record_event(line, "collect", digits="*" * len(digits) if spec.secret else digits, reason=reason)
        board.tell_owner(line, "collect_done", collect=col.id, digits=digits, reason=reason)
    board.record_event(line, "collect_start", collect=cid, min=spec.min_digits, max=spec.max_digits,
                       prompt=[i if isinstance(i, str) else list(i) for i in items] if pid is not None else [])
    line.collect = col = DigitCollector(cid, spec, board.timers, done, prompt_id=pid)
    for d in initial:           # keys pressed before (during a barge-in prompt of the application's)
        col.digit(d)
    return {"collect": cid}


@command("detect")
def detect(board, sess, msg):
    line = _media_line(board, sess, msg)
    dsp = line.sig.media_dsp()
    if msg.get("tones"):
        dsp |= Dsp.PROGRESS
    if msg.get("voice"):
        dsp |= Dsp.VAD
    if msg.get("fax"):
        dsp |= Dsp.FAXTONE
    engine_safe(lambda: board.engine.set_dsp(line.chan, dsp))
    return None


# ---- bridges and conferences ----------------------------------------------------------------------

@command("bridge")
def bridge(board, sess, msg):
    names = arg(msg, "chans", list, check=lambda v: len(v) >= 2, what="must name at least two channels")
    lines = [board.owned_line(sess, n) for n in names]
    if len({ln.name for ln in lines}) != len(lines):
        raise BadRequest("bridge: a channel is named twice")
    for ln in lines:
        if ln.state != LineState.UP:
            raise WrongState(f"{ln.name} is {ln.state.value}; only connected calls can be bridged")
    return {"bridge": board.make_bridge(lines)}


@command("unbridge")
def unbridge(board, sess, msg):
    line = board.owned_line(sess, msg.get("chan"))
    board.leave_bridge(line)
    return None


@command("conf_join")
def conf_join(board, sess, msg):
    line = _media_line(board, sess, msg)
    conf = arg(msg, "conf", str, check=lambda c: 0 < len(c) <= 64)
    roles = {"speak": ConfRole.SPEAK, "listen": ConfRole.LISTEN, "whisper": ConfRole.WHISPER}
    role = arg(msg, "role", str, "speak", check=lambda r: r in roles, what="must be speak, listen or whisper")
    target = board.line(arg(msg, "whisper_to", str)) if role == "whisper" else None
    engine_safe(lambda: board.bridges.conference(line, conf, roles[role], target))
    return None


@command("conf_leave")
def conf_leave(board, sess, msg):
    line = board.owned_line(sess, msg.get("chan"))
    engine_safe(lambda: board.leave_bridge(line))
    return None


# ---- outbound and allocation ------------------------------------------------------------------------

@command("dial")
def dial(board, sess, msg):
    group_name = arg(msg, "trunk_group", str)
    number = arg(msg, "number", str, check=lambda n: bool(re.fullmatch(r"[0-9*#]{1,32}", n)),
                 what="must be 1-32 digits")
    group = board.trunk_groups.get(group_name)
    if group is None:
        raise BadRequest(f"dial: no trunk group {group_name!r}")
    line = group.pick()
    if line is None:
        raise Unavailable(f"dial: every line of {group_name} is busy")
    caller_id = arg(msg, "caller_id", str, group.caller_id)
    line.owner = sess.name
    call = line.new_call("outbound", board.now(), caller=caller_id, dialled=number, trunk_group=group.name,
                         application=sess.app, call_id=arg(msg, "call_id", str, None))
    timeout = arg(msg, "timeout_ms", int, 0, check=lambda v: 0 <= v <= 600000)
    if timeout:
        line.sig.opt = type(line.sig.opt)(**{**line.sig.opt.__dict__, "no_answer_ms": timeout})
    try:
        line.sig.dial(number, caller_id)
    except (RuntimeError, EngineError) as exc:
        line.owner = None
        line.call = None
        raise Unavailable(f"dial: {exc}") from exc
    return {"chan": line.name, "call_id": call.call_id}


@command("transfer")
def transfer(board, sess, msg):
    """Blind transfer to a number: chand dials it on a trunk group and, once answered, bridges the
    caller to it and looks after both legs itself; the application is done with the call."""
    line = board.owned_line(sess, msg.get("chan"))
    if line.state != LineState.UP:
        raise WrongState(f"{line.name} is {line.state.value}; only a connected call can be transferred")
    group = board.trunk_groups.get(arg(msg, "trunk_group", str))
    if group is None:
        raise BadRequest(f"transfer: no trunk group {msg.get('trunk_group')!r}")
    number = arg(msg, "number", str, check=lambda n: bool(re.fullmatch(r"[0-9*#]{1,32}", n)),
                 what="must be 1-32 digits")
    phone = group.extension(number)         # an agent's phone by its extension, not any free line
    if phone is not None and (phone.state != LineState.IDLE or phone.owner):
        raise Unavailable(f"transfer: extension {number} ({phone.name}) is busy")
    out = phone or group.pick()
    if out is None:
        raise Unavailable(f"transfer: every line of {group.name} is busy")
    caller_id = arg(msg, "caller_id", str, line.call.caller if line.call else group.caller_id)
    return {"chan": board.transfer(line, out, group.name, number, caller_id,
                                   arg(msg, "timeout_ms", int, 45000, check=lambda v: 0 < v <= 600000),
                                   arg(msg, "ringback", bool, True))}


@command("handoff")
def handoff(board, sess, msg):
    line = board.owned_line(sess, msg.get("chan"))
    application = arg(msg, "app", str)
    if not line.busy:
        raise WrongState(f"{line.name} has no call to hand over")
    data = arg(msg, "data", dict, None)
    board.leave_bridge(line)
    if not board.hand_to(line, application, reason=arg(msg, "reason", str, "handoff"), from_session=sess,
                         data=data):
        raise Unavailable(f"handoff: application {application!r} is not connected")
    return None


# ---- fax ------------------------------------------------------------------------------------------------

@command("fax")
def fax(board, sess, msg):
    line = _media_line(board, sess, msg)
    direction = arg(msg, "direction", str, check=lambda d: d in ("send", "receive"), what="must be send or receive")
    path = arg(msg, "path", str)
    if direction == "send" and not os.path.isfile(path):
        raise BadRequest(f"fax: {path} does not exist")
    calling = arg(msg, "calling", bool, line.call.direction == "outbound" if line.call else True)
    board.echo(line, False)         # fax modems want no echo canceller on the line
    fid = engine_safe(lambda: board.engine.fax(line.chan, path, send=direction == "send", calling=calling,
                                               ecm=arg(msg, "ecm", bool, True), ident=arg(msg, "ident", str, ""),
                                               header=arg(msg, "header", str, "")))
    line.fax_id = fid
    return {"fax": fid}


# ---- the simulated far ends (tests, the demo) --------------------------------------------------------------

def _far_observer(board, sess: Session):
    def observe(far, what: str, data: dict[str, Any]) -> None:
        if not sess.closed:
            sess.send_event("far", far=far.name, what=what, time_ms=board.now(), **data)
    return observe


def _take_far(board, sess, far) -> None:
    far.observer = _far_observer(board, sess)
    far.extra["owner"] = sess.name


@command("mwi")
def mwi(board, sess, msg):
    """Messages waiting for an extension: each phone port with that extension shows the count
    (stutter dial tone, FSK to the idle phone, the card's lamp) as its span's `mwi` says; 0 clears."""
    extension = arg(msg, "extension", str, check=lambda n: bool(re.fullmatch(r"[0-9*#]{1,32}", n)),
                    what="must be 1-32 digits")
    messages = arg(msg, "messages", int, check=lambda n: 0 <= n <= 9999, what="must be from 0 to 9999")
    phones = [ln for ln in board.lines.values() if ln.extension == extension and hasattr(ln.sig, "set_messages")]
    for line in phones:
        engine_safe(lambda: line.sig.set_messages(messages))
    return {"lines": [ln.name for ln in phones]}


@command("sim.call", APP)
def sim_call(board, sess, msg):
    if board.sim is None:
        raise Unavailable("there are no simulated spans")
    if "chan" in msg:
        far = board.far(msg["chan"])
    else:
        span = arg(msg, "span", str)
        idle = [f for f in board.sim.by_chan.values()
                if f.near_name.split("/")[0] == span and f.state == FarState.IDLE
                and board.lines[f.near_name].state == LineState.IDLE]
        if not idle:
            raise Unavailable(f"sim.call: no idle line on span {span!r}")
        far = idle[0]
    _take_far(board, sess, far)
    far.extra["cid_name"] = msg.get("cid_name")
    far.extra["cid_datetime"] = msg.get("cid_datetime")
    try:
        board.sim.call(far, arg(msg, "caller", str, ""), arg(msg, "dialled", str, ""), cid=msg.get("cid"))
    except RuntimeError as exc:
        raise WrongState(str(exc)) from exc
    return {"far": far.name, "chan": far.near_name}


@command("sim.take", APP)
def sim_take(board, sess, msg):
    far = board.far(msg.get("far"))
    _take_far(board, sess, far)
    if "auto_answer_rings" in msg:
        far.auto_answer_rings = arg(msg, "auto_answer_rings", int)
    return {"far": far.name}


@command("sim.hangup", APP)
def sim_hangup(board, sess, msg):
    board.sim.hangup(board.far(msg.get("far")))
    return None


@command("sim.flash", APP)
def sim_flash(board, sess, msg):
    """The far end flashes its hook (a phone's recall key; an exchange's flash is not simulated)."""
    far = board.far(msg.get("far"))
    engine_safe(lambda: board.engine.hook(far.chan, Hook.FLASH))
    return None


@command("sim.answer", APP)
def sim_answer(board, sess, msg):
    board.sim.answer(board.far(msg.get("far")))
    return None


@command("sim.dtmf", APP)
def sim_dtmf(board, sess, msg):
    far = board.far(msg.get("far"))
    digits = arg(msg, "digits", str, check=lambda d: bool(re.fullmatch(r"[0-9*#A-Da-d]{1,64}", d)))
    return {"id": engine_safe(lambda: board.engine.send_dtmf(far.chan, digits, arg(msg, "on_ms", int, 100),
                                                            arg(msg, "off_ms", int, 100)))}


@command("sim.play", APP)
def sim_play(board, sess, msg):
    far = board.far(msg.get("far"))
    items = _play_items(board, msg)
    return {"playback": engine_safe(lambda: board.engine.play(far.chan, items))}


@command("sim.record", APP)
def sim_record(board, sess, msg):
    far = board.far(msg.get("far"))
    path = arg(msg, "path", str)
    codec = Codec.LINEAR if path.endswith(".wav") and msg.get("linear", True) else Codec.ALAW
    return {"recording": engine_safe(lambda: board.engine.record(far.chan, path, RecMode.RX, codec,
                                                                max_ms=arg(msg, "max_ms", int, 0)))}


@command("sim.stop_record", APP)
def sim_stop_record(board, sess, msg):
    far = board.far(msg.get("far"))
    engine_safe(lambda: board.engine.record_stop(far.chan, 0))
    return None


@command("sim.fax", APP)
def sim_fax(board, sess, msg):
    far = board.far(msg.get("far"))
    direction = arg(msg, "direction", str, check=lambda d: d in ("send", "receive"))
    return {"fax": engine_safe(lambda: board.engine.fax(far.chan, arg(msg, "path", str), send=direction == "send",
                                                        calling=arg(msg, "calling", bool, True),
                                                        ecm=arg(msg, "ecm", bool, True)))}


@command("sim.heard", APP)
def sim_heard(board, sess, msg):
    far = board.far(msg.get("far"))
    return {"digits": far.heard_digits, "state": far.state.value, "dialled": far.dialled}


# ---- the sound-card phone (driver local) ---------------------------------------------------------------

def _local_line(board, msg):
    line = board.line(arg(msg, "chan", str))
    if not line.local:
        raise BadRequest(f"{line.name} is not the sound-card phone")
    return line


@command("local.lift", APP)
def local_lift(board, sess, msg):
    line = _local_line(board, msg)
    engine_safe(lambda: board.engine.local_hook(line.chan, True))
    return None


@command("local.hangup", APP)
def local_hangup(board, sess, msg):
    line = _local_line(board, msg)
    engine_safe(lambda: board.engine.local_hook(line.chan, False))
    return None


@command("local.keys", APP)
def local_keys(board, sess, msg):
    line = _local_line(board, msg)
    digits = arg(msg, "digits", str, check=lambda d: bool(re.fullmatch(r"[0-9*#A-Da-d]{1,32}", d)))
    engine_safe(lambda: board.engine.local_dtmf(line.chan, digits))
    return None


# ---- administration -------------------------------------------------------------------------------------------

@command("reload", ADMIN)
def reload(board, sess, msg):
    if board.reloader is None:
        raise Unavailable("this chand was started without a configuration file")
    return board.reloader()
