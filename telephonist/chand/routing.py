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
        if self.caller is not None and not fnmatch.fnmatchcase(caller or "", self.caller):
            return False
        if self.lines and not any(fnmatch.fnmatchcase(line_name, p) for p in self.lines):
            return False
        return True


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

    def decide(self, line_name: str, dialled: str, caller: str) -> tuple[str | None, bool]:
        """Where an inbound call goes, and whether chand records it whole."""
        for r in self.routes:
            if r.matches(line_name, dialled, caller):
                return r.application, self.record if r.record is None else r.record
        return self.default, self.record
