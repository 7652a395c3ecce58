"""Call flows and schedules as files in [ivrd] flows_dir: list them, read one, check an edited text
among the others (ivrd's own loader, so the page shows what ivrd would say, line by line), write it.

ivrd notices a changed file within about two seconds and reloads the whole set; a set with
a problem is refused there too and the running flows stay, but the web admin never writes
a text that fails the check, so that what is on disk is what runs.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone

from telephonist.ivrd.flow_loader import (SCHEDULES_FILE, FlowError, FlowProblem, LoadOptions, check_flow_text,
                                         load_flows)
from telephonist.webadmin.files import write_atomic

FLOW_FILE = re.compile(r"^[A-Za-z0-9_\-]{1,64}\.toml$")
NEW_FLOW = """[flow]
description = ""
numbers = []              # dialled numbers that enter this flow ("4008001234", "4008*")
start = "welcome"

[nodes.welcome]
type = "hangup"
"""
NEW_SCHEDULES = "# Opening hours used by the flows' schedule nodes (docs/flows.md).\n"


@dataclass
class FlowFile:
    name: str
    size: int
    modified: datetime
    flow: str = ""
    description: str = ""
    numbers: list[str] = field(default_factory=list)
    nodes: int = 0


def valid_name(name: str) -> bool:
    return bool(FLOW_FILE.match(name))


def list_flows(flows_dir: str) -> list[FlowFile]:
    out = []
    if not os.path.isdir(flows_dir):
        return out
    for name in sorted(os.listdir(flows_dir)):
        path = os.path.join(flows_dir, name)
        if not valid_name(name) or name == SCHEDULES_FILE or not os.path.isfile(path):
            continue
        st = os.stat(path)
        ff = FlowFile(name, st.st_size, datetime.fromtimestamp(st.st_mtime, timezone.utc), os.path.splitext(name)[0])
        try:
            with open(path, "rb") as f:
                doc = tomllib.load(f)
            flow = doc.get("flow", {}) if isinstance(doc.get("flow"), dict) else {}
            ff.flow = str(flow.get("name") or ff.flow)
            ff.description = str(flow.get("description", ""))
            ff.numbers = [str(n) for n in flow.get("numbers", []) if isinstance(n, str)]
            ff.nodes = len(doc.get("nodes", {})) if isinstance(doc.get("nodes"), dict) else 0
        except (OSError, tomllib.TOMLDecodeError):
            pass
        out.append(ff)
    return out


def problems_on_disk(flows_dir: str, opts: LoadOptions) -> list[FlowProblem]:
    """What ivrd would say of the files as they are."""
    if not os.path.isdir(flows_dir):
        return []
    try:
        load_flows(flows_dir, opts)
    except FlowError as exc:
        return exc.problems
    return []


def read(flows_dir: str, name: str) -> str | None:
    try:
        with open(os.path.join(flows_dir, name), encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None


def normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") or not text else text + "\n"


def check(flows_dir: str, name: str, text: str, opts: LoadOptions) -> tuple[list[FlowProblem], list[FlowProblem]]:
    """(problems in this file, problems it causes or meets in the others)."""
    path = os.path.join(flows_dir, name)
    try:
        tomllib.loads(text)                  # schedules.toml is only parsed when ivrd knows schedules
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        return [FlowProblem(path, int(m.group(1)) if m else 1, f"TOML syntax: {msg}")], []
    os.makedirs(flows_dir, exist_ok=True)
    found = check_flow_text(flows_dir, name, text, opts)
    mine = [p for p in found if os.path.basename(p.file) == name]
    return mine, [p for p in found if os.path.basename(p.file) != name]


def write(flows_dir: str, name: str, text: str) -> None:
    write_atomic(os.path.join(flows_dir, name), text)
