"""Read the flows directory: one flow a file (*.toml), schedules in schedules.toml.

Everything wrong is reported at once, each with file:line: TOML syntax, an
unknown node type or key, a value of the wrong type, a target node that does
not exist, a prompt file that is missing, a loop no caller can leave. A set of
files with any problem is refused as a whole, so that the flows that run stay
as they were (ivrd's reload and the web admin's "apply" both rely on this).

    [flow]
    numbers = ["4008001234"]         # dialled numbers that enter this flow
    start = "welcome"

    [nodes.welcome]
    type = "menu"
    prompts = "{lang}/ins-welcome.wav"
    choices = { "1" = "company", "2" = "policy", "0" = "operator" }
"""
from __future__ import annotations

import difflib
import glob
import logging
import os
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from telephonist.config.locate import key_line
from telephonist.config import toml_text
from telephonist.ivrd import nodes as _node_types  # noqa: F401  (registers every node type)
from telephonist.ivrd.flow_model import Flow, FlowSet, Node
from telephonist.ivrd.nodes.registry import COMMON_FIELDS, MAX_FLOW_MS, REGISTRY, CheckContext, Field

FLOW_KEYS = {"name": "str", "description": "str", "numbers": "str_list", "start": "str", "language": "str",
             "fallback_prompt": "str", "fallback": "str"}
NODE_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
SCHEDULES_FILE = "schedules.toml"
log = logging.getLogger("telephonist.ivrd")


@dataclass(frozen=True)
class FlowProblem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class FlowError(Exception):
    def __init__(self, problems: list[FlowProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class LoadOptions:
    prompts_dir: str
    languages: tuple[str, ...] = ("zh", "en")
    lookup_sources: frozenset[str] = frozenset()
    check_prompts: bool = True


def load_flows(flows_dir: str, opts: LoadOptions, overrides: dict[str, str] | None = None) -> FlowSet:
    """Every flow of flows_dir. `overrides` maps a file name (or the path of a draft) to a text used
    instead of the installed file of that name (the web admin and `flow check` test an edited flow
    among the rest before it is saved)."""
    overrides = overrides or {}
    # an override replaces the installed file of the same name; it is reported under its own path
    replaced = {os.path.join(flows_dir, os.path.basename(k)) for k in overrides}
    paths = sorted((set(glob.glob(os.path.join(flows_dir, "*.toml"))) - replaced) |
                   {k if os.path.dirname(k) else os.path.join(flows_dir, k) for k in overrides})
    by_path = {(k if os.path.dirname(k) else os.path.join(flows_dir, k)): v for k, v in overrides.items()}
    texts: dict[str, str] = {}
    problems: list[FlowProblem] = []
    for p in paths:
        if p in by_path:
            texts[p] = by_path[p]
            continue
        try:
            with open(p, encoding="utf-8", newline="") as f:      # line ends as TOML counts them
                texts[p] = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(FlowProblem(p, 1, f"cannot read: {exc}"))
    schedules: dict[str, Any] = {}
    sched_path = next((p for p in texts if os.path.basename(p) == SCHEDULES_FILE), "")
    if sched_path:
        schedules, sp = _load_schedules(sched_path, texts.pop(sched_path))
        problems += sp
    docs: dict[str, dict] = {}
    for p, text in texts.items():
        try:
            docs[p] = toml_text.loads(text)
        except tomllib.TOMLDecodeError as exc:
            problems.append(FlowProblem(p, _syntax_line(str(exc)), f"TOML syntax: {_syntax_message(str(exc))}"))
    names: dict[str, str] = {}
    for p, doc in docs.items():
        flow_tab = doc.get("flow") if isinstance(doc.get("flow"), dict) else {}
        name = str(flow_tab.get("name") or os.path.splitext(os.path.basename(p))[0])
        if name in names:
            problems.append(FlowProblem(p, key_line(texts[p], ("flow", "name")),
                                        f"flow {name!r} is also defined in {names[name]}"))
        names[name] = p
    flows: dict[str, Flow] = {}
    for p, doc in docs.items():
        flow = _build_flow(p, texts[p], doc, opts, set(names), schedules, problems)
        if flow is not None:
            flows[flow.name] = flow
    _check_numbers(flows, problems)
    if problems:
        raise FlowError(sorted(problems, key=lambda q: (q.file, q.line)))
    if BUILT_IN_VOICEMAIL_NAME not in flows:
        flow = _built_in_voicemail(opts, set(names), schedules)
        if flow is not None:
            flows[flow.name] = flow
    return FlowSet(flows=flows, schedules=schedules, files=tuple(sorted(texts) + ([sched_path] if schedules else [])))


BUILT_IN_VOICEMAIL_NAME = "voicemail"
BUILT_IN_VOICEMAIL = """
[flow]
name = "voicemail"
description = "A message for the mailbox the handoff names (data: mailbox): a queue's callers who waited too long"
start = "leave"

[nodes.leave]
type = "voicemail"
mailbox = "${mailbox}"
"""


def _built_in_voicemail(opts: LoadOptions, names: set[str], schedules: dict[str, Any]) -> Flow | None:
    """The flow a handoff to ivr:voicemail runs (the ACD's `voicemail:BOX` targets), unless the site has its
    own flow of that name. Without its prompts (a site that keeps no voicemail) it is left out, and said so."""
    path = "(built in)/voicemail.toml"
    problems: list[FlowProblem] = []
    flow = _build_flow(path, BUILT_IN_VOICEMAIL, toml_text.loads(BUILT_IN_VOICEMAIL), opts,
                       names | {BUILT_IN_VOICEMAIL_NAME}, schedules, problems)
    if problems:
        log.warning("event=built_in_voicemail_flow_unavailable problems=%s", "; ".join(p.message for p in problems))
        return None
    return flow


def check_flow_text(flows_dir: str, file_name: str, text: str, opts: LoadOptions) -> list[FlowProblem]:
    """The problems an edited flow would have among the others (empty: it may be applied)."""
    try:
        load_flows(flows_dir, opts, {file_name: text})
    except FlowError as exc:
        return exc.problems
    return []


# ---- one flow ----------------------------------------------------------------------------------
def _build_flow(path: str, text: str, doc: dict, opts: LoadOptions, flow_names: set[str], schedules: dict[str, Any],
                problems: list[FlowProblem]) -> Flow | None:
    def problem(keys: tuple, message: str) -> None:
        problems.append(FlowProblem(path, key_line(text, keys), message))

    before = len(problems)
    for key in doc:
        if key not in ("flow", "nodes"):
            problem((key,), f"unknown table [{key}]; a flow file has [flow] and [nodes.NAME]")
    flow_tab = doc.get("flow", {})
    if not isinstance(flow_tab, dict):
        problem(("flow",), "[flow] must be a table")
        flow_tab = {}
    for key, value in flow_tab.items():
        kind = FLOW_KEYS.get(key)
        if kind is None:
            problem(("flow", key), f"unknown key flow.{key}{_suggest(key, FLOW_KEYS)}")
        elif not _kind_ok(kind, value):
            problem(("flow", key), f"flow.{key} must be {_kind_text(kind)}")
    name = str(flow_tab.get("name") or os.path.splitext(os.path.basename(path))[0])
    nodes_tab = doc.get("nodes", {})
    if not isinstance(nodes_tab, dict) or not nodes_tab:
        problem(("nodes",), "a flow needs at least one node ([nodes.NAME] with a type)")
        return None
    start = flow_tab.get("start") or next(iter(nodes_tab))
    if start not in nodes_tab:
        problem(("flow", "start"), f"flow.start names node {start!r}, which this flow does not have")
    language = flow_tab.get("language", "")
    if language and language not in opts.languages:
        problem(("flow", "language"), f"unknown language {language!r}; configured: {', '.join(opts.languages)}")

    ctx = CheckContext(flow_name=name, prompts_dir=opts.prompts_dir, languages=opts.languages,
                       flow_names=flow_names, schedules=schedules, lookup_sources=set(opts.lookup_sources))
    nodes: dict[str, Node] = {}
    broken: set[str] = set()              # nodes with an unknown type: exist, but cannot be followed
    for node_name, table in nodes_tab.items():
        npath = ("nodes", node_name)
        if not NODE_NAME.match(node_name):
            problem(npath, f"node name {node_name!r}: use letters, digits, _ and - (at most 64)")
        if not isinstance(table, dict):
            problem(npath, f"nodes.{node_name} must be a table")
            continue
        ntype = table.get("type")
        nt = REGISTRY.get(ntype) if isinstance(ntype, str) else None
        if nt is None:
            broken.add(node_name)
            problem(npath + ("type",) if "type" in table else npath,
                    f"node {node_name!r}: unknown node type {ntype!r}{_suggest(str(ntype), REGISTRY)}"
                    if ntype is not None else f"node {node_name!r} has no type")
            continue
        fields = {f.name: f for f in COMMON_FIELDS + nt.fields}
        unusable = False                     # a value of the wrong kind, a required key missing
        params: dict[str, Any] = {}
        key_lines = {k: key_line(text, npath + (k,)) for k in table}
        for key, value in table.items():
            f = fields.get(key)
            if f is None:
                problem(npath + (key,), f"node {node_name!r} ({ntype}): unknown key {key!r}{_suggest(key, fields)}")
            elif not _kind_ok(f.kind, value):
                unusable = True
                problem(npath + (key,), f"node {node_name!r}: {key} must be {_kind_text(f.kind)}")
            elif f.range and not f.range[0] <= value <= f.range[1]:
                unusable = True
                problem(npath + (key,), f"node {node_name!r}: {key} must be from {f.range[0]} to {f.range[1]}, "
                                        f"not {value}")
            else:
                params[key] = value
        for f in nt.fields:
            if f.required and f.name not in table:
                unusable = True
                problem(npath, f"node {node_name!r} ({ntype}) needs {f.name!r}")
            params.setdefault(f.name, f.default)
        node = Node(name=node_name, type=ntype, params=params, file=path, line=key_line(text, npath),
                    key_lines=key_lines)
        nodes[node_name] = node
        if opts.check_prompts:
            for f in nt.fields:
                if f.kind == "prompts" and params.get(f.name) is not None:
                    _check_prompts(node, f, params[f.name], opts, problems)
        if unusable:
            continue                         # a node's check relies on its fields' kinds and required keys
        ctx._node = node
        try:
            nt.check(node, ctx)
        except Exception as exc:             # a bug in a check must not hide the file's other problems
            ctx.problem(None, f"cannot check this node: {type(exc).__name__}: {exc}")
    problems.extend(FlowProblem(*p) for p in ctx.problems)
    _check_graph(name, path, text, nodes, start, problems, broken)
    if len(problems) > before:
        return None
    return Flow(name=name, file=path, start=start, nodes=nodes, numbers=tuple(flow_tab.get("numbers", ())),
                language=language, description=flow_tab.get("description", ""),
                fallback_prompt=flow_tab.get("fallback_prompt", ""), fallback=flow_tab.get("fallback", ""))


def exits(node: Node) -> list[tuple[str, str]]:
    """(key, target node) for every exit of a node."""
    nt = REGISTRY[node.type]
    out: list[tuple[str, str]] = []
    for f in nt.fields:
        value = node.params.get(f.name)
        if value is None:
            continue
        if f.kind == "node":
            out.append((f.name, value))
        elif f.kind == "node_map":
            out.extend((f"{f.name}.{k}", v) for k, v in value.items())
    out.extend(nt.extra_exits(node) if hasattr(nt, "extra_exits") else [])
    return out


def can_end(node: Node) -> bool:
    """A node the call may leave the flow at: one that ends the call itself (hangup, transfer ...),
    or one with an exit left unset (the runner hangs up there)."""
    nt = REGISTRY[node.type]
    if nt.terminal:
        return True
    return any(f.kind == "node" and not f.required and node.params.get(f.name) is None for f in nt.fields)


def _check_graph(flow: str, path: str, text: str, nodes: dict[str, Node], start: str,
                 problems: list[FlowProblem], broken: set[str]) -> None:
    for node in nodes.values():
        for key, target in exits(node):
            if not isinstance(target, str) or (target not in nodes and target not in broken):
                near = difflib.get_close_matches(str(target), list(nodes), n=1)
                problems.append(FlowProblem(path, node.key_lines.get(key.split(".")[0], node.line),
                                            f"node {node.name!r}: {key} goes to {target!r}, which this flow does "
                                            f"not have" + (f"; did you mean {near[0]!r}?" if near else "")))
    if start not in nodes or broken:       # the loop check needs every node's exits
        return
    # nodes that can reach an end, found backwards from the ends
    back: dict[str, set[str]] = {n: set() for n in nodes}
    for node in nodes.values():
        for _, target in exits(node):
            if target in back:
                back[target].add(node.name)
    ok = {n for n, node in nodes.items() if can_end(node)}
    todo = list(ok)
    while todo:
        for src in back[todo.pop()]:
            if src not in ok:
                ok.add(src)
                todo.append(src)
    reachable, todo = {start}, [start]
    while todo:
        for _, target in exits(nodes[todo.pop()]):
            if target in nodes and target not in reachable:
                reachable.add(target)
                todo.append(target)
    trapped = [n for n in nodes if n in reachable and n not in ok]
    if trapped:
        first = nodes[trapped[0]]
        problems.append(FlowProblem(path, first.line, f"flow {flow!r}: a loop without an exit: a caller who reaches "
                                    f"{', '.join(trapped)} can never leave it (no hangup, transfer or end)"))


def _check_prompts(node: Node, f: Field, value: Any, opts: LoadOptions, problems: list[FlowProblem]) -> None:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict):
            message = _play_item_problem(item)
            if message:
                problems.append(FlowProblem(node.file, node.key_lines.get(f.name, node.line),
                                            f"node {node.name!r}: {f.name}: {message}"))
            continue
        if "${" in item:
            continue                      # known only at run time
        langs = opts.languages if "{lang}" in item else ("",)
        for lang in langs:
            name = item.replace("{lang}", lang)
            path = name if os.path.isabs(name) else os.path.join(opts.prompts_dir, name)
            if not os.path.exists(path):
                problems.append(FlowProblem(node.file, node.key_lines.get(f.name, node.line),
                                            f"node {node.name!r}: prompt file missing: {path}"))


def _play_item_problem(item: dict) -> str:
    """What is wrong with a {tone = NAME, ms = N} or {silence = N} item of prompts ("" if nothing)."""
    if set(item) not in ({"tone"}, {"tone", "ms"}, {"silence"}):
        return "a table item is {tone = \"name\", ms = N} or {silence = N}"
    if "tone" in item and not isinstance(item["tone"], str):
        return "tone must be the name of a tone of the tone zone"
    for key in ("ms", "silence"):
        if key in item and not (isinstance(item[key], int) and not isinstance(item[key], bool)
                                and 0 <= item[key] <= MAX_FLOW_MS):
            return f"{key} must be a whole number of milliseconds from 0 to {MAX_FLOW_MS}, not {item[key]!r}"
    return ""


def _check_numbers(flows: dict[str, Flow], problems: list[FlowProblem]) -> None:
    seen: dict[str, str] = {}
    for flow in flows.values():
        for number in flow.numbers:
            if number in seen and seen[number] != flow.name:
                problems.append(FlowProblem(flow.file, 1, f"flow {flow.name!r}: number {number} is claimed by "
                                            f"flow {seen[number]!r} too"))
            seen[number] = flow.name


def _load_schedules(path: str, text: str) -> tuple[dict[str, Any], list[FlowProblem]]:
    try:
        from telephonist.ivrd.schedules import parse_schedules
    except ImportError:            # schedules arrive with the schedule node
        return {}, []
    found, problems = parse_schedules(path, text)
    return found, [FlowProblem(*p) for p in problems]


# ---- helpers -------------------------------------------------------------------------------------
def _kind_ok(kind: str, value: Any) -> bool:
    match kind:
        case "str" | "node":
            return isinstance(value, str)
        case "int":
            return isinstance(value, int) and not isinstance(value, bool)
        case "float":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        case "bool":
            return isinstance(value, bool)
        case "prompts":
            return isinstance(value, (str, dict)) or (isinstance(value, list) and
                                                      all(isinstance(v, (str, dict)) for v in value))
        case "node_map" | "str_map":
            return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        case "str_list":
            return isinstance(value, list) and all(isinstance(v, str) for v in value)
        case _:
            return True


def _kind_text(kind: str) -> str:
    return {"str": "a string", "node": "a node name", "int": "an integer", "float": "a number",
            "bool": "true or false", "prompts": "a prompt name or a list of prompts",
            "node_map": "a table of key = \"node\"", "str_map": "a table of key = \"text\"",
            "str_list": "a list of strings"}.get(kind, kind)


def _suggest(key: str, known: Any) -> str:
    near = difflib.get_close_matches(key, list(known), n=1)
    return f"; did you mean {near[0]!r}?" if near else ""


def _syntax_line(msg: str) -> int:
    m = re.search(r"line (\d+)", msg)
    return int(m.group(1)) if m else 1


def _syntax_message(msg: str) -> str:
    return re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
