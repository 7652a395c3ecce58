"""Test scripts for flows: who calls, what they press, what must happen (TOML, errors with file:line).

    flow = "insurance"                      # the flow under test (or FLOW on the command line)
    agents = ["1001", "1003"]               # agents at their desks (default: all with a phone)

    [[setup.accounts]]                      # rows the calls need, put in the test's own database
    realm = "policy"
    account = "88001234"
    password = "123456"

    [[calls]]
    name = "policy lookup"
    caller = "13912345678"
    dialled = "4008001234"
    time = "2026-11-23T10:30:00"            # the flow's clock for this call (schedules)
    actions = [ { press = "2" }, { press = "88001234#" }, { hangup = true } ]

    [calls.expect]
    heard = ["zh/ins/welcome.wav", "zh/ins/policy-ask.wav"]   # in this order; others may come between
    reads = [ { what = "money", value = "1280.5" } ]          # numbers read out (say fragments)
    vars = { policy_no = "88001234" }
    ends = "queue:claims"                   # hangup, abandoned, fallback, voicemail, fax, queue:NAME, ext ...
    agent = "1003"                          # the queue's agent who answered (and whom the caller heard)
    steps = ["welcome", "policy_no", "lookup_policy"]           # nodes passed, in this order (a subsequence)
    not_heard = ["zh/try-later.wav"]

    [sources.billing]                       # what a lookup source is in the test (see flow_test/sources.py)
    seed = "billing.sql"                    # a fresh SQLite database from this file (relative to the script)
    # url = "sqlite:///test-billing.db"     # or a test system of the script's own
    # live = true                           # or the configured source itself: its writes land there
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telephonist.config.locate import key_line
from telephonist.ivrd.flow_loader import FlowProblem, _syntax_line, _syntax_message

ACTION_KEYS = {"press", "silent", "speak", "hangup"}
EXPECT_KEYS = {"heard", "not_heard", "reads", "vars", "ends", "steps", "language", "agent"}
CALL_KEYS = {"name", "caller", "dialled", "time", "actions", "expect", "cid"}
SETUP_KEYS = {"accounts": {"realm", "account", "password"},
              "blacklist": {"number", "minutes", "reason"},
              "vip": {"number", "customer_class", "name", "target"},
              "mailboxes": {"mailbox", "pin", "name", "email", "sms_number"},
              "holidays": {"day", "kind", "name", "schedule"}}
SOURCE_KEYS = {"seed": str, "url": str, "live": bool}


@dataclass
class Expect:
    heard: list[str] = field(default_factory=list)
    not_heard: list[str] = field(default_factory=list)
    reads: list[dict[str, str]] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)
    ends: str | None = None
    steps: list[str] = field(default_factory=list)
    language: str | None = None
    agent: str | None = None                # the agent who answered, and whom the caller heard


@dataclass
class ScriptedCall:
    name: str
    caller: str
    dialled: str
    actions: list[dict[str, Any]]
    expect: Expect
    time: datetime | None = None
    line: int = 1


@dataclass(frozen=True)
class ScriptSource:
    """What the script makes of one lookup source ([sources.NAME])."""
    seed: str = ""                 # an SQL file (absolute path) run into a fresh SQLite database for the run
    url: str = ""                  # a system of the script's own in place of the configured one
    live: bool = False             # the configured source itself, writes and all


@dataclass
class Script:
    path: str
    flow: str
    calls: list[ScriptedCall]
    setup: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sources: dict[str, ScriptSource] = field(default_factory=dict)
    agents: list[str] | None = None         # the agents at their desks (None: every configured one with a phone)


class ScriptError(Exception):
    def __init__(self, problems: list[FlowProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_script(path: str, text: str | None = None, known_sources: frozenset[str] | None = None) -> Script:
    """The script at `path` (or `text`); ScriptError lists every problem with its line. With
    `known_sources` (the configured [[ivrd.sources]]), a [sources.NAME] naming another is a problem."""
    if text is None:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScriptError([FlowProblem(path, _syntax_line(str(exc)), f"TOML syntax: {_syntax_message(str(exc))}")])
    problems: list[FlowProblem] = []

    def bad(keys: tuple, msg: str) -> None:
        problems.append(FlowProblem(path, key_line(text, keys), msg))

    for key in doc:
        if key not in ("flow", "calls", "setup", "sources", "agents"):
            bad((key,), f"unknown key {key!r}; a script has flow, agents, [[calls]], [setup] and [sources]")
    agents = doc.get("agents")
    if agents is not None and not (isinstance(agents, list) and all(isinstance(a, str) for a in agents)):
        bad(("agents",), 'agents must list agent numbers, like agents = ["1001", "1002"]')
        agents = None
    setup: dict[str, list[dict[str, Any]]] = {}
    for kind, rows in (doc.get("setup") or {}).items():
        allowed = SETUP_KEYS.get(kind)
        if allowed is None or not isinstance(rows, list):
            bad(("setup", kind), f"setup.{kind}: known are [[setup.{']], [[setup.'.join(SETUP_KEYS)}]]")
            continue
        for i, row in enumerate(rows):
            extra = set(row) - allowed
            if extra:
                bad(("setup", kind, i), f"setup.{kind}: unknown keys {sorted(extra)}; known: {sorted(allowed)}")
        setup[kind] = rows
    sources = _sources(doc.get("sources") or {}, os.path.dirname(os.path.abspath(path)), known_sources, bad)
    calls: list[ScriptedCall] = []
    for i, c in enumerate(doc.get("calls") or []):
        where = ("calls", i)
        for key in c:
            if key not in CALL_KEYS:
                bad(where + (key,), f"call {i + 1}: unknown key {key!r}; known: {', '.join(sorted(CALL_KEYS))}")
        actions = c.get("actions", [])
        if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
            bad(where + ("actions",), f"call {i + 1}: actions must be a list of {{ press = \"1\" }} ...")
            actions = []
        for a in actions:
            if not a or set(a) - ACTION_KEYS:
                bad(where + ("actions",), f"call {i + 1}: action {a} must use {', '.join(sorted(ACTION_KEYS))}")
        exp = c.get("expect") or {}
        for key in exp:
            if key not in EXPECT_KEYS:
                bad(where + ("expect", key), f"call {i + 1}: unknown expectation {key!r}; known: "
                    f"{', '.join(sorted(EXPECT_KEYS))}")
        when = None
        if "time" in c:
            try:
                when = c["time"] if isinstance(c["time"], datetime) else datetime.fromisoformat(str(c["time"]))
            except ValueError:
                bad(where + ("time",), f"call {i + 1}: time must be like 2026-11-23T10:30:00")
        calls.append(ScriptedCall(
            name=str(c.get("name") or f"call {i + 1}"), caller=str(c.get("caller", "13900000000")),
            dialled=str(c.get("dialled", "")), actions=actions, time=when, line=key_line(text, where),
            expect=Expect(heard=list(exp.get("heard", [])), not_heard=list(exp.get("not_heard", [])),
                          reads=list(exp.get("reads", [])), vars=dict(exp.get("vars", {})),
                          ends=exp.get("ends"), steps=list(exp.get("steps", [])), language=exp.get("language"),
                          agent=str(exp["agent"]) if "agent" in exp else None)))
    if not calls:
        bad(("calls",), "a script needs at least one [[calls]]")
    if problems:
        raise ScriptError(problems)
    return Script(path=path, flow=str(doc.get("flow", "")), calls=calls, setup=setup, sources=sources, agents=agents)


def _sources(table: Any, base_dir: str, known: frozenset[str] | None, bad: Any) -> dict[str, ScriptSource]:
    if not isinstance(table, dict):
        bad(("sources",), "sources must be tables: [sources.NAME] with seed, url or live")
        return {}
    out: dict[str, ScriptSource] = {}
    for name, spec in table.items():
        where = ("sources", name)
        if known is not None and name not in known:
            bad(where, f"sources.{name}: no such lookup source; configured: {', '.join(sorted(known)) or 'none'}")
            continue
        if not isinstance(spec, dict):
            bad(where, f"sources.{name} must be a table with seed, url or live")
            continue
        ok = True
        for key, value in spec.items():
            kind = SOURCE_KEYS.get(key)
            if kind is None or not isinstance(value, kind):
                bad(where + (key,), f"sources.{name}.{key}: known are seed (a file), url (text), live (true/false)")
                ok = False
        if not ok:
            continue
        src = ScriptSource(seed=os.path.join(base_dir, spec["seed"]) if spec.get("seed") else "",
                           url=spec.get("url", ""), live=spec.get("live", False))
        if sum((bool(src.seed), bool(src.url), src.live)) != 1:
            bad(where, f"sources.{name}: one of seed, url or live = true")
        elif src.seed and not os.path.isfile(src.seed):
            bad(where + ("seed",), f"sources.{name}.seed: {src.seed}: no such file")
        else:
            out[name] = src
    return out
