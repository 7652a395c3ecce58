"""Saying who you are, what you want to hear about, what chand looks like now, and reloading it."""
from __future__ import annotations

import re
from typing import Any

from telephonist.chand.api import PROTOCOL_VERSION
from telephonist.chand.api.commands.registry import ADMIN, ANY, Commands, arg
from telephonist.chand.api.errors import BadRequest, Forbidden, Unavailable, WrongState
from telephonist.chand.api.session import ROLE_RANK, ROLES
from telephonist.engine import EngineError

COMMANDS = Commands()
command = COMMANDS


@command("hello", ANY)
def hello(board, sess, msg):
    app = arg(msg, "app", str, check=lambda s: bool(re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", s)),
              what="must be 1-64 letters, digits, '_', '.' or '-'")
    role = arg(msg, "role", str, "app", check=lambda r: r in ROLES, what=f"must be one of {', '.join(ROLES)}")
    version = arg(msg, "version", int, PROTOCOL_VERSION)
    if version > PROTOCOL_VERSION:
        raise BadRequest(f"protocol version {version} is newer than this chand's {PROTOCOL_VERSION}")
    if sess.role is not None:
        raise WrongState("hello was already said")
    token = None
    if not sess.trusted:
        token = arg(msg, "token", str, "", check=lambda t: len(t) <= 256)
        grant = board.tokens.get(token) if token else None
        if grant is None:
            raise Forbidden("a valid token is needed on TCP")
        if ROLE_RANK[role] > ROLE_RANK[grant.role]:
            raise Forbidden(f"the token allows role {grant.role}, not {role}")
        if not grant.allows(app):
            raise Forbidden(f"the token {grant.name!r} is not for application {app!r}")
    sess.app, sess.role, sess.token = app, role, token
    sess.token_name = board.tokens[token].name if token else None
    board.register(sess)
    return {"session": sess.name, "node": board.node, "protocol": PROTOCOL_VERSION}


@command("subscribe", ANY)
def subscribe(board, sess, msg):
    sess.subscribed = bool(arg(msg, "lines", bool, True))
    sess.subscribed_calls = bool(arg(msg, "calls", bool, False))
    topics = arg(msg, "topics", list, [], check=lambda t: len(t) <= 32 and all(
        isinstance(x, str) and 0 < len(x) <= 64 for x in t), what="must list up to 32 topic names")
    sess.topics = set(topics)
    return None


@command("status", ANY)
def status(board, sess, msg):
    now = board.now()
    st = board.engine.stats()
    return {
        "node": board.node, "time_ms": now, "origin_ms": board.origin_ms,
        "lines": [ln.describe(now) for ln in board.lines.values()],
        "spans": [dict(name=name, **info, **dahdi_status(board, info)) for name, info in board.spans.items()],
        "trunk_groups": [{"name": g.name, "hunting": g.hunting, "lines": [ln.name for ln in g.lines]}
                         for g in board.trunk_groups.values()],
        "applications": sorted({s.name for s in board.sessions.values()}),
        "engine": {"ticks": st.ticks, "late_ticks": st.late_ticks, "active_channels": st.active_channels,
                   "events_dropped": st.events_dropped},
        "records_waiting": board.recorder.backlog if board.recorder else 0,
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


@command("reload", ADMIN)
def reload(board, sess, msg):
    if board.reloader is None:
        raise Unavailable("this chand was started without a configuration file")
    return board.reloader()


@command("reclaim")
def reclaim(board, sess, msg):
    """An application that went away and came back takes its calls again: those held for it by the fallback
    (`then = "return"`) and those that talked on without it. Each comes as an `offer` (reason "returned",
    with its last handoff's data, or "adopted", with its bridge), and the reply lists those offers too."""
    return {"calls": board.reclaim(sess)}
