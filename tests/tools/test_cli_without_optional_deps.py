"""The command line on a machine with only the engine's and chand's dependencies (the DAHDI guest has no
SQLAlchemy, Flask or jieba): every command that needs one is unavailable, the others work."""
from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
for name in ("sqlalchemy", "flask", "jieba", "openpyxl", "docx"):
    sys.modules[name] = None          # importing it raises ModuleNotFoundError, as where it is not installed
from telephonist.cli import build_parser
parser = build_parser()
args = parser.parse_args(["dahdi-scan"])
assert args.command == "dahdi-scan"
args = parser.parse_args(["bench", "engine", "--seconds", "1"])
assert args.bench == "engine" and not getattr(args, "_bench_missing", None)
args = parser.parse_args(["bench", "crm"])
assert "sqlalchemy" in args._bench_missing, args
print("ok")
"""


def test_commands_that_need_a_missing_library_are_unavailable_and_the_rest_work():
    r = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr
