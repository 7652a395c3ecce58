"""Bad flows are refused with file:line, all problems at once; good ones load."""
from __future__ import annotations

import os

import pytest

from telephonist.ivrd.flow_loader import FlowError, LoadOptions, check_flow_text, load_flows
from tests.support.ivrd_harness import make_prompt

GOOD = """\
[flow]
numbers = ["4008001234", "800*"]
start = "menu"

[nodes.menu]
type = "menu"
prompts = "{lang}/menu.wav"
choices = { "1" = "bye", "2" = "menu" }

[nodes.bye]
type = "hangup"
"""


@pytest.fixture
def dirs(tmp_path):
    flows = tmp_path / "flows"
    flows.mkdir()
    prompts = tmp_path / "prompts"
    for lang in ("zh", "en"):
        make_prompt(str(prompts / lang / "menu.wav"))
    return str(flows), LoadOptions(prompts_dir=str(prompts))


def problems_of(flows_dir, opts, name, text):
    return [(os.path.basename(p.file), p.line, p.message) for p in check_flow_text(flows_dir, name, text, opts)]


def test_a_good_flow_loads_and_claims_its_numbers(dirs):
    flows_dir, opts = dirs
    with open(os.path.join(flows_dir, "main.toml"), "w") as f:
        f.write(GOOD)
    fs = load_flows(flows_dir, opts)
    assert fs.for_number("4008001234").name == "main"
    assert fs.for_number("8001111").name == "main"
    assert fs.for_number("9999") is None
    assert fs.flows["main"].nodes["menu"].line == 5


def test_each_problem_is_reported_at_its_line(dirs):
    flows_dir, opts = dirs
    bad = """\
[flow]
start = "menu"

[nodes.menu]
type = "menu"
prompts = "{lang}/missing.wav"
choices = { "1" = "byee" }
colour = "red"

[nodes.odd]
type = "teleport"

[nodes.wait]
type = "collect"
prompts = "{lang}/menu.wav"
retries = "three"
"""
    got = problems_of(flows_dir, opts, "main.toml", bad)
    lines = {(line, msg.split(":")[0]) for _, line, msg in got}
    messages = " | ".join(m for _, _, m in got)
    assert all(f == "main.toml" for f, _, _ in got)
    assert (6, "node 'menu'") in lines and "prompt file missing" in messages and "zh/missing.wav" in messages
    assert any(line == 7 and "goes to 'byee'" in m and "did you mean 'bye'" not in m for _, line, m in got)
    assert any(line == 8 and "unknown key 'colour'" in m for _, line, m in got)
    assert any(line == 11 and "unknown node type 'teleport'" in m for _, line, m in got)
    assert any(line == 16 and "retries must be an integer" in m for _, line, m in got)
    assert any(line == 13 and "needs 'var'" in m for _, line, m in got)


def test_a_loop_without_an_exit_is_refused(dirs):
    flows_dir, opts = dirs
    loop = """\
[nodes.a]
type = "play"
prompts = "{lang}/menu.wav"
next = "b"

[nodes.b]
type = "play"
prompts = "{lang}/menu.wav"
next = "a"
"""
    got = problems_of(flows_dir, opts, "loop.toml", loop)
    assert len(got) == 1 and got[0][1] == 1 and "loop without an exit" in got[0][2] and "a, b" in got[0][2]
    # a menu that can loop back on itself is fine: its retries end the call
    assert problems_of(flows_dir, opts, "ok.toml", GOOD) == []


def test_toml_syntax_and_bad_expressions(dirs):
    flows_dir, opts = dirs
    got = problems_of(flows_dir, opts, "x.toml", '[nodes.a]\ntype = "hangup"\n\n[nodes.b\n')
    assert got[0][1] == 4 and got[0][2].startswith("TOML syntax")
    branch = """\
[nodes.a]
type = "branch"
cases = [ { if = "balance <", next = "b" }, { if = "__import__('os')", next = "b" } ]
else = "b"

[nodes.b]
type = "hangup"
"""
    got = problems_of(flows_dir, opts, "y.toml", branch)
    assert len(got) == 2 and all(line == 3 for _, line, _ in got)
    assert "bad expression" in got[0][2] and "may be called" in got[1][2]


def test_a_number_claimed_twice_and_a_flow_defined_twice(dirs):
    flows_dir, opts = dirs
    with open(os.path.join(flows_dir, "main.toml"), "w") as f:
        f.write(GOOD)
    other = GOOD.replace('"800*"', '"600*"').replace("[flow]", '[flow]\nname = "main"')
    got = problems_of(flows_dir, opts, "other.toml", other)
    assert any("also defined in" in m for _, _, m in got)
    with pytest.raises(FlowError):
        load_flows(flows_dir, opts, {"other.toml": GOOD.replace("[flow]", '[flow]\nname = "second"')})


def test_docs_hold_the_reference_of_every_node_type():
    from telephonist.ivrd.node_reference import markdown
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "docs", "flows.md"), encoding="utf-8") as f:
        docs = f.read()
    assert markdown() in docs, "docs/flows.md is out of date: `telephonist flow types --markdown` makes the section"


def test_durations_and_counts_out_of_range_are_refused_at_their_line(dirs):
    """What becomes an engine timer or a media length is bounded when the flow is loaded, each
    refusal at its own line (the play of {silence = 268435457} once killed chand)."""
    flows_dir, opts = dirs
    bad = """\
[nodes.menu]
type = "menu"
prompts = ["{lang}/menu.wav", { silence = 268435457 }]
timeout_ms = 0
retries = 1000
choices = { "1" = "call", "2" = "tone" }

[nodes.call]
type = "transfer"
to = "number:13800138000"
timeout_ms = -5

[nodes.tone]
type = "play"
prompts = { tone = "busy", ms = 700000 }
next = "odd"

[nodes.odd]
type = "play"
prompts = [{ silence = 1.5 }, { tone = "busy", volume = 3 }]
"""
    got = problems_of(flows_dir, opts, "main.toml", bad)
    at = {(line, m.split(": ", 1)[1]) for _, line, m in got}
    assert (3, "prompts: silence must be a whole number of milliseconds from 0 to 600000, not 268435457") in at, got
    assert (4, "timeout_ms must be from 100 to 600000, not 0") in at, got
    assert (5, "retries must be from 1 to 20, not 1000") in at, got
    assert (11, "timeout_ms must be from 1000 to 600000, not -5") in at, got
    assert (15, "prompts: ms must be a whole number of milliseconds from 0 to 600000, not 700000") in at, got
    assert any(line == 20 and "silence must be a whole number" in m for _, line, m in got), got
    assert any(line == 20 and "a table item is {tone" in m for _, line, m in got), got
    assert len(got) == 7, got
    # the bounds themselves are fine
    ok = bad.replace("268435457", "600000").replace("timeout_ms = 0", "timeout_ms = 100").replace(
        "1000", "20").replace("-5", "1000").replace("700000", "600000").replace(
        '[{ silence = 1.5 }, { tone = "busy", volume = 3 }]', '[{ silence = 0 }, { tone = "busy" }]')
    assert problems_of(flows_dir, opts, "main.toml", ok) == []
