"""Every input kept in fuzz/corpus/ (the seeds, what the fuzzers found, and the inputs of every bug
they found) still passes its target: the Python targets in this process, one test per input; the
C harnesses built with the sanitizers and run once over their corpus. `make test` fuzzes on for a
bounded time after the suite (fuzz/run.sh); `make fuzz` runs longer and keeps what it finds."""
from __future__ import annotations

import importlib
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fuzz" / "corpus"
PYTHON_TARGETS = ("config_loader", "flow_loader", "fax_tiff", "cid_text")
C_TARGETS = ("wav_probe", "callerid", "udptl")


def corpus_inputs(targets):
    return [pytest.param(t, p, id=f"{t}/{p.name}") for t in targets for p in sorted((CORPUS / t).iterdir())]


@pytest.mark.parametrize("target,path", corpus_inputs(PYTHON_TARGETS))
def test_python_target_passes_its_corpus_input(target, path):
    importlib.import_module(f"fuzz.python.{target}").check(path.read_bytes())


@pytest.mark.skipif(not shutil.which("clang"), reason="clang (libFuzzer) is not installed; make setup installs it")
def test_c_harnesses_pass_their_corpus():
    r = subprocess.run(["bash", "fuzz/run.sh", "--replay", *C_TARGETS], cwd=ROOT, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-4000:]
    for t in C_TARGETS:
        assert f"[fuzz] {t}: Done" in r.stderr, r.stderr[-2000:]


def test_every_target_has_a_corpus():
    assert {p.name for p in CORPUS.iterdir()} == set(PYTHON_TARGETS + C_TARGETS)
