"""Call control: answer, hang up, dial out, transfer, hand a call to another application, flash."""
from __future__ import annotations

from telephonist.chand.api.commands.registry import Commands, arg, digits_arg, engine_safe, media_line, ms_arg
from telephonist.chand.api.errors import BadRequest, Forbidden, Unavailable, WrongState
from telephonist.chand.line import LineState
from telephonist.chand.signalling.pri import REDIRECT_REASONS
from telephonist.engine import EngineError

COMMANDS = Commands()
command = COMMANDS


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
    cause = arg(msg, "cause", str, "normal", check=lambda c: 0 < len(c) <= 64)
    if line.state in (LineState.IDLE, LineState.CLEARING):
        return {"already": True}
    engine_safe(lambda: line.sig.hangup(cause))
    return None


@command("dial")
def dial(board, sess, msg):
    if "chan" in msg and "trunk_group" not in msg:
        return _dial_on_line(board, sess, msg)
    group_name = arg(msg, "trunk_group", str)
    number = digits_arg(msg)
    group = board.trunk_groups.get(group_name)
    if group is None:
        raise BadRequest(f"dial: no trunk group {group_name!r}")
    caller_id = arg(msg, "caller_id", str, group.caller_id, check=lambda c: len(c) <= 32)
    timeout = ms_arg(msg, "timeout_ms", 0, high=600000)
    call_id = arg(msg, "call_id", str, None, check=lambda c: len(c) <= 64)
    redirecting = digits_arg(msg, "redirecting") if "redirecting" in msg else ""
    reason = arg(msg, "redirecting_reason", str, "unconditional", check=lambda r: r in REDIRECT_REASONS,
                 what=f"is one of {', '.join(REDIRECT_REASONS)}")
    line = group.extension(number)          # a phone port with that extension: ring that phone
    if line is not None and (line.state != LineState.IDLE or line.owner):
        raise Unavailable(f"dial: extension {number} ({line.name}) is busy")
    line = line or group.pick()
    if line is None:
        raise Unavailable(f"dial: every line of {group_name} is busy")
    try:
        call = board.start_dial(sess, line, number, caller_id, group.name, call_id, timeout or None,
                                redirecting=(redirecting, reason) if redirecting else None)
    except (RuntimeError, EngineError) as exc:
        raise Unavailable(f"dial: {exc}") from exc
    return {"chan": line.name, "call_id": call.call_id}


def _dial_on_line(board, sess, msg):
    """Dial on one named line, whatever trunk group it is in: a maintenance call (`telephonist learn-busy`
    calls out on the line whose disconnect tone it learns), for admin sessions only."""
    if sess.role != "admin":
        raise Forbidden("dial: only an admin session may dial on a named line (others dial on a trunk group)")
    line = board.line(msg.get("chan"))
    number = digits_arg(msg)
    if line.kind not in ("fxo", "e1"):
        raise BadRequest(f"dial: {line.name} is a phone port; dial on a line from the exchange")
    if line.state != LineState.IDLE or line.owner:
        raise Unavailable(f"dial: {line.name} is {line.state.value}")
    timeout = ms_arg(msg, "timeout_ms", 0, high=600000)
    try:
        call = board.start_dial(sess, line, number, "", "", None, timeout or None)
    except (RuntimeError, EngineError) as exc:
        raise Unavailable(f"dial: {exc}") from exc
    return {"chan": line.name, "call_id": call.call_id}


@command("transfer")
def transfer(board, sess, msg):
    """Blind transfer to a number: chand dials it on a trunk group and, once answered, bridges the
    caller to it and looks after both legs itself; the application is done with the call. On a SIP trunk
    whose span says transfer = "refer", the far end is asked to transfer the call instead (REFER): the
    application hears `transferred` (the call then ends) or `transfer_failed` (it keeps the call)."""
    line = board.owned_line(sess, msg.get("chan"))
    if line.state != LineState.UP:
        raise WrongState(f"{line.name} is {line.state.value}; only a connected call can be transferred")
    if getattr(line.sig, "transfers_by_refer", False):
        number = digits_arg(msg)
        engine_safe(lambda: board.sip_transfers.refer_out(line, number, sess.name))
        return {"chan": line.name, "refer": True}
    group = board.trunk_groups.get(arg(msg, "trunk_group", str))
    if group is None:
        raise BadRequest(f"transfer: no trunk group {msg.get('trunk_group')!r}")
    number = digits_arg(msg)
    timeout = ms_arg(msg, "timeout_ms", 45000, low=1, high=600000)
    ringback = arg(msg, "ringback", bool, True)
    caller_id = arg(msg, "caller_id", str, line.call.caller if line.call else group.caller_id,
                    check=lambda c: len(c) <= 32)
    phone = group.extension(number)         # an agent's phone by its extension, not any free line
    if phone is not None and (phone.state != LineState.IDLE or phone.owner):
        raise Unavailable(f"transfer: extension {number} ({phone.name}) is busy")
    out = phone or group.pick()
    if out is None:
        raise Unavailable(f"transfer: every line of {group.name} is busy")
    reason = arg(msg, "redirecting_reason", str, "deflection", check=lambda r: r in REDIRECT_REASONS,
                 what=f"is one of {', '.join(REDIRECT_REASONS)}")
    engine_safe(lambda: board.transfers.start(line, out, group.name, number, caller_id, timeout, ringback,
                                              redirecting_reason=reason))
    return {"chan": out.name}


@command("handoff")
def handoff(board, sess, msg):
    line = board.owned_line(sess, msg.get("chan"))
    application = arg(msg, "app", str, check=lambda a: 0 < len(a) <= 128)
    if not line.busy:
        raise WrongState(f"{line.name} has no call to hand over")
    data = arg(msg, "data", dict, None)
    reason = arg(msg, "reason", str, "handoff", check=lambda r: len(r) <= 64)
    if not board.handoff(line, application, reason, data):
        raise Unavailable(f"handoff: application {application!r} is not connected")
    return None


@command("annotate")
def annotate(board, sess, msg):
    """What the application knows of its call that the call record keeps: the agent who took it and the
    queue it came through (the ACD says so; reports and the console's "own calls" read them)."""
    line = board.owned_line(sess, msg.get("chan"))
    if line.call is None:
        raise WrongState(f"{line.name} has no call")
    fields = {}
    for key in ("agent", "queue"):
        if key in msg:
            fields[key] = arg(msg, key, str, check=lambda v: 0 < len(v) <= 64, what="must be 1-64 characters")
    if not fields:
        raise BadRequest("annotate: say 'agent' or 'queue'")
    board.annotate(line, **fields)
    return None


@command("flash")
def flash(board, sess, msg):
    line = media_line(board, sess, msg)
    try:
        line.sig.flash()
    except NotImplementedError as exc:
        raise WrongState(str(exc)) from exc
    return None
