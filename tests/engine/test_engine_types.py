"""The Python face of the engine is type-checked: telephonist/engine.py and engine_events.py pass
mypy --strict against the stub of the private cffi module (telephonist/_engine.pyi), the stub names
every function and constant the built module has, and every C event decodes into its own record."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from telephonist._engine import ffi
from telephonist._engine import lib as raw_lib
from telephonist.engine import EndReason, ErrorEvent, PlayDone, decode_event

ROOT = Path(__file__).resolve().parents[2]
STUB = ROOT / "telephonist" / "_engine.pyi"


def mypy(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("mypy")
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), *args],
                          cwd=ROOT, capture_output=True, text=True)


def test_the_engine_module_passes_mypy_strict(tmp_path):
    r = mypy("telephonist/engine.py", "telephonist/engine_events.py", cache=tmp_path / "cache")
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_sees_the_stub_a_wrong_call_fails(tmp_path):
    """The stub is what mypy reads for the private module (not an untyped Any that lets all through)."""
    wrong = tmp_path / "wrong.py"
    wrong.write_text("from telephonist._engine import lib\nlib.eng_hook(lib.eng_new(160, 4), 'off')\n")
    r = mypy(str(wrong), cache=tmp_path / "cache")
    assert r.returncode == 1 and "eng_hook" in r.stdout and "str" in r.stdout, r.stdout + r.stderr


def stub_lib() -> tuple[set[str], dict[str, int]]:
    """(constants, {function: number of arguments}) of class _Lib in the stub."""
    tree = ast.parse(STUB.read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "_Lib")
    consts = {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
    funcs = {n.name: len(n.args.posonlyargs) + len(n.args.args) - 1 for n in cls.body if isinstance(n, ast.FunctionDef)}
    return consts, funcs


def test_the_stub_names_every_function_and_constant_of_the_module():
    consts, funcs = stub_lib()
    names = set(dir(raw_lib))
    assert consts == {n for n in names if not n.startswith("eng_")}
    assert funcs == {n: len(ffi.typeof(getattr(raw_lib, n)).args) for n in names if n.startswith("eng_")}


def raw_event(etype: int, **fields: int):
    ev = ffi.new("eng_event_t *")
    ev.type, ev.chan, ev.time_ms = etype, 3, 1200
    for k, v in fields.items():
        setattr(ev, k, v)
    return ev


def test_every_engine_event_type_has_its_own_record():
    kinds = [getattr(raw_lib, n) for n in dir(raw_lib) if n.startswith("EV_") and n != "EV_NONE"]
    records = [decode_event(raw_event(t, a=1)) for t in kinds]     # a=1: a hook state, a standard, a reason
    assert not [r for r in records if isinstance(r, ErrorEvent) and r.code != 1], records
    assert len({type(r) for r in records}) == len(kinds)
    assert all((r.chan, r.time_ms) == (3, 1200) for r in records)


def test_an_event_this_module_cannot_read_is_an_error_event_not_an_exception():
    done = decode_event(raw_event(raw_lib.EV_PLAY_DONE, id=7, a=raw_lib.ENG_END_DTMF, b=480))
    assert done == PlayDone(3, 1200, 7, EndReason.DTMF, 480, "")
    odd = decode_event(raw_event(raw_lib.EV_PLAY_DONE, id=7, a=99))
    unknown = decode_event(raw_event(999))
    for ev, why in ((odd, "not understood"), (unknown, "unknown type 999")):
        assert isinstance(ev, ErrorEvent) and ev.chan == 3 and why in ev.text, ev
