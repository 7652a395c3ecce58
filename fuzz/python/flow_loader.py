"""Fuzz target: the flow loader. Any bytes as a flow file give a FlowSet or a FlowError whose every
problem names the file and a line of it; never another exception, and no node check that failed
with one (the loader turns those into "cannot check this node" problems)."""
from __future__ import annotations

import os
import tempfile

from telephonist.ivrd.flow_loader import FlowError, LoadOptions, load_flows

_DIR = tempfile.mkdtemp(prefix="fuzz-flows-")
FLOWS = os.path.join(_DIR, "flows")
PROMPTS = os.path.join(_DIR, "prompts")
os.makedirs(FLOWS, exist_ok=True)
os.makedirs(os.path.join(PROMPTS, "zh"), exist_ok=True)
os.makedirs(os.path.join(PROMPTS, "en"), exist_ok=True)
for lang in ("zh", "en"):
    open(os.path.join(PROMPTS, lang, "hello.wav"), "wb").close()
PATH = os.path.join(FLOWS, "main.toml")
OPTS = LoadOptions(prompts_dir=PROMPTS, lookup_sources=frozenset({"bank"}))


def check(data: bytes) -> None:
    with open(PATH, "wb") as f:
        f.write(data)
    lines = data.count(b"\n") + 1
    try:
        load_flows(FLOWS, OPTS)
    except FlowError as exc:
        assert exc.problems, "a FlowError without a problem"
        for p in exc.problems:
            assert p.file == PATH and 1 <= p.line <= lines, (p.file, p.line, lines, p.message)
            assert "cannot check this node" not in p.message, p.message
