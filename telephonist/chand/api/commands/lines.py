"""What some lines can do beyond calls: a raw E1 CAS line's bits, an MFC-R2 line's blocking, a phone port's
message waiting."""
from __future__ import annotations

from telephonist.chand.api.commands.registry import ADMIN, Commands, arg, digits_arg, engine_safe
from telephonist.chand.api.errors import BadRequest, WrongState

COMMANDS = Commands()
command = COMMANDS


@command("cas", ADMIN)
def cas(board, sess, msg):
    """Set the ABCD bits an E1 CAS line sends (bits: "1101" or 13)."""
    line = board.line(msg.get("chan"))
    raw = arg(msg, "bits", (str, int))
    try:
        bits = int(raw, 2) if isinstance(raw, str) and len(raw) <= 4 else raw if isinstance(raw, int) else -1
    except ValueError:
        bits = -1
    if not 0 <= bits <= 15:
        raise BadRequest("cas: 'bits' must be four bits, like \"1101\" or 13")
    if not line.sig.has_bits:
        raise WrongState(f"{line.name} is not a CAS line (span signalling = \"cas\" on a dahdi E1 span)")
    engine_safe(lambda: line.sig.set_bits(bits))
    return {"chan": line.name, "bits": format(bits, "04b")}


@command("block", ADMIN)
def block(board, sess, msg):
    """Block an idle MFC-R2 line towards the far end (blocked = true), or free it again (false)."""
    line = board.line(msg.get("chan"))
    blocked = arg(msg, "blocked", bool)
    if not line.sig.has_blocking:
        raise WrongState(f"{line.name} cannot be blocked towards the far end (only MFC-R2 lines: span "
                         f"signalling = \"r2\" on a dahdi E1 span)")
    try:
        engine_safe(lambda: line.sig.set_blocked(blocked))
    except ValueError as exc:
        raise WrongState(str(exc)) from None
    return {"chan": line.name, "blocked": blocked, "state": line.state.value}


@command("restart", ADMIN)
def restart(board, sess, msg):
    """RESTART ISDN PRI B-channels (Q.931 5.5): one line (`chan`) or every line of a span (`span`). A call on a
    channel ends at once (cause 41); subscribers are told `line_restarted` when the far end acknowledges."""
    if ("chan" in msg) == ("span" in msg):
        raise BadRequest("restart: give 'chan' (a line) or 'span' (all its lines)")
    if "chan" in msg:
        lines = [board.line(msg.get("chan"))]
    else:
        name = arg(msg, "span", str)
        lines = [ln for ln in board.lines.values() if ln.span == name]
        if not lines:
            raise BadRequest(f"restart: no span '{name}'")
    for line in lines:
        if not line.sig.has_restart:
            raise WrongState(f"{line.name} cannot be restarted (only ISDN PRI B-channels: span signalling = \"pri\" "
                             f"on a dahdi E1 span)")
    for line in lines:
        engine_safe(line.sig.restart)
    return {"restarting": [ln.name for ln in lines]}


@command("mwi")
def mwi(board, sess, msg):
    """Messages waiting for an extension: each phone port with that extension shows the count
    (stutter dial tone, FSK to the idle phone, the card's lamp) as its span's `mwi` says; 0 clears."""
    extension = digits_arg(msg, "extension")
    messages = arg(msg, "messages", int, check=lambda n: 0 <= n <= 9999, what="must be from 0 to 9999")
    phones = [ln for ln in board.lines.values() if ln.extension == extension and ln.sig.has_messages]
    for line in phones:
        engine_safe(lambda: line.sig.set_messages(messages))
    return {"lines": [ln.name for ln in phones]}


@command("learn_busy", ADMIN)
def learn_busy(board, sess, msg):
    """Listen to an analog exchange line's next calls for `minutes` (0 stops): from two calls whose far end's
    hang-up chand did not hear, the same tone at their end is the line's disconnect tone, told to the
    subscribers as `busy_tone_learnt` (`telephonist learn-busy SPAN/N --listen`)."""
    line = board.line(msg.get("chan"))
    minutes = arg(msg, "minutes", int, check=lambda n: 0 <= n <= 7 * 24 * 60, what="must be from 0 to 10080")
    if not hasattr(line.sig, "disconnect_tone"):
        raise BadRequest(f"learn_busy: {line.name} is not an analog exchange (fxo) line")
    if minutes and line.sig.disconnect_tone is not None:
        raise WrongState(f"learn_busy: {line.name} already has a disconnect tone of its own "
                         f"({line.sig.disconnect_tone.describe()})")
    until = board.busy_learning.listen(line, minutes)
    return {"chan": line.name, "listening": bool(until), "until_ms": until}
