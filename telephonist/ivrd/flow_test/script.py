"""Test scripts for flows: who calls, what they press, what must happen (TOML, errors with file:line).

    flow = "insurance"                      # the flow under test (or FLOW on the command line)

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
    steps = ["welcome", "policy_no", "lookup_policy"]           # nodes passed, in this order (a subsequence)
    not_heard = ["zh/try-later.wav"]
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telephonist.config.locate import key_line
from telephonist.ivrd.flow_loader import FlowProblem, _syntax_line, _syntax_message

ACTION_KEYS = {"press", "silent", "speak", "hangup"}
EXPECT_KEYS = {"heard", "not_heard", "reads", "vars", "ends", "steps", "language"}
CALL_KEYS = {"name", "caller", "dialled", "time", "actions", "expect", "cid"}
SETUP_KEYS = {"accounts": {"realm", "account", "password"},
              "blacklist": {"number", "minutes", "reason"},
              "vip": {"number", "customer_class", "name", "target"},
              "mailboxes": {"mailbox", "pin", "name", "email", "sms_number"},
              "holidays": {"day", "kind", "name", "schedule"}}


@dataclass
class Expect:
    heard: list[str] = field(default_factory=list)
    not_heard: list[str] = field(default_factory=list)
    reads: list[dict[str, str]] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)
    ends: str | None = None
    steps: list[str] = field(default_factory=list)
    language: str | None = None


@dataclass
class ScriptedCall:
    name: str
    caller: str
    dialled: str
    actions: list[dict[str, Any]]
    expect: Expect
    time: datetime | None = None
    line: int = 1


@dataclass
class Script:
    path: str
    flow: str
    calls: list[ScriptedCall]
    setup: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class ScriptError(Exception):
    def __init__(self, problems: list[FlowProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_script(path: str, text: str | None = None) -> Script:
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
        if key not in ("flow", "calls", "setup"):
            bad((key,), f"unknown key {key!r}; a script has flow, [[calls]] and [setup]")
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
                          ends=exp.get("ends"), steps=list(exp.get("steps", [])), language=exp.get("language"))))
    if not calls:
        bad(("calls",), "a script needs at least one [[calls]]")
    if problems:
        raise ScriptError(problems)
    return Script(path=path, flow=str(doc.get("flow", "")), calls=calls, setup=setup)
