"""Trunk groups and inbound routing as the routing page edits them, kept in conf.d/90-webadmin.toml.

The page works on rows; ``RoutingForm.render`` writes the file's text and notes the
lines each row became, so that a problem the configuration loader (or chand's
reload) reports as file:line is shown against its row. The whole configuration is
checked with the new text in place before the file is written
(``load_config(..., overrides=)``), so what chand is asked to apply has passed
the same checks chand makes.
"""
from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any, Mapping

from telephonist.config import ConfigError, Problem, load_config
from telephonist.config.loader import HUNTING
from telephonist.config.model import Config

HEADER = ("# Written by the Telephonist web admin (Configuration > Routing): edit it there.\n"
          "# Its trunk groups, routes and [routing] replace those of telephonist.toml (docs/admin.md).\n")
OWNED_KEYS = ("trunk_groups", "routes", "routing")
_SPLIT = re.compile(r"\s+|,\s*(?=[A-Za-z_])")        # "pstn/1-4,6 e1a/*": a comma before a digit stays in a range
ROUTE_RECORD = ("", "yes", "no")                    # a route's record: as [routing] says, yes, no
_PROBLEM = re.compile(r"^(.*?):(\d+): (.*)$")


def split_lines(text: str) -> list[str]:
    return [p for p in _SPLIT.split(text.strip()) if p]


def toml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)     # a JSON string is a TOML basic string


@dataclass
class GroupRow:
    name: str = ""
    lines: str = ""
    hunting: str = "ascending"
    caller_id: str = ""
    max_calls: str = "0"
    record: bool = False                # its calls are recorded whole (chand's 全程录音)
    problems: list[str] = field(default_factory=list)


@dataclass
class RouteRow:
    dialled: str = ""
    caller: str = ""
    lines: str = ""
    application: str = ""
    record: str = ""                    # "yes", "no" or "" (as [routing] record says)
    problems: list[str] = field(default_factory=list)


@dataclass
class RoutingForm:
    groups: list[GroupRow] = field(default_factory=list)
    routes: list[RouteRow] = field(default_factory=list)
    default: str = ""
    fax: str = ""
    record: bool = False                # [routing] record: every inbound call recorded whole
    default_problems: list[str] = field(default_factory=list)
    other_problems: list[Problem] = field(default_factory=list)    # in other files, or not tied to a row
    _rows: list[tuple[int, int, Any]] = field(default_factory=list, repr=False)
    _keys: dict[str, int] = field(default_factory=dict, repr=False)

    @classmethod
    def from_config(cls, cfg: Config) -> "RoutingForm":
        return cls(
            groups=[GroupRow(g.name, " ".join(g.lines), g.hunting, g.caller_id, str(g.max_calls), g.record)
                    for g in cfg.trunk_groups],
            routes=[RouteRow(r.dialled or "", r.caller or "", " ".join(r.lines), r.application,
                             "" if r.record is None else "yes" if r.record else "no") for r in cfg.routes],
            default=cfg.routing.default, fax=cfg.routing.fax, record=cfg.routing.record)

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> "RoutingForm":
        """Rows from the page's fields (g-N-name ..., r-N-dialled ...); blank and ticked-for-deletion
        rows are left out, routes are put in the order of their r-N-order numbers."""
        f = cls(default=form.get("default", "").strip(), fax=form.get("fax", "").strip(), record=bool(form.get("record")))
        for i in _indexes(form, "g"):
            row = GroupRow(*(form.get(f"g-{i}-{k}", "").strip() for k in ("name", "lines", "hunting", "caller_id",
                                                                             "max_calls")))
            if form.get(f"g-{i}-delete") or not (row.name or row.lines):
                continue
            row.hunting = row.hunting or "ascending"
            row.max_calls = row.max_calls or "0"
            row.record = bool(form.get(f"g-{i}-record"))
            f.groups.append(row)
        ordered = []
        for i in _indexes(form, "r"):
            row = RouteRow(*(form.get(f"r-{i}-{k}", "").strip() for k in ("dialled", "caller", "lines", "application",
                                                                             "record")))
            if form.get(f"r-{i}-delete") or not (row.dialled or row.caller or row.lines or row.application):
                continue
            try:
                order = float(form.get(f"r-{i}-order", "") or i + 1)
            except ValueError:
                order = float(i + 1)
            ordered.append((order, i, row))
        f.routes = [row for _, _, row in sorted(ordered, key=lambda t: (t[0], t[1]))]
        return f

    # ---- the file ------------------------------------------------------------------------------
    def render(self) -> str:
        out = [HEADER]
        line = HEADER.count("\n") + 1
        self._rows, self._keys = [], {}

        def put(text: str) -> None:
            nonlocal line
            out.append(text + "\n")
            line += 1

        if not self.groups:
            put("trunk_groups = []")
        if not self.routes:
            put("routes = []")
        put("")
        put("[routing]")
        self._keys["default"] = line
        put(f"default = {toml_str(self.default)}")
        self._keys["fax"] = line
        put(f"fax = {toml_str(self.fax)}")
        self._keys["record"] = line
        put(f"record = {_toml_bool(self.record)}")
        for g in self.groups:
            put("")
            start = line
            put("[[trunk_groups]]")
            put(f"name = {toml_str(g.name)}")
            put(f"lines = [{', '.join(toml_str(x) for x in split_lines(g.lines))}]")
            put(f"hunting = {toml_str(g.hunting)}")
            put(f"caller_id = {toml_str(g.caller_id)}")
            put(f"max_calls = {_int_or_zero(g.max_calls)}")
            put(f"record = {_toml_bool(g.record)}")
            self._rows.append((start, line - 1, g))
        for r in self.routes:
            put("")
            start = line
            put("[[routes]]")
            if r.dialled:
                put(f"dialled = {toml_str(r.dialled)}")
            if r.caller:
                put(f"caller = {toml_str(r.caller)}")
            if r.lines:
                put(f"lines = [{', '.join(toml_str(x) for x in split_lines(r.lines))}]")
            put(f"application = {toml_str(r.application)}")
            if r.record in ROUTE_RECORD and r.record:
                put(f"record = {_toml_bool(r.record == 'yes')}")
            self._rows.append((start, line - 1, r))
        return "".join(out)

    def form_problems(self) -> bool:
        """Check what the TOML cannot say (a count that is no number); True when a row has a problem."""
        bad = False
        for g in self.groups:
            if not re.fullmatch(r"[0-9]{1,5}", g.max_calls):
                g.problems.append("max_calls: a whole number (0: every line)")
                bad = True
            if g.hunting not in HUNTING:
                g.problems.append(f"hunting: one of {', '.join(HUNTING)}")
                bad = True
        for r in self.routes:
            if not r.application:
                r.problems.append("application: where the call goes (ivr:FLOW, queue:NAME, fax:BOX, app:NAME)")
                bad = True
            if r.record not in ROUTE_RECORD:
                r.problems.append("record: yes, no or empty (as [routing] record says)")
                bad = True
        return bad

    def attach(self, problems: list[Problem], owned_file: str) -> None:
        """Put each problem against the row (or field) its line belongs to."""
        owned = os.path.abspath(owned_file)
        for p in problems:
            if os.path.abspath(p.file) == owned:
                if p.line in (self._keys.get("default"), self._keys.get("fax"), self._keys.get("record")):
                    self.default_problems.append(p.message)
                    continue
                row = next((r for start, end, r in self._rows if start <= p.line <= end), None)
                if row is not None:
                    row.problems.append(p.message)
                    continue
            self.other_problems.append(p)

    @property
    def has_problems(self) -> bool:
        return bool(self.default_problems or self.other_problems or any(r.problems for r in self.groups + self.routes))


def _indexes(form: Mapping[str, str], prefix: str) -> list[int]:
    found = set()
    for key in form:
        m = re.match(rf"^{prefix}-([0-9]{{1,4}})-", key)
        if m:
            found.add(int(m.group(1)))
    return sorted(found)


def _toml_bool(value: bool) -> str:
    return "true" if value else "false"


def _int_or_zero(text: str) -> int:
    return int(text) if re.fullmatch(r"[0-9]{1,5}", text) else 0


# ---- checks against the other files --------------------------------------------------------------
def check(config_path: str, owned_file: str, text: str) -> list[Problem]:
    """Every problem of the whole configuration with ``text`` as the web admin's file (empty: good)."""
    try:
        load_config(config_path, overrides={owned_file: text})
    except ConfigError as exc:
        return exc.problems
    return []


def parse_reported(errors: list[str]) -> list[Problem]:
    """chand's reload errors ("file:line: message") back into problems."""
    out = []
    for e in errors:
        m = _PROBLEM.match(e)
        out.append(Problem(m.group(1), int(m.group(2)), m.group(3)) if m else Problem("", 0, e))
    return out


def defining_files(cfg: Config, keys: tuple[str, ...] = OWNED_KEYS) -> dict[str, str]:
    """For each key (trunk_groups, routes, routing): the last file read that sets it (the one that counts)."""
    out: dict[str, str] = {}
    for path in cfg.files:
        try:
            with open(path, "rb") as f:
                doc = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError):
            continue
        for key in keys:
            if key in doc:
                out[key] = path
    return out


def shadowing_files(cfg: Config, owned_file: str, keys: tuple[str, ...] = OWNED_KEYS) -> list[str]:
    """conf.d files read after the web admin's that set its keys again: what they set would win."""
    owned = os.path.abspath(owned_file)
    later = [p for p in cfg.files if os.path.dirname(os.path.abspath(p)) == os.path.dirname(owned)
             and os.path.basename(p) > os.path.basename(owned)]
    out = []
    for path in later:
        try:
            with open(path, "rb") as f:
                doc = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if any(k in doc for k in keys):
            out.append(path)
    return out
