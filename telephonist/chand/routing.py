"""Inbound routing: which application gets a call, by dialled number and by port."""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    application: str                  # "ivr:main", "queue:sales", "conf:board", "fax:inbox", "app:crm"
    dialled: str | None = None        # fnmatch pattern of the dialled number (DNIS), None: any
    lines: tuple[str, ...] = ()       # line names or "span/*" patterns, empty: any
    caller: str | None = None         # fnmatch pattern of the caller number, None: any
    record: bool | None = None        # record the whole call from the answer (None: as [routing] record says)

    def matches(self, line_name: str, dialled: str, caller: str) -> bool:
        if self.dialled is not None and not fnmatch.fnmatchcase(dialled or "", self.dialled):
            return False
        return self.applies(line_name, caller)

    def applies(self, line_name: str, caller: str) -> bool:
        """The route is for this line and caller (whatever was dialled)."""
        if self.caller is not None and not fnmatch.fnmatchcase(caller or "", self.caller):
            return False
        if self.lines and not any(fnmatch.fnmatchcase(line_name, p) for p in self.lines):
            return False
        return True


def _tokens(pattern: str) -> list[tuple[str, str]]:
    """An fnmatch pattern as ("*", ""), ("?", ""), ("[", chars) or ("[!", chars), ("=", char) tokens."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c in "*?":
            out.append((c, ""))
            i += 1
            continue
        end = pattern.find("]", i + 2 if pattern[i + 1:i + 2] == "!" else i + 1) if c == "[" else -1
        if c == "[" and end > i + 1:
            body = pattern[i + 1:end]
            out.append(("[!", body[1:]) if body.startswith("!") else ("[", body))
            i = end + 1
        else:
            out.append(("=", c))
            i += 1
    return out


def _in_set(body: str, ch: str) -> bool:
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            if body[i] <= ch <= body[i + 2]:
                return True
            i += 3
        else:
            if body[i] == ch:
                return True
            i += 1
    return False


def could_be_longer(pattern: str, digits: str) -> bool:
    """Whether the fnmatch pattern matches some number longer than `digits` that starts with them (overlap
    receiving: a route that may still be dialled). "100*" can be longer than "100"; "100" and "1?0" cannot."""
    toks = _tokens(pattern)

    def closed(states: set[int]) -> set[int]:
        out = set(states)
        for i in sorted(states):
            while i < len(toks) and toks[i][0] == "*":
                i += 1
                out.add(i)
        return out

    states = closed({0})
    for ch in digits:
        nxt: set[int] = set()
        for i in states:
            if i >= len(toks):
                continue
            kind, arg = toks[i]
            if kind == "*":
                nxt.add(i)
            elif kind == "?" or (kind == "=" and arg == ch) or (kind == "[" and _in_set(arg, ch)) \
                    or (kind == "[!" and not _in_set(arg, ch)):
                nxt.add(i + 1)
        states = closed(nxt)
        if not states:
            return False
    return any(i < len(toks) for i in states)


def split_application(application: str) -> tuple[str, str]:
    """"ivr:main" -> ("ivr", "main"); "app:crm" -> ("crm", ""); "ivr" -> ("ivr", "").

    A conference room, "conf:sales", is ivrd's too: it takes the PIN and puts the caller in the room
    ("conf:sales" -> ("ivr", "conf:sales"))."""
    kind, _, arg = application.partition(":")
    if kind == "app":
        return arg, ""
    if kind == "conf":
        return "ivr", application
    return kind, arg


class Router:
    def __init__(self, routes: list[Route], default: str | None = None, record: bool = False) -> None:
        self.routes = list(routes)
        self.default = default
        self.record = record              # [routing] record: whole calls are recorded unless a route says not

    def route(self, line_name: str, dialled: str, caller: str) -> str | None:
        return self.decide(line_name, dialled, caller)[0]

    def number_complete(self, line_name: str, dialled: str, caller: str) -> bool:
        """Overlap receiving: the digits so far are the whole number, as far as routing can tell: no route of this
        line and caller names a longer number that starts with them (one that matches them is taken at once, one
        ending in * waits for the far end's Sending Complete or the span's timeout)."""
        return not any(r.dialled is not None and r.applies(line_name, caller) and could_be_longer(r.dialled, dialled)
                       for r in self.routes)

    def decide(self, line_name: str, dialled: str, caller: str) -> tuple[str | None, bool]:
        """Where an inbound call goes, and whether chand records it whole."""
        for r in self.routes:
            if r.matches(line_name, dialled, caller):
                return r.application, self.record if r.record is None else r.record
        return self.default, self.record
