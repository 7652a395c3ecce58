"""The wheel, built from the sdist, installed (not editable) into a fresh virtualenv outside the tree:
every file of the package is in it, every module imports, each daemon answers --help, and a sim call
goes through the installed chand and client."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.packaging.builds import TREE, skip_if_unreachable

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

DAEMONS = ("chand", "ivrd", "acd", "faxd", "webadmin", "backup")

# two sim E1 lines whose calls go to installed_call.py's application
SIM_LINES = """\
[[spans]]
name = "e1"
driver = "sim"
type = "e1"
channels = 2

[routing]
default = "app:pkgtest"
"""

SIM_CONFIG = """\
[system]
node = "pkg"
state_dir = "state"
recordings_dir = "state/recordings"
prompts_dir = "state/prompts"

[database]
url = "sqlite:///state/telephonist.db"

[control]
socket = "state/chand.sock"

[engine]
clock = "realtime"

""" + SIM_LINES

# every module of the installed package, imported by the installed Python (Alembic's migration
# scripts are read by Alembic, not imported)
IMPORT_ALL = """
import importlib, json, pathlib, telephonist
root = pathlib.Path(telephonist.__file__).parent
failed, n = {}, 0
for f in sorted(root.rglob("*.py")):
    parts = f.relative_to(root.parent).with_suffix("").parts
    if "migrations" in parts:
        continue
    parts = parts[:-1] if parts[-1] == "__init__" else parts
    n += 1
    try:
        importlib.import_module(".".join(parts))
    except Exception as exc:
        failed[".".join(parts)] = repr(exc)
print(json.dumps({"modules": n, "failed": failed, "package": str(root)}))
"""


def tracked(*folders: str) -> list[str]:
    out = subprocess.run(["git", "ls-files", *folders], cwd=TREE, capture_output=True, text=True, check=True).stdout
    return out.split()


def outside_env() -> dict[str, str]:
    """Nothing that would lead the installed Python back to the tree or to .venv."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


@pytest.fixture(scope="module")
def venv(builds, tmp_path_factory) -> Path:
    """A fresh virtualenv with the wheel and its dependencies (from the package index), nothing else."""
    where = tmp_path_factory.mktemp("installed") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    r = subprocess.run([str(where / "bin" / "pip"), "install", "-q", str(builds.wheel())], capture_output=True,
                       text=True, env=outside_env(), cwd=where.parent)
    if r.returncode != 0:
        skip_if_unreachable(r.stdout + r.stderr, "installing the wheel's dependencies from the package index")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return where


def installed(venv: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / argv[0]), *argv[1:]], capture_output=True, text=True,
                          env=outside_env(), cwd=cwd)


def test_the_sdist_and_the_wheel_hold_every_file_the_package_needs(builds):
    with tarfile.open(builds.sdist) as tar:
        in_sdist = {m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()}
    # the engine is compiled from the sdist: its C sources and headers, its build script
    for f in tracked("csrc", "systemd", "packaging", "etc/telephonist", "pyproject.toml", "setup.py"):
        assert f in in_sdist, f
    with zipfile.ZipFile(builds.wheel()) as whl:
        in_wheel = set(whl.namelist())
    version = builds.sdist.name.removeprefix("telephonist-").removesuffix(".tar.gz")
    demo = f"telephonist-{version}.data/data/share/telephonist/demo/"
    wanted = tracked("telephonist") + [demo + f for f in tracked("etc/telephonist")]
    assert [f for f in wanted if f not in in_wheel] == []
    # and nothing else in the package but the compiled engine (_engine.pyi, its stub, is tracked)
    extra = [f for f in in_wheel if f.startswith("telephonist/") and f not in wanted]
    assert len(extra) == 1 and extra[0].startswith("telephonist/_engine.") and extra[0].endswith(".so"), extra
    assert not [f for f in in_wheel if "__pycache__" in f or f.startswith("tests/")]


def test_every_module_of_the_installed_package_imports(venv, tmp_path):
    r = installed(venv, "python", "-I", "-c", IMPORT_ALL, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["package"].startswith(str(venv))
    assert result["failed"] == {}
    assert result["modules"] == len([f for f in tracked("telephonist") if f.endswith(".py") and "migrations/" not in f])


@pytest.mark.parametrize("daemon", DAEMONS)
def test_each_daemon_of_the_installed_copy_answers_help(venv, tmp_path, daemon):
    r = installed(venv, "telephonist", daemon, "--help", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "--config" in r.stdout                   # its own options: its module and dependencies loaded
    assert "not available in this build" not in r.stdout + r.stderr


def test_a_sim_call_through_the_installed_chand_and_client(venv, tmp_path):
    (tmp_path / "state" / "prompts").mkdir(parents=True)
    cfg = tmp_path / "telephonist.toml"
    cfg.write_text(SIM_CONFIG)
    script = Path(__file__).with_name("installed_call.py")
    r = installed(venv, "python", "-I", str(script), "--start-chand", "--config", str(cfg),
                  "--socket", str(tmp_path / "state" / "chand.sock"), "--prompts-dir", str(tmp_path / "state" / "prompts"),
                  cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    call = json.loads(r.stdout)
    assert call["package"].startswith(str(venv)) and call["engine"].startswith(str(venv))
    assert call["offer"] == {"caller": "13912345678", "dialled": "4008001234", "chan": "e1/1"}
    assert (call["play_reason"], call["heard"], call["disposition"]) == ("done", "42", "answered")
    r = installed(venv, "telephonist", "calls", "--config", str(cfg), "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    record, = json.loads(r.stdout)
    assert (record["call_id"], record["caller"], record["dialled"], record["disposition"], record["application"]) == \
        (call["call_id"], "13912345678", "4008001234", "answered", "app:pkgtest")
    assert record["talk_ms"] > 0 and record["ended_at"]
