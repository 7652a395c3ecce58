"""[acd], [[queues]] and [[agents]] as the queues page edits them: conf.d/91-webadmin-acd.toml.

The page edits the file's text (like a call flow): `render` writes what runs today when the file does
not exist yet, `check` runs the configuration loader over every file with the new text in place and
sorts the problems into this file's (by line) and the others'. A text that sets anything but the ACD's
tables is refused: the file is the queues page's, and routing or spans have their own owners.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
from typing import Any

from telephonist.config import Problem
from telephonist.config.acd import AcdConfig, AgentConfig, QueueConfig
from telephonist.config.model import Config
from telephonist.webadmin.routingfile import check as check_whole

HEADER = ("# Written by the Telephonist web admin (Configuration > Queues and agents): edit it there.\n"
          "# Its [acd], [[queues]] and [[agents]] replace those of telephonist.toml (docs/acd.md).\n")
OWNED_KEYS = ("acd", "queues", "agents")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_TABLE = re.compile(r"^\s*\[\[?\s*([^\]\s.]+)")
_TOP_KEY = re.compile(r"^\s*([A-Za-z0-9_\"'-]+)\s*=")


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + " }" if v else "{}"
    if dataclasses.is_dataclass(v):
        return toml_value(changed(v))
    raise TypeError(f"no TOML for {type(v).__name__}")


def toml_key(k: str) -> str:
    return k if _BARE_KEY.match(k) else json.dumps(k, ensure_ascii=False)


def changed(obj: Any) -> dict[str, Any]:
    """The fields of a configuration dataclass that differ from their defaults (name and number always)."""
    default = type(obj)(**{f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)
                           if f.name in ("name", "number")})
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)
            if f.name in ("name", "number") or getattr(obj, f.name) != getattr(default, f.name)}


def render(cfg: Config) -> str:
    """What runs today, as this file's text."""
    out = [HEADER, "\n[acd]\n"]
    acd = changed(cfg.acd) if cfg.acd != AcdConfig() else {}
    out += [f"{toml_key(k)} = {toml_value(v)}\n" for k, v in acd.items()]
    out[1:1] = [f"{key} = []\n" for key in ("queues", "agents") if not getattr(cfg, key)]
    for q in cfg.queues:
        out.append("\n[[queues]]\n")
        out += [f"{toml_key(k)} = {toml_value(v)}\n" for k, v in changed(q).items()]
    for a in cfg.agents:
        out.append("\n[[agents]]\n")
        out += [f"{toml_key(k)} = {toml_value(v)}\n" for k, v in changed(a).items()]
    return "".join(out)


def foreign_keys(text: str, path: str) -> list[Problem]:
    """Lines of text that set something other than the ACD's tables."""
    problems, in_table = [], False
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        table = _TABLE.match(line)
        if table:
            in_table = True
            name = table.group(1).strip("\"'")
            if name not in OWNED_KEYS:
                problems.append(Problem(path, n, f"[{name}] does not belong here: this file holds [acd], "
                                                 "[[queues]] and [[agents]] only"))
            continue
        key = _TOP_KEY.match(line)
        if key and not in_table and key.group(1).strip("\"'") not in OWNED_KEYS:
            problems.append(Problem(path, n, f"'{key.group(1)}' does not belong here: this file holds [acd], "
                                             "[[queues]] and [[agents]] only"))
    return problems


def check(config_path: str, path: str, text: str) -> tuple[list[Problem], list[Problem]]:
    """(problems in this file, problems elsewhere) of the whole configuration with text as this file."""
    mine = foreign_keys(text, path)
    if mine:
        return mine, []
    problems = check_whole(config_path, path, text)
    own = os.path.abspath(path)
    return ([p for p in problems if os.path.abspath(p.file) == own],
            [p for p in problems if os.path.abspath(p.file) != own])


__all__ = ["render", "check", "foreign_keys", "OWNED_KEYS", "QueueConfig", "AgentConfig"]
