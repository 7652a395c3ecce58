"""What a call's channel does: play, record, collect digits, listen for tones, send DTMF, fax."""
from __future__ import annotations

import os
import re

from telephonist.chand.api.commands.registry import (Commands, arg, dtmf_arg, engine_safe, media_line, ms_arg,
                                                     play_items)
from telephonist.chand.api.errors import BadRequest
from telephonist.chand.collect import CollectSpec
from telephonist.engine import AMD_DEFAULTS, RecMode

COMMANDS = Commands()
command = COMMANDS
REC_MODES = {"rx": RecMode.RX, "tx": RecMode.TX, "mix": RecMode.MIX, "stereo": RecMode.STEREO}


@command("play")
def play(board, sess, msg):
    line = media_line(board, sess, msg)
    items = play_items(board, msg)
    pid = engine_safe(lambda: board.media.play(line, items, barge_in=arg(msg, "barge_in", bool, False),
                                               loop=arg(msg, "loop", bool, False)))
    return {"playback": pid}


@command("stop")
def stop(board, sess, msg):
    line = board.owned_line(sess, msg.get("chan"))
    playback = arg(msg, "playback", int, 0, check=lambda p: 0 <= p < 2 ** 31)
    collect = arg(msg, "collect", int, 0, check=lambda c: 0 <= c < 2 ** 63)
    if collect:
        board.media.stop_collect(line, collect)
        if "playback" not in msg:
            return None
    engine_safe(lambda: board.media.stop(line, playback))
    return None


@command("send_dtmf")
def send_dtmf(board, sess, msg):
    line = media_line(board, sess, msg)
    digits = dtmf_arg(msg)
    return {"id": engine_safe(lambda: board.media.send_dtmf(line, digits))}


@command("record")
def record(board, sess, msg):
    line = media_line(board, sess, msg)
    mode = arg(msg, "mode", str, "mix", check=lambda m: m in REC_MODES,
               what=f"must be one of {', '.join(REC_MODES)}")
    name = arg(msg, "name", str, "", check=lambda n: re.fullmatch(r"[A-Za-z0-9_.-]{0,100}", n) is not None
               and n not in (".", ".."), what="may hold only letters, digits, '_', '.' and '-'")
    max_ms = ms_arg(msg, "max_ms", 0)
    silence_ms = ms_arg(msg, "silence_ms", 0)
    stop_digits = arg(msg, "stop_digits", str, "", check=lambda d: len(d) <= 16 and all(c in "0123456789*#ABCD" for c in d),
                      what="must be DTMF keys")
    rec = engine_safe(lambda: board.media.record(line, REC_MODES[mode], name, max_ms, silence_ms, stop_digits,
                                                    by=sess.app or ""))
    return {"recording": rec.id, "path": rec.path}


@command("stop_record")
def stop_record(board, sess, msg):
    line = board.owned_line(sess, msg.get("chan"))
    recording = arg(msg, "recording", int, 0, check=lambda r: 0 <= r < 2 ** 31)
    engine_safe(lambda: board.media.stop_record(line, recording))
    return None


@command("collect")
def collect(board, sess, msg):
    line = media_line(board, sess, msg)
    spec = CollectSpec(
        min_digits=arg(msg, "min", int, 1, check=lambda v: 0 <= v <= 64),
        max_digits=arg(msg, "max", int, 1, check=lambda v: 1 <= v <= 64),
        terminators=arg(msg, "terminators", str, "#", check=lambda v: len(v) <= 16),
        first_timeout_ms=ms_arg(msg, "first_timeout_ms", 5000, low=1, high=600000),
        inter_timeout_ms=ms_arg(msg, "inter_timeout_ms", 3000, low=1, high=600000),
        secret=arg(msg, "secret", bool, False),
        skip_leading=arg(msg, "skip_leading", str, "", check=lambda v: len(v) <= 4 and all(d in "*#" for d in v)))
    initial = arg(msg, "initial", str, "", check=lambda v: len(v) <= 64 and all(d in "0123456789*#ABCD" for d in v))
    prompt = play_items(board, msg, "prompt") if msg.get("prompt") else []
    if initial and prompt:
        raise BadRequest("collect: 'initial' digits and a 'prompt' exclude each other")
    return {"collect": engine_safe(lambda: board.media.collect(line, spec, initial, prompt))}


@command("conceal")
def conceal(board, sess, msg):
    """The call's last `keys` keys were a secret (typed ahead of a password question the application
    answered from them): the call's record keeps them as '*'."""
    line = media_line(board, sess, msg)
    keys = arg(msg, "keys", int, check=lambda n: 1 <= n <= 64, what="must be from 1 to 64")
    board.media.conceal(line, keys)
    return None


@command("detect")
def detect(board, sess, msg):
    line = media_line(board, sess, msg)
    engine_safe(lambda: board.media.detect(line, tones=arg(msg, "tones", bool, False),
                                           voice=arg(msg, "voice", bool, False), fax=arg(msg, "fax", bool, False)))
    return None


@command("amd")
def amd(board, sess, msg):
    """Answering-machine detection on the call's line; settings other than the defaults by name."""
    line = media_line(board, sess, msg)
    settings = {name: arg(msg, name, int, check=lambda v: -1_000_000 <= v <= 1_000_000)
                for name in AMD_DEFAULTS if name in msg}
    return {"amd": engine_safe(lambda: board.media.amd(line, settings))}


@command("fax")
def fax(board, sess, msg):
    line = media_line(board, sess, msg)
    direction = arg(msg, "direction", str, check=lambda d: d in ("send", "receive"), what="must be send or receive")
    path = board.media.folders.fax_file(arg(msg, "path", str, check=lambda p: 0 < len(p) <= 4096))
    if direction == "send" and not os.path.isfile(path):
        raise BadRequest(f"fax: {path} does not exist")
    calling = arg(msg, "calling", bool, line.call.direction == "outbound")
    ecm = arg(msg, "ecm", bool, True)
    ident = arg(msg, "ident", str, "", check=lambda s: len(s) <= 20)
    header = arg(msg, "header", str, "", check=lambda s: len(s) <= 100)
    fid = engine_safe(lambda: board.media.fax(line, direction == "send", path, calling, ecm, ident, header))
    return {"fax": fid}
